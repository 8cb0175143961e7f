"""Pages for setting a cycle up (HR and admins): the set-up form, from the default template
per level, and opening a draft cycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reviews.access import runs_cycles
from reviews.errors import ReviewRefused
from reviews.setup import cycle_open, cycle_setup
from reviews.setup_forms import CycleSetupForm, LevelTemplate, level_templates
from reviews.views import _hr_action

# The service's names of the cycle's own inputs, as the form calls them.
FORM_FIELDS = {"first_period": "first_month"}


def _show_refusal(
    refusal: ReviewRefused, form: CycleSetupForm, levels: list[LevelTemplate]
) -> None:
    field = refusal.field or ""
    if field.startswith("templates[") and "]." in field:
        index, path = field.removeprefix("templates[").split("].", 1)
        levels[int(index)].add_error(path, str(refusal))
        return
    field = FORM_FIELDS.get(field, field)
    form.add_error(field if field in form.fields else None, str(refusal))


@login_required
def cycle_new(request: HttpRequest) -> HttpResponse:
    """Set a cycle up: its months, who is reviewed, deadlines, KPI weight and a template per
    level from the default competencies; then open it, or keep it as a draft."""
    if not runs_cycles(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    more = request.POST.get("more", "") if data is not None else ""
    form = CycleSetupForm(data)
    levels = level_templates(data, more=more)
    status = 200
    if data is not None and not more:
        # Every part is checked, so that every error shows at once.
        checked = [form.is_valid()] + [level.is_valid() for level in levels]
        if all(checked):
            try:
                cycle = cycle_setup(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    first_period=form.cleaned_data["first_month"],
                    self_review_due=form.cleaned_data["self_review_due"],
                    manager_review_due=form.cleaned_data["manager_review_due"],
                    kpi_weight=form.cleaned_data["kpi_weight"],
                    teams=form.chosen_teams(),
                    templates=[level.template_input() for level in levels],
                    open_now=request.POST.get("action") == "open",
                )
            except ReviewRefused as refusal:
                _show_refusal(refusal, form, levels)
            else:
                messages.success(
                    request,
                    _("The cycle is open for reviews.")
                    if cycle.opened_at
                    else _("The cycle is saved as a draft."),
                )
                return redirect("reviews:detail", cycle_id=cycle.pk)
        status = 400
    return render(request, "reviews/setup.html", {"form": form, "levels": levels}, status=status)


@login_required
@require_POST
def cycle_open_view(request: HttpRequest, cycle_id: int) -> HttpResponse:
    if not runs_cycles(request.user):
        raise PermissionDenied
    return _hr_action(request, cycle_id, cycle_open, _("The cycle is open for reviews."))
