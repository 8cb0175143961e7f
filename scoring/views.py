"""The HR page of score runs: score a range of periods (queued, oldest first, with their
progress), reopen a closed period with a reason, and the history of reopenings."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frames.queue import QueueUnavailable
from org.fields import PeriodField
from org.selectors import teams_visible_to
from org.views import allowed_if
from scoring.closing import PeriodsClosed, period_close_again, period_reopen
from scoring.models import PeriodReopening, RunStatus
from scoring.ranges import range_rescore
from scoring.selectors import can_start_runs, runs_visible_to, scope_employs_anyone

hr_only = allowed_if(can_start_runs)
# Runs and reopenings the page lists, the latest first.
LISTED = 50


class RangeForm(forms.Form):
    first = PeriodField(label=gettext_lazy("From"), help_text=gettext_lazy("for example 2024-09"))
    last = PeriodField(label=gettext_lazy("To"), help_text=gettext_lazy("for example 2026-10"))
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("The whole company"),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_visible_to(user)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and not scope_employs_anyone(cleaned.get("team"), first, last):
            self.add_error(
                "team",
                _("Nobody to score: nobody in a scored team here was employed in those periods."),
            )
        return cleaned


class ReopenForm(forms.Form):
    period = PeriodField(
        label=gettext_lazy("Period"), help_text=gettext_lazy("for example 2025-03")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def _page(
    request: HttpRequest,
    *,
    range_form: RangeForm | None = None,
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    runs = list(runs_visible_to(request.user)[:LISTED])
    return render(
        request,
        "scoring/runs.html",
        {
            "range_form": range_form or RangeForm(user=request.user),
            "reopen_form": reopen_form or ReopenForm(),
            "runs": runs,
            "working": any(run.status in (RunStatus.QUEUED, RunStatus.RUNNING) for run in runs),
            "reopenings": PeriodReopening.objects.select_related("reopened_by", "closed_again_by")[
                :LISTED
            ],
        },
        status=status,
    )


@hr_only
def runs(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's errors under the form's fields (``from``/``to`` are ``first``/``last``)."""
    names = {"from": "first", "to": "last"}
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            field = names.get(name, name)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@hr_only
def range_start(request: HttpRequest) -> HttpResponse:
    form = RangeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, range_form=form, status=400)
    try:
        queued = range_rescore(
            first=form.cleaned_data["first"],
            last=form.cleaned_data["last"],
            team=form.cleaned_data["team"],
            user=request.user,
        )
    except ValidationError as invalid:
        _form_errors(form, invalid)
        return _page(request, range_form=form, status=400)
    except PeriodsClosed as closed:
        form.add_error("first", str(closed))
        return _page(request, range_form=form, status=400)
    except QueueUnavailable:
        messages.error(
            request,
            _(
                "The task queue cannot be reached right now, so the runs were not started. "
                "Try again in a few minutes."
            ),
        )
        return redirect("scoring:runs")
    messages.success(
        request,
        _("%(count)d periods queued, from %(first)s to %(last)s; they run oldest first.")
        % {
            "count": len(queued),
            "first": form.cleaned_data["first"],
            "last": form.cleaned_data["last"],
        },
    )
    return redirect("scoring:runs")


@require_POST
@hr_only
def reopen(request: HttpRequest) -> HttpResponse:
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _page(request, reopen_form=form, status=400)
    try:
        period_reopen(
            period=form.cleaned_data["period"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except ValidationError as invalid:
        _form_errors(form, invalid)
        return _page(request, reopen_form=form, status=400)
    messages.success(
        request,
        _("%(period)s is reopened: it may be scored again.")
        % {"period": form.cleaned_data["period"]},
    )
    return redirect("scoring:runs")


@require_POST
@hr_only
def close_again(request: HttpRequest, reopening_id: int) -> HttpResponse:
    reopening = get_object_or_404(PeriodReopening, pk=reopening_id)
    period_close_again(reopening=reopening, user=request.user)
    messages.success(request, _("The period is closed again."))
    return redirect("scoring:runs")
