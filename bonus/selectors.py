"""Reads for bonus pools: what each user may see (by ``bonus.access``), who a pool divides
among, and a pool's sheet with its totals.

HR and admins see every pool and line. Others see a pool once it is computed and holds a line
they may read: a manager the lines of their people, everyone their own line once the cycle is
closed."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet, Sum
from django.http import Http404

from bonus.access import lines_scope, runs_pools
from bonus.models import BonusLine, BonusPool, CoefficientOverride, PoolState
from org.models import Employee, Team
from org.selectors import team_descendant_ids
from reviews.models import CycleResult, ReviewCycle
from reviews.selectors import cycle_people


def lines_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[BonusLine]:
    lines = BonusLine.objects.select_related("pool__cycle", "employee", "team")
    scope = lines_scope(user)
    return lines if scope is None else lines.filter(scope)


def pools_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[BonusPool]:
    pools = BonusPool.objects.select_related("cycle")
    scope = lines_scope(user)
    if scope is None:
        return pools
    return pools.filter(pk__in=BonusLine.objects.filter(scope).values("pool_id"))


def pool_get_for_user(*, user: AbstractBaseUser, pool_id: int) -> BonusPool:
    """The pool, or 404 for anyone who may not see it."""
    pool = pools_visible_to(user).filter(pk=pool_id).first()
    if pool is None:
        raise Http404
    return pool


def pools_of_cycle(user: AbstractBaseUser, cycle: ReviewCycle) -> QuerySet[BonusPool]:
    return pools_visible_to(user).filter(cycle=cycle).prefetch_related("teams")


def pool_results(pool: BonusPool) -> list[tuple[int, float | None, str, int]]:
    """Who the pool divides among, in one query: every result of the pool's cycle (of the
    pool's teams and the teams below them, when it names some), as ``(employee id, final score
    or None, level, team id)`` in the order of employee numbers. The final score is the one
    that stands after calibration (calibration moves a grade, never the final)."""
    results = CycleResult.objects.filter(cycle_id=pool.cycle_id)
    team_ids = {team.pk for team in pool.teams.all()}
    if team_ids:
        results = results.filter(employee__team_id__in=team_descendant_ids(team_ids))
    return list(
        results.order_by("employee__employee_no").values_list(
            "employee_id", "final", "employee__level", "employee__team_id"
        )
    )


def pool_people(pool: BonusPool) -> QuerySet[Employee]:
    """Who the pool may divide among: the people the cycle reviews, of the pool's teams (and
    the teams below them) when it names some."""
    people = cycle_people(pool.cycle)
    team_ids = {team.pk for team in pool.teams.all()}
    if team_ids:
        people = people.filter(team_id__in=team_descendant_ids(team_ids))
    return people


def cycle_teams(cycle: ReviewCycle) -> QuerySet[Team]:
    """The scored teams a pool of ``cycle`` may name: the cycle's teams and those below them,
    or every scored team for a cycle of the whole company."""
    teams = Team.objects.filter(is_scored=True)
    scope = set(cycle.teams.values_list("id", flat=True))
    return teams.filter(pk__in=team_descendant_ids(scope)) if scope else teams


def pool_overrides(pool: BonusPool) -> QuerySet[CoefficientOverride]:
    return pool.overrides.select_related("employee__team", "set_by__employee").order_by(
        "employee__employee_no"
    )


@dataclass(frozen=True)
class Sheet:
    """A computed pool's lines the user may read, and (for HR) the totals of all of them."""

    pool: BonusPool
    lines: list[BonusLine]
    total: Decimal | None  # Σ bonuses; None for someone who reads only some lines
    fixed_total: Decimal | None
    kpi_total: Decimal | None

    @property
    def computed(self) -> bool:
        """Whether the lines are the pool's as it stands (a changed pool is a draft again)."""
        return self.pool.state in (PoolState.COMPUTED, PoolState.LOCKED)

    @property
    def balanced(self) -> bool:
        """Whether the bonuses and the money left unallocated add up to the pool."""
        return self.total is not None and self.total + (self.pool.unallocated or 0) == (
            self.pool.amount
        )


def pool_sheet(user: AbstractBaseUser, pool: BonusPool) -> Sheet:
    """The lines of ``pool`` the user may read, by employee number (two queries)."""
    lines = list(lines_visible_to(user).filter(pool=pool).order_by("employee__employee_no"))
    if not runs_pools(user):
        return Sheet(pool, lines, None, None, None)
    totals = BonusLine.objects.filter(pool=pool).aggregate(
        total=Sum("bonus"), fixed=Sum("fixed_part"), kpi=Sum("kpi_part")
    )
    return Sheet(pool, lines, totals["total"], totals["fixed"], totals["kpi"])
