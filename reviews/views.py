"""Review pages: the cycles one may see, a cycle with one's reviews to write (and for HR its
results), and the review form (a manager's beside the person's scorecard summary)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from org.selectors import employee_get_for_user
from reviews.access import calibrates, manages, runs_cycles
from reviews.errors import ReviewRefused
from reviews.forms import ReviewForm, review_initial
from reviews.models import CycleState, Review, ReviewKind
from reviews.reminders import cycle_completion
from reviews.result_sheet import results_to_acknowledge
from reviews.selectors import (
    cycle_get_for_user,
    cycles_visible_to,
    person_cycle_summary,
    results_visible_to,
    review_tasks,
)
from reviews.services import (
    cycle_close,
    cycle_results_compute,
    review_draft_save,
    review_submit,
)


@login_required
@require_safe
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = cycles_visible_to(request.user).prefetch_related("teams")
    context = {
        "cycles": cycles,
        "runs_cycles": runs_cycles(request.user),
        "to_acknowledge": list(results_to_acknowledge(request.user)),
    }
    return render(request, "reviews/list.html", context)


@login_required
@require_safe
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The cycle's facts, the reviews the user is to write, and the results the user may see
    (HR: everybody's, with the HR actions)."""
    cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
    results = list(
        results_visible_to(request.user).filter(cycle=cycle).order_by("employee__employee_no")
    )
    context = {
        "cycle": cycle,
        "teams": list(cycle.teams.all()),
        # The levels whose final takes a w of their own (the others take the cycle's).
        "level_weights": list(cycle.templates.filter(kpi_weight__isnull=False)),
        "tasks": review_tasks(request.user, cycle) if cycle.state == CycleState.OPEN else [],
        "results": results,
        "runs_cycles": runs_cycles(request.user),
        "may_compute": cycle.state in (CycleState.OPEN, CycleState.CALIBRATING),
        "may_close": cycle.state == CycleState.CALIBRATING,
        "calibration": calibrates(request.user)
        and cycle.state in (CycleState.CALIBRATING, CycleState.CLOSED),
        "unacknowledged": sum(result.acknowledged_at is None for result in results)
        if cycle.state == CycleState.CLOSED
        else 0,
        "may_open": cycle.state == CycleState.DRAFT,
        "completion": (
            cycle_completion(cycle)
            if runs_cycles(request.user) and cycle.state != CycleState.DRAFT
            else None
        ),
    }
    return render(request, "reviews/detail.html", context)


@login_required
def review_form(request: HttpRequest, cycle_id: int, employee_id: int) -> HttpResponse:
    """Write a review: one's self-review, or a manager's review of one of their people beside
    the person's months in the cycle, the incidents noted and their self-review."""
    cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
    employee = employee_get_for_user(user=request.user, employee_id=employee_id)
    if employee.user_id == request.user.pk:
        kind = ReviewKind.SELF
    elif manages(request.user, employee):
        kind = ReviewKind.MANAGER
    else:
        raise PermissionDenied
    template = cycle.templates.filter(level=employee.level).first()
    competencies = (
        list(template.competencies.prefetch_related("anchors")) if template is not None else []
    )
    written = (
        Review.objects.filter(cycle=cycle, employee=employee, kind=kind, reviewer=request.user)
        .prefetch_related("ratings__competency")
        .first()
    )
    draft = request.POST.get("action") == "draft"
    form = ReviewForm(
        request.POST or None,
        competencies=competencies,
        draft=draft,
        initial=review_initial(written) if written else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                (review_draft_save if draft else review_submit)(
                    user=request.user,
                    cycle=cycle,
                    employee=employee,
                    kind=kind,
                    ratings=form.ratings(),
                    comments=form.comments(),
                    comment=form.cleaned_data["comment"],
                )
            except ReviewRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                if draft:
                    messages.success(request, _("Your draft is saved; submit it by the deadline."))
                    return redirect("reviews:review", cycle_id=cycle.pk, employee_id=employee.pk)
                messages.success(request, _("Your review is submitted."))
                return redirect("reviews:detail", cycle_id=cycle.pk)
        status = 400
    context = {
        "cycle": cycle,
        "employee": employee,
        "kind": kind,
        "form": form,
        "summary": person_cycle_summary(cycle, employee) if kind == ReviewKind.MANAGER else None,
        "due": cycle.self_review_due if kind == ReviewKind.SELF else cycle.manager_review_due,
        "written": written,
    }
    return render(request, "reviews/review_form.html", context, status=status)


def _hr_action(request: HttpRequest, cycle_id: int, action, done: str) -> HttpResponse:
    cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
    try:
        action(user=request.user, cycle=cycle)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect("reviews:detail", cycle_id=cycle.pk)


@login_required
@require_POST
def cycle_compute(request: HttpRequest, cycle_id: int) -> HttpResponse:
    if not runs_cycles(request.user):
        raise PermissionDenied
    return _hr_action(request, cycle_id, cycle_results_compute, _("The results are computed."))


@login_required
@require_POST
def cycle_close_view(request: HttpRequest, cycle_id: int) -> HttpResponse:
    if not runs_cycles(request.user):
        raise PermissionDenied
    return _hr_action(request, cycle_id, cycle_close, _("The cycle is closed."))
