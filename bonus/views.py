"""Bonus pages: HR's pools of a cycle, the pool form, the computed sheet with each person's
arithmetic (and HR's overrides, compute, lock and Excel export), and "My bonus", a person's own
lines. Who sees what is ``bonus.access``'s, through the selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from bonus.access import runs_pools
from bonus.arithmetic import line_steps
from bonus.exports import XLSX, pool_workbook, workbook_name
from bonus.forms import OverrideForm, PoolForm
from bonus.selectors import (
    cycle_teams,
    lines_visible_to,
    pool_get_for_user,
    pool_overrides,
    pool_people,
    pool_sheet,
    pools_of_cycle,
)
from bonus.services import (
    override_remove,
    override_set,
    pool_compute,
    pool_create,
    pool_lock,
    pool_update,
)
from reviews.errors import ReviewRefused
from reviews.models import CycleState
from reviews.selectors import cycle_get_for_user


def _hr_only(request: HttpRequest) -> None:
    if not runs_pools(request.user):
        raise PermissionDenied


@login_required
@require_safe
def cycle_pools(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The pools of a cycle, where HR starts a new one."""
    _hr_only(request)
    cycle = cycle_get_for_user(user=request.user, cycle_id=cycle_id)
    pools = pools_of_cycle(request.user, cycle)
    context = {
        "cycle": cycle,
        "pools": pools,
        "results_computed": cycle.state in (CycleState.CALIBRATING, CycleState.CLOSED),
    }
    return render(request, "bonus/cycle.html", context)


def _pool_form_page(request: HttpRequest, cycle, pool=None) -> HttpResponse:
    form = PoolForm(request.POST or None, teams=cycle_teams(cycle), pool=pool)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if pool is None:
                    pool = pool_create(user=request.user, cycle=cycle, spec=form.spec())
                else:
                    pool = pool_update(user=request.user, pool=pool, spec=form.spec())
            except ReviewRefused as refusal:
                form.refuse(refusal.field, str(refusal))
            else:
                messages.success(request, _("The pool is saved. Compute it to see the sheet."))
                return redirect("bonus:pool", pool_id=pool.pk)
        status = 400
    context = {"cycle": cycle, "pool": pool, "form": form}
    return render(request, "bonus/pool_form.html", context, status=status)


@login_required
def pool_new(request: HttpRequest, cycle_id: int) -> HttpResponse:
    _hr_only(request)
    return _pool_form_page(request, cycle_get_for_user(user=request.user, cycle_id=cycle_id))


@login_required
def pool_edit(request: HttpRequest, pool_id: int) -> HttpResponse:
    _hr_only(request)
    pool = pool_get_for_user(user=request.user, pool_id=pool_id)
    return _pool_form_page(request, pool.cycle, pool)


@login_required
@require_safe
def pool_detail(request: HttpRequest, pool_id: int) -> HttpResponse:
    """The pool's facts and, once computed, the sheet: each line the user may read with its
    arithmetic; for HR the totals, the overrides and the actions."""
    pool = pool_get_for_user(user=request.user, pool_id=pool_id)
    sheet = pool_sheet(request.user, pool)
    hr = runs_pools(request.user)
    context = {
        "pool": pool,
        "cycle": pool.cycle,
        "teams": list(pool.teams.all()),
        "coefficients": list(pool.coefficients.all()),
        "sheet": sheet,
        "rows": [(line, line_steps(line, pool)) for line in sheet.lines] if sheet.computed else [],
        "runs_pools": hr,
    }
    if hr:
        context["overrides"] = list(pool_overrides(pool))
        context["override_form"] = OverrideForm(people=pool_people(pool).order_by("employee_no"))
        context["may_compute"] = pool.state != "locked" and pool.cycle.state in (
            CycleState.CALIBRATING,
            CycleState.CLOSED,
        )
    return render(request, "bonus/pool.html", context)


@login_required
@require_POST
def override_add(request: HttpRequest, pool_id: int) -> HttpResponse:
    _hr_only(request)
    pool = pool_get_for_user(user=request.user, pool_id=pool_id)
    form = OverrideForm(request.POST, people=pool_people(pool))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("bonus:pool", pool_id=pool.pk)
    try:
        override_set(user=request.user, pool=pool, **form.cleaned_data)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The coefficient is set. Compute the pool again."))
    return redirect("bonus:pool", pool_id=pool.pk)


@login_required
@require_POST
def override_delete(request: HttpRequest, pool_id: int, employee_id: int) -> HttpResponse:
    _hr_only(request)
    pool = pool_get_for_user(user=request.user, pool_id=pool_id)
    override = pool.overrides.filter(employee_id=employee_id).select_related("employee").first()
    if override is None:
        raise Http404
    try:
        override_remove(user=request.user, pool=pool, employee=override.employee)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The level's coefficient applies again."))
    return redirect("bonus:pool", pool_id=pool.pk)


def _action(request: HttpRequest, pool_id: int, action, done: str) -> HttpResponse:
    _hr_only(request)
    pool = pool_get_for_user(user=request.user, pool_id=pool_id)
    try:
        action(user=request.user, pool=pool)
    except ReviewRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect("bonus:pool", pool_id=pool.pk)


@login_required
@require_POST
def pool_compute_view(request: HttpRequest, pool_id: int) -> HttpResponse:
    return _action(request, pool_id, pool_compute, _("The pool is computed."))


@login_required
@require_POST
def pool_lock_view(request: HttpRequest, pool_id: int) -> HttpResponse:
    return _action(request, pool_id, pool_lock, _("The pool is locked for payroll."))


@login_required
@require_safe
def pool_export(request: HttpRequest, pool_id: int) -> HttpResponse:
    """The payroll workbook of a computed pool."""
    _hr_only(request)
    pool = pool_get_for_user(user=request.user, pool_id=pool_id)
    sheet = pool_sheet(request.user, pool)
    if not sheet.computed:
        raise Http404
    response = HttpResponse(pool_workbook(sheet), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{workbook_name(pool)}"'
    return response


@login_required
@require_safe
def my_bonus(request: HttpRequest) -> HttpResponse:
    """The user's own bonus lines, each with its arithmetic (once the pool is computed and
    the cycle closed)."""
    lines = (
        lines_visible_to(request.user)
        .filter(employee__user=request.user)
        .order_by("-pool__computed_at", "-pool_id")
    )
    rows = [(line, line_steps(line, line.pool)) for line in lines]
    return render(request, "bonus/mine.html", {"rows": rows})
