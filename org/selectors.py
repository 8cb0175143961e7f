"""Reads about people and teams, and the one place that decides who may see whom."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from org.models import Employee, Role, Team
from org.periods import Period

# When a user holds several roles, the widest one decides what they see.
ROLE_PRECEDENCE = [Role.ADMIN, Role.HR, Role.MANAGER, Role.MERCHANDISER]


def user_role(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The widest role the user holds; superusers are admins. ``None`` for anonymous users.

    Read once per user object (a request's user): a page asks several times (access, scope,
    header), and the groups do not change while it is built."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if not hasattr(user, "_perf_role"):
        held = set(user.groups.values_list("name", flat=True))
        user._perf_role = next((role for role in ROLE_PRECEDENCE if role.value in held), None)
    return user._perf_role


def user_display_name(user: AbstractBaseUser | None) -> str:
    """How a user is named on pages: full name, else username; empty for nobody."""
    return (user.get_full_name() or user.get_username()) if user else ""


def person_name(user: AbstractBaseUser | None) -> str:
    """Who did something, as pages name people: their employee name, else the account's (read
    the user with ``employee`` to spare a query)."""
    employee = getattr(user, "employee", None)
    return employee.name if employee else user_display_name(user)


def employee_for_user(user: AbstractBaseUser | AnonymousUser) -> Employee | None:
    """The employee record linked to a user account, with its team, or ``None``."""
    if not user.is_authenticated:
        return None
    return Employee.objects.select_related("team").filter(user=user).first()


def landing_url(role: Role | None) -> str:
    """Where a user of this role works; the login page for users without a role."""
    return {
        Role.ADMIN: reverse("dashboards:admin_home"),
        Role.HR: reverse("dashboards:company"),
        Role.MANAGER: reverse("dashboards:team"),
        Role.MERCHANDISER: reverse("dashboards:me"),
    }.get(role, reverse("org:no_role"))


def team_descendant_ids(root_ids: set[int]) -> set[int]:
    """The given teams and every team below them, read in one query."""
    children: dict[int | None, list[int]] = {}
    for team_id, parent_id in Team.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(team_id)
    found, frontier = set(root_ids), list(root_ids)
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def team_ancestor_ids(team_ids: set[int]) -> set[int]:
    """The given teams and every team above them, read in one query."""
    parents = dict(Team.objects.values_list("id", "parent_id"))
    found, frontier = set(), list(team_ids)
    while frontier:
        team_id = frontier.pop()
        if team_id is not None and team_id not in found:
            found.add(team_id)
            frontier.append(parents.get(team_id))
    return found


def teams_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Team]:
    """Teams whose members' names the user may see.

    HR and admins see every team; a manager sees the teams they manage and the teams below them;
    everyone else sees none by name (a merchandiser sees colleagues only as aggregates).
    """
    role = user_role(user)
    if role in (Role.ADMIN, Role.HR):
        return Team.objects.all()
    if role == Role.MANAGER:
        managed = set(Team.objects.filter(manager__user=user).values_list("id", flat=True))
        return Team.objects.filter(id__in=team_descendant_ids(managed))
    return Team.objects.none()


def employed_during(period: Period) -> QuerySet[Employee]:
    """The roster of ``period``: the people of scored teams employed at some time in it, the one
    rule every score run and record read uses (so a history run of 2017 scores who worked then).

    Employed means hired on or before the period's last day and, with a leave date, leaving on or
    after its first day (the leave date is the last day worked). The leave date decides, whatever
    the active flag says, so a leaver is scored for the periods they worked. Someone inactive
    without a leave date left on a day nobody recorded: as the date cannot be told, they are on
    no roster (scoring them for any period could be scoring time they were gone).
    """
    return employed_between(period.start, period.last_day)


def employed_between(first_day: dt.date, last_day: dt.date) -> QuerySet[Employee]:
    """The people of scored teams employed at some time from ``first_day`` to ``last_day``
    (both included), by the rule of ``employed_during``."""
    employed = Q(leave_date__isnull=False, leave_date__gte=first_day) | Q(
        leave_date__isnull=True, is_active=True
    )
    return Employee.objects.filter(employed, hire_date__lte=last_day, team__is_scored=True)


def employees_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Employee]:
    """Employees whose individual records the user may see: all, their teams', or only their own."""
    role = user_role(user)
    if role in (Role.ADMIN, Role.HR):
        return Employee.objects.all()
    if role == Role.MANAGER:
        return Employee.objects.filter(team__in=teams_visible_to(user))
    if role == Role.MERCHANDISER:
        return Employee.objects.filter(user=user)
    return Employee.objects.none()


def employee_get_for_user(*, user: AbstractBaseUser, employee_id: int) -> Employee:
    """One employee the user may see, or 404: an id outside one's scope does not exist."""
    employee = (
        employees_visible_to(user).select_related("team", "user").filter(pk=employee_id).first()
    )
    if employee is None:
        raise Http404
    return employee


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: shown in every page's header."""

    name: str
    role: Role | None
    team: Team | None
    employee: Employee | None

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else ""


def viewer_for_user(user: AbstractBaseUser) -> Viewer:
    """The signed-in user's display name, role and team."""
    employee = employee_for_user(user)
    name = employee.name if employee else user_display_name(user)
    return Viewer(
        name=name,
        role=user_role(user),
        team=employee.team if employee else None,
        employee=employee,
    )


DEMO_USERNAMES = ["admin", "hr", "manager", "merchandiser"]


@dataclass(frozen=True)
class DemoLogin:
    role: Role | None
    username: str
    name: str
    team: str


def demo_logins() -> list[DemoLogin]:
    """The named demo accounts that exist, widest role first (empty outside a demo database)."""
    User = get_user_model()
    users = (
        User.objects.filter(username__in=DEMO_USERNAMES)
        .select_related("employee__team")
        .prefetch_related("groups")
    )
    logins = []
    for user in users:
        employee = getattr(user, "employee", None)
        logins.append(
            DemoLogin(
                role=user_role(user),
                username=user.get_username(),
                name=employee.name if employee else user.get_full_name(),
                team=employee.team.name if employee else "",
            )
        )
    return sorted(logins, key=lambda login: DEMO_USERNAMES.index(login.username))
