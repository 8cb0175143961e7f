"""Landing pages: each role is sent to where it works, and shown the latest month's work."""

from collections.abc import Callable
from functools import wraps
from statistics import mean

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ingest.selectors import (
    Workload,
    latest_order_month,
    order_counts_by_team,
    recent_orders,
    workload_by_employee,
)
from org.models import Employee, Role
from org.selectors import (
    employee_for_user,
    employees_visible_to,
    landing_url,
    teams_visible_to,
    user_role,
)


def allowed_if(may_enter: Callable[[AbstractBaseUser], bool]) -> Callable:
    """Let signed-in users for whom ``may_enter`` holds through; refuse the rest with 403."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not may_enter(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def role_required(*roles: Role) -> Callable:
    """Let signed-in users holding one of ``roles`` through; refuse the rest with 403."""
    return allowed_if(lambda user: user_role(user) in roles)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url(user_role(request.user)))


@login_required
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "org/no_role.html")


def _team_average(workloads: list[Workload]) -> dict[str, float | None]:
    """Per-field mean over colleagues who have data: what a merchandiser may compare against."""

    def avg(field: str) -> float | None:
        values = [getattr(w, field) for w in workloads if getattr(w, field) is not None]
        return round(mean(values), 1) if values else None

    return {
        field: avg(field)
        for field in ("orders", "avg_response_hours", "follow_ups", "avg_csat", "tickets")
    }


@role_required(Role.MERCHANDISER, Role.MANAGER, Role.HR, Role.ADMIN)
def my_workspace(request: HttpRequest) -> HttpResponse:
    employee = employee_for_user(request.user)
    if employee is None:
        return render(request, "org/no_employee.html")
    month = latest_order_month([employee.id])
    mine = team = None
    orders = []
    if month:
        team_ids = list(
            Employee.objects.filter(team_id=employee.team_id, is_active=True).values_list(
                "id", flat=True
            )
        )
        workloads = workload_by_employee(employee_ids=team_ids, month=month)
        mine = workloads.get(employee.id, Workload())
        team = _team_average(list(workloads.values()))
        orders = recent_orders(employee_ids=[employee.id])
    return render(
        request,
        "org/my_workspace.html",
        {"employee": employee, "month": month, "mine": mine, "team": team, "orders": orders},
    )


@role_required(Role.MANAGER, Role.HR, Role.ADMIN)
def team_overview(request: HttpRequest) -> HttpResponse:
    teams = list(teams_visible_to(request.user).select_related("manager"))
    members = list(
        employees_visible_to(request.user)
        .filter(is_active=True, team__in=teams)
        .select_related("team")
        .order_by("team__name", "employee_no")
    )
    month = latest_order_month([m.id for m in members]) if members else None
    workloads = (
        workload_by_employee(employee_ids=[m.id for m in members], month=month) if month else {}
    )
    rows = [(member, workloads.get(member.id, Workload())) for member in members]
    return render(request, "org/team_overview.html", {"teams": teams, "rows": rows, "month": month})


@role_required(Role.HR, Role.ADMIN)
def hr_overview(request: HttpRequest) -> HttpResponse:
    teams = (
        teams_visible_to(request.user)
        .select_related("manager", "parent")
        .annotate(headcount=Count("members", filter=Q(members__is_active=True)))
    )
    month = latest_order_month()
    orders = order_counts_by_team(month=month) if month else {}
    rows = [(team, orders.get(team.id, 0)) for team in teams]
    return render(request, "org/hr_overview.html", {"rows": rows, "month": month})
