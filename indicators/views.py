"""Pages: the indicator manual (everyone) and the AHP weight editor (admins)."""

from fractions import Fraction
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from indicators import scheme_services
from indicators.models import Tier, WeightScheme
from indicators.selectors import (
    catalog_editable_by,
    checklist_active,
    indicator_manual,
    matrix_items,
    scheme_changes,
    scheme_editor,
    scheme_experts,
    scheme_get_for_user,
    scheme_versions,
)
from org.fields import PeriodField
from org.models import Level
from org.periods import Period
from org.views import allowed_if
from scoring.engine.ahp import SAATY_SCALE

# Saaty's scale as the editor offers it, strongest preference for the row item first.
SCALE_CHOICES = [
    (label, label)
    for label in (str(Fraction(value).limit_denominator(9)) for value in reversed(SAATY_SCALE))
]


# The catalog's own rule decides who edits weights (see ``catalog_editable_by``).
admin_only = allowed_if(catalog_editable_by)


class ManualForm(forms.Form):
    period = PeriodField(label=gettext_lazy("Period"), required=False)


@login_required
def manual(request: HttpRequest) -> HttpResponse:
    """The manual as it stood in a period (``?period=2026-10``; by default the current month):
    the settings and weights in force then, and the dated changes around it."""
    form = ManualForm(request.GET)
    valid = form.is_valid()
    period = (valid and form.cleaned_data["period"]) or Period.containing(timezone.localdate())
    entries = indicator_manual(period=period)
    tiers = [
        (tier, [entry for entry in entries if entry.indicator.tier == tier.value]) for tier in Tier
    ]
    return render(
        request,
        "indicators/manual.html",
        {
            "tiers": tiers,
            "checklist": checklist_active(),
            "levels": Level.choices,
            "period": period,
            "previous": period.previous(),
            "next": period.next(),
            "form": form,
            "can_edit": catalog_editable_by(request.user),
        },
        status=200 if valid else 400,
    )


class DraftForm(forms.Form):
    # Not required: the empty choice is "all levels".
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        choices=WeightScheme._meta.get_field("level").choices,
        required=False,
    )
    # A date input reads and sends ISO dates whatever the language: every language's first
    # date input format is ISO (perf.formats), so the date rendered is the date read back.
    effective_from = forms.DateField(
        label=gettext_lazy("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=100)


class JudgmentsForm(forms.Form):
    """Which matrix of the scheme and whose judgments a post of the editor sets (the cells are
    read by ``_judgments_from_post``)."""

    matrix = forms.CharField(label=gettext_lazy("Matrix"), max_length=64)
    expert = forms.CharField(label=gettext_lazy("Expert"), required=False, max_length=100)


class SchemeSettingsForm(forms.ModelForm):
    class Meta:
        model = WeightScheme
        fields = ["name", "effective_from", "entropy_alpha", "note"]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


@admin_only
def scheme_list(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            scheme = scheme_services.scheme_draft_create(
                user=request.user,
                level=form.cleaned_data["level"],
                effective_from=form.cleaned_data["effective_from"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("indicators:scheme_edit", scheme_id=scheme.id)
    schemes = WeightScheme.objects.select_related("created_by__employee").order_by(
        "level", "-version"
    )
    return render(request, "indicators/scheme_list.html", {"schemes": schemes, "form": form})


@admin_only
def scheme_edit(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = scheme_get_for_user(user=request.user, scheme_id=scheme_id)
    experts = scheme_experts(scheme)
    expert = request.GET.get("expert") or (experts[0] if experts else "")
    settings_form = SchemeSettingsForm(instance=scheme)
    # What activating the draft does to scores, shown before the button is pressed.
    preview = (
        scheme_services.scheme_activation_preview(scheme=scheme) if scheme.is_editable else None
    )
    return render(
        request,
        "indicators/scheme_edit.html",
        {
            "scheme": scheme,
            "expert": expert,
            "experts": experts,
            "matrices": scheme_editor(scheme, expert),
            "scale": SCALE_CHOICES,
            "settings_form": settings_form,
            "versions": scheme_versions(scheme.level),
            "changes": scheme_changes(scheme),
            "preview": preview,
        },
    )


def _judgments_from_post(request: HttpRequest, size: int) -> list[list[float]]:
    """The full matrix from the upper-triangle selects ``cell-<row>-<column>``."""
    matrix = [[1.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            raw = request.POST.get(f"cell-{i}-{j}", "1")
            try:
                # A judgment is a short number or fraction ("3", "1/5"); 1e400 overflows.
                if len(raw) > 32:
                    raise ValueError(raw)
                value = float(Fraction(raw))
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise ValidationError(
                    _("Row %(row)d, column %(column)d: %(value)s is not a judgment.")
                    % {"row": i + 1, "column": j + 1, "value": raw[:32]}
                ) from exc
            matrix[i][j], matrix[j][i] = value, 1 / value if value else 0.0
    return matrix


@require_POST
@admin_only
def scheme_judgments(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = scheme_get_for_user(user=request.user, scheme_id=scheme_id)
    names = JudgmentsForm(request.POST)
    if not names.is_valid():
        for field, errors in names.errors.items():
            for error in errors:
                messages.error(request, f"{names.fields[field].label}: {error}")
        return redirect(_edit_url(scheme))
    key, expert = names.cleaned_data["matrix"], names.cleaned_data["expert"]
    items = matrix_items(scheme, key)
    try:
        if items is None:
            raise ValidationError(_("Unknown matrix."))
        scheme_services.scheme_judgments_set(
            scheme=scheme,
            user=request.user,
            matrix=key,
            expert=expert,
            judgments=_judgments_from_post(request, len(items)),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Judgments saved; weights recomputed."))
    return redirect(f"{_edit_url(scheme)}?{urlencode({'expert': expert})}")


def _edit_url(scheme: WeightScheme) -> str:
    return reverse("indicators:scheme_edit", kwargs={"scheme_id": scheme.id})


@require_POST
@admin_only
def scheme_settings(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = scheme_get_for_user(user=request.user, scheme_id=scheme_id)
    form = SchemeSettingsForm(request.POST, instance=scheme)
    if form.is_valid():
        try:
            scheme_services.scheme_update(
                scheme=scheme,
                user=request.user,
                changes={field: form.cleaned_data[field] for field in form.changed_data},
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Scheme settings saved."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}")
    return redirect(_edit_url(scheme))


@require_POST
@admin_only
def scheme_activate(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = scheme_get_for_user(user=request.user, scheme_id=scheme_id)
    try:
        # The button says which scored periods are rescored (the preview); if more were
        # scored since, the service asks again.
        scheme_services.scheme_activate(
            scheme=scheme, user=request.user, confirm=request.POST.get("confirm") == "1"
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(scheme)s is active from %(date)s.")
            % {"scheme": scheme, "date": scheme.effective_from},
        )
    return redirect(_edit_url(scheme))
