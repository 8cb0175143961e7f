"""Calibration and sign-off pages: a cycle's calibration (its grades per team against the target
distribution, the 9-box, and a form per person to move their grade with a reason), one result
with its arithmetic and history, and the person acknowledging it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from reviews.access import calibrates, is_oneself
from reviews.calibration import calibration_board
from reviews.calibration_forms import AcknowledgeForm, CalibrationForm
from reviews.errors import ReviewRefused
from reviews.models import CycleResult, ReviewCycle
from reviews.result_sheet import result_sheet
from reviews.selectors import cycle_get_for_user, result_get_for_user
from reviews.services import calibration_move, result_acknowledge


def _prefix(result: CycleResult) -> str:
    return f"r{result.pk}"


def _board_page(
    request: HttpRequest,
    cycle: ReviewCycle,
    *,
    failed: CalibrationForm | None = None,
    failed_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    board = calibration_board(user=request.user, cycle=cycle)
    rows = []
    for row in board.rows:
        form = None
        own = is_oneself(request.user, row.result.employee)
        if board.may_move and row.result.grade and not own:
            form = failed if row.result.pk == failed_id else None
            form = form or CalibrationForm(prefix=_prefix(row.result))
        rows.append((row, form, own))
    # A refusal whose row has no form any more (the cycle has moved on) is said at the top.
    shown = any(form is not None and form is failed for _row, form, _own in rows)
    refusals = failed.non_field_errors() if failed is not None and not shown else []
    context = {
        "cycle": cycle,
        "board": board,
        "rows": rows,
        "failed_id": failed_id,
        "refusals": refusals,
    }
    return render(
        request,
        "reviews/calibration.html",
        context,
        status=status,
    )


@login_required
@require_safe
def cycle_calibration(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """HR and admins: everybody in the cycle; a manager: their people; 403 for the others."""
    cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
    if not calibrates(request.user):
        raise PermissionDenied
    return _board_page(request, cycle)


@login_required
@require_POST
def calibration_move_view(request: HttpRequest, cycle_id: int, result_id: int) -> HttpResponse:
    """Move one person's grade; a refusal shows the page again with the reason at the field."""
    cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
    if not calibrates(request.user):
        raise PermissionDenied
    result = result_get_for_user(user=request.user, result_id=result_id)
    if result.cycle_id != cycle.pk:
        raise Http404
    form = CalibrationForm(request.POST, prefix=_prefix(result))
    if form.is_valid():
        try:
            calibration_move(user=request.user, result=result, **form.cleaned_data)
        except ReviewRefused as refusal:
            field = refusal.field if refusal.field in form.fields else None
            form.add_error(field, str(refusal))
        else:
            messages.success(
                request,
                _("%(name)s's grade is now %(grade)s.")
                % {"name": result.employee.name, "grade": form.cleaned_data["grade"]},
            )
            url = reverse("reviews:calibration", args=[cycle.pk])
            return redirect(f"{url}#result-{result.pk}")
    return _board_page(request, cycle, failed=form, failed_id=result.pk, status=400)


def _result_page(
    request: HttpRequest, result: CycleResult, form: AcknowledgeForm | None = None, status=200
) -> HttpResponse:
    sheet = result_sheet(user=request.user, result=result)
    if form is None and sheet.may_acknowledge:
        form = AcknowledgeForm()
    return render(request, "reviews/result.html", {"sheet": sheet, "form": form}, status=status)


@login_required
@require_safe
def result_detail(request: HttpRequest, result_id: int) -> HttpResponse:
    """A result: the person's own (once the cycle is closed), their manager's and HR's."""
    return _result_page(request, result_get_for_user(user=request.user, result_id=result_id))


@login_required
@require_POST
def result_acknowledge_view(request: HttpRequest, result_id: int) -> HttpResponse:
    result = result_get_for_user(user=request.user, result_id=result_id)
    if result.employee.user_id != request.user.pk:
        raise PermissionDenied
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            result_acknowledge(user=request.user, result=result, **form.cleaned_data)
        except ReviewRefused as refusal:
            field = refusal.field if refusal.field in form.fields else None
            form.add_error(field, str(refusal))
        else:
            messages.success(request, _("You have acknowledged your result."))
            return redirect("reviews:result", result_id=result.pk)
    return _result_page(request, result, form, status=400)
