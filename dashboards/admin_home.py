"""The admin home (``/manage/``): one card per thing admins run (indicators, weight schemes,
sources, schedules, people, users and roles, locked sign-ins, score runs), each with a count or
a status read by the apps' own selectors, a fixed number of queries whatever the company's size.
HR gets the cards of what HR may use."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import Count, Q

from indicators.models import IndicatorDefinition, SchemeStatus, WeightScheme
from indicators.selectors import catalog_editable_by
from ingest.access import can_manage_sources, source_statuses
from ingest.models import SyncStatus
from ingest.schedules import Schedule, schedules_read
from org.models import Employee, Role
from org.selectors import user_role
from org.signin import signin_lockouts
from scoring.models import ACTIVE_RUN_STATUSES, ScoreRun
from scoring.selectors import runs_visible_to


def can_open_admin_home(user: AbstractBaseUser) -> bool:
    """Admins, and HR for the parts they use (sources, people, sign-ins, score runs)."""
    return user_role(user) in (Role.HR, Role.ADMIN)


@dataclass(frozen=True)
class Indicators:
    active: int
    total: int


@dataclass(frozen=True)
class Schemes:
    in_force: int  # active schemes, one per level at most
    drafts: int


@dataclass(frozen=True)
class Sources:
    total: int
    failing: int  # whose latest run failed
    stale: int  # without a successful sync for longer than the sources page allows


@dataclass(frozen=True)
class People:
    active: int
    with_account: int


@dataclass(frozen=True)
class Users:
    total: int
    by_role: list[tuple[str, int]]  # (role label, users), widest role first
    without_role: int


@dataclass(frozen=True)
class Runs:
    latest: ScoreRun | None
    working: int  # queued or running


@dataclass(frozen=True)
class AdminHome:
    is_admin: bool
    indicators: Indicators
    schemes: Schemes | None  # admins only, as below
    sources: Sources
    schedules: list[Schedule]
    people: People
    users: Users | None
    lockouts: int
    runs: Runs


def _indicators() -> Indicators:
    counts = IndicatorDefinition.objects.aggregate(
        total=Count("id"), active=Count("id", filter=Q(is_active=True))
    )
    return Indicators(**counts)


def _schemes() -> Schemes:
    counts = WeightScheme.objects.aggregate(
        in_force=Count("id", filter=Q(status=SchemeStatus.ACTIVE)),
        drafts=Count("id", filter=Q(status=SchemeStatus.DRAFT)),
    )
    return Schemes(**counts)


def _sources(user: AbstractBaseUser) -> Sources:
    statuses = source_statuses(user)
    return Sources(
        total=len(statuses),
        failing=sum(
            1 for s in statuses if s.latest_run and s.latest_run.status == SyncStatus.FAILED
        ),
        stale=sum(1 for s in statuses if s.stale and s.source.enabled),
    )


def _people() -> People:
    counts = Employee.objects.aggregate(
        active=Count("id", filter=Q(is_active=True)),
        with_account=Count("id", filter=Q(is_active=True, user__isnull=False)),
    )
    return People(**counts)


def _users() -> Users:
    """Accounts per role: the roles are groups of the same name (two queries)."""
    users = get_user_model().objects.aggregate(
        total=Count("id", filter=Q(is_active=True), distinct=True),
        without_role=Count("id", filter=Q(is_active=True, groups__isnull=True, is_superuser=False)),
    )
    held = dict(
        Group.objects.filter(name__in=Role.values)
        .annotate(users=Count("user", filter=Q(user__is_active=True)))
        .values_list("name", "users")
    )
    by_role = [(str(role.label), held.get(role.value, 0)) for role in reversed(Role)]
    return Users(total=users["total"], by_role=by_role, without_role=users["without_role"])


def _runs(user: AbstractBaseUser) -> Runs:
    runs = runs_visible_to(user)
    latest = runs.order_by("-created_at", "-pk").first()
    working = runs.filter(status__in=ACTIVE_RUN_STATUSES).count() if latest else 0
    return Runs(latest=latest, working=working)


def admin_home_read(user: AbstractBaseUser) -> AdminHome:
    """What the admin home shows ``user`` (an admin, or HR for their part)."""
    is_admin = catalog_editable_by(user) and can_manage_sources(user)
    return AdminHome(
        is_admin=is_admin,
        indicators=_indicators(),
        schemes=_schemes() if is_admin else None,
        sources=_sources(user),
        schedules=schedules_read(),
        people=_people(),
        users=_users() if is_admin else None,
        lockouts=len(signin_lockouts()),
        runs=_runs(user),
    )
