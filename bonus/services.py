"""Writes for bonus pools: HR states a pool for a review cycle (its amount, KPI-linked share,
payout curve, coefficients per level and the rule for people not scored), overrides a person's
coefficient with a reason, computes the pool from the cycle's results, and locks it for
payroll. Each runs in one transaction, saves named fields and records who did it in the
history; each refusal is a ``ReviewRefused`` naming the input at fault."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bonus.checks import coefficient_checked, number_checked, pools_hr_only
from bonus.models import (
    NAME_MAX,
    STEP,
    AmountBasis,
    BonusLine,
    BonusPool,
    CoefficientOverride,
    LevelCoefficient,
    LineRule,
    PoolState,
    UnscoredRule,
)
from bonus.selectors import pool_people, pool_results
from org.models import Employee, Level, Team
from org.selectors import team_descendant_ids
from reviews.access import is_oneself
from reviews.checks import CHANGE_REASON_MAX, saved, text_checked
from reviews.engine.bonus import BonusInputError, Participant, allocate, pool_from_revenue
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import REASON_MAX, CycleState, ReviewCycle

# Bounds of what the columns hold: larger numbers are typing mistakes, refused by name.
AMOUNT_MAX = Decimal("999999999999.99")
# The first value a line's step columns cannot hold.
BASE_MAX = 10 ** (STEP["max_digits"] - STEP["decimal_places"])
SIX_PLACES = Decimal("0.000001")
# What a computation writes on a line that is already there.
LINE_FIELDS = [
    "team",
    "level",
    "rule",
    "final",
    "coefficient",
    "overridden",
    "base",
    "target_bonus",
    "fixed_part",
    "kpi_target",
    "payout_factor",
    "kpi_part",
    "bonus",
    "extra_cent",
]


@dataclass(frozen=True)
class PoolInput:
    """A pool as HR states it: ``amount`` for a fixed pool, ``revenue`` and ``percent`` for one
    from revenue; ``coefficients`` by level (every level); ``teams`` empty for the cycle's
    whole scope."""

    name: str
    basis: str
    coefficients: Mapping[str, Decimal]
    amount: Decimal | None = None
    revenue: Decimal | None = None
    percent: Decimal | None = None
    kpi_share: Decimal = Decimal("0.20")
    curve_zero_at: Decimal = Decimal(60)
    curve_full_at: Decimal = Decimal(80)
    curve_top_at: Decimal = Decimal(100)
    curve_top_factor: Decimal = Decimal("1.2")
    unscored_rule: str = UnscoredRule.FIXED_ONLY
    teams: Sequence[Team] = field(default_factory=tuple)


def _amounts(spec: PoolInput) -> dict:
    """The pool's amount fields: a fixed amount, or revenue × percent rounded to the cent."""
    if spec.basis == AmountBasis.FIXED:
        amount = number_checked(
            spec.amount,
            field="amount",
            what=_("The bonus pool"),
            places=2,
            low=Decimal(0),
            high=AMOUNT_MAX,
        )
        return {"amount": amount, "revenue": None, "percent": None}
    if spec.basis != AmountBasis.REVENUE:
        raise ReviewRefused(_("Give a fixed amount or a percentage of revenue."), field="basis")
    revenue = number_checked(
        spec.revenue,
        field="revenue",
        what=_("The revenue"),
        places=2,
        low=Decimal(0),
        high=AMOUNT_MAX,
    )
    percent = number_checked(
        spec.percent,
        field="percent",
        what=_("The percentage of revenue"),
        places=4,
        low=Decimal(0),
        high=Decimal(100),
        above_low=True,
    )
    return {"amount": pool_from_revenue(revenue, percent), "revenue": revenue, "percent": percent}


def _curve(spec: PoolInput) -> dict:
    points = {
        name: number_checked(
            getattr(spec, name), field=name, what=what, places=2, low=Decimal(0), high=Decimal(100)
        )
        for name, what in [
            ("curve_zero_at", _("The score that earns no KPI-linked part")),
            ("curve_full_at", _("The score that earns the full KPI-linked part")),
            ("curve_top_at", _("The score that earns the highest KPI-linked part")),
        ]
    }
    if not points["curve_zero_at"] < points["curve_full_at"]:
        raise ReviewRefused(
            _("The full KPI-linked part is earned at a higher score than none."),
            field="curve_full_at",
        )
    if not points["curve_full_at"] < points["curve_top_at"]:
        raise ReviewRefused(
            _("The highest KPI-linked part is earned at a higher score than the full part."),
            field="curve_top_at",
        )
    points["curve_top_factor"] = number_checked(
        spec.curve_top_factor,
        field="curve_top_factor",
        what=_("The highest KPI-linked part"),
        places=3,
        low=Decimal(1),
        high=Decimal(10),
    )
    return points


def _teams_checked(cycle: ReviewCycle, teams: Sequence[Team]) -> list[Team]:
    """The pool's teams, each within the cycle's scope (a cycle of teams reviews nobody else)."""
    scope = set(cycle.teams.values_list("id", flat=True))
    if scope:
        within = team_descendant_ids(scope)
        outside = [team.name for team in teams if team.pk not in within]
        if outside:
            raise ReviewRefused(
                _("Not reviewed in this cycle: {teams}.").format(teams=", ".join(outside)),
                field="teams",
            )
    return list(teams)


def _pool_fields(spec: PoolInput) -> dict:
    values = {
        "name": text_checked(
            spec.name, field="name", limit=NAME_MAX, required=_("Give the pool a name.")
        ),
        "basis": spec.basis,
        **_amounts(spec),
        "kpi_share": number_checked(
            spec.kpi_share,
            field="kpi_share",
            what=_("The KPI-linked share"),
            places=4,
            low=Decimal(0),
            high=Decimal(1),
        ),
        **_curve(spec),
    }
    if spec.unscored_rule not in UnscoredRule.values:
        raise ReviewRefused(
            _(
                "Choose what people not scored get: the fixed part only, the bonus at target, "
                "or nothing."
            ),
            field="unscored_rule",
        )
    values["unscored_rule"] = spec.unscored_rule
    return values


def _coefficients_checked(coefficients: Mapping[str, Decimal]) -> dict[str, Decimal]:
    unknown = sorted(set(coefficients) - set(Level.values))
    if unknown:
        raise ReviewRefused(
            _("No such level: {levels}.").format(levels=", ".join(unknown)), field="coefficients"
        )
    checked = {}
    for level in Level:
        if coefficients.get(level.value) is None:
            raise ReviewRefused(
                _("Give a coefficient for the level {level}.").format(level=level.label),
                field=f"coefficients.{level.value}",
            )
        checked[level.value] = coefficient_checked(
            coefficients[level.value], field=f"coefficients.{level.value}"
        )
    return checked


def _editable(pool: BonusPool) -> None:
    if pool.state == PoolState.LOCKED:
        raise ReviewRefused(_("This pool is locked for payroll: it cannot change any more."))


def _to_draft(pool: BonusPool) -> list[str]:
    """A change to a computed pool makes its sheet stale: back to draft until computed again."""
    if pool.state == PoolState.COMPUTED:
        pool.state = PoolState.DRAFT
        return ["state"]
    return []


def _write_coefficients(
    user: AbstractBaseUser, pool: BonusPool, coefficients: dict[str, Decimal]
) -> None:
    existing = {row.level: row for row in pool.coefficients.all()}
    created = [
        LevelCoefficient(pool=pool, level=level, coefficient=value)
        for level, value in coefficients.items()
        if level not in existing
    ]
    changed = []
    for level, row in existing.items():
        if row.coefficient != coefficients[level]:
            row.coefficient = coefficients[level]
            changed.append(row)
    bulk_create_with_history(created, LevelCoefficient, default_user=user)
    bulk_update_with_history(
        changed,
        LevelCoefficient,
        ["coefficient"],
        default_user=user,
        default_change_reason="coefficient changed",
    )


@transaction.atomic
def pool_create(*, user: AbstractBaseUser, cycle: ReviewCycle, spec: PoolInput) -> BonusPool:
    """A draft pool for ``cycle`` with its coefficients per level."""
    pools_hr_only(user)
    if cycle.state == CycleState.DRAFT:
        raise ReviewRefused(_("Open the cycle before setting up its bonus pool."))
    values = _pool_fields(spec)
    coefficients = _coefficients_checked(spec.coefficients)
    teams = _teams_checked(cycle, spec.teams)
    pool = BonusPool(cycle=cycle, created_by=user, **values)
    pool._history_user = user
    pool.save()
    if teams:
        pool.teams.set(teams)
    _write_coefficients(user, pool, coefficients)
    return pool


@transaction.atomic
def pool_update(*, user: AbstractBaseUser, pool: BonusPool, spec: PoolInput) -> BonusPool:
    """Restate a pool that is not locked; a computed one goes back to draft."""
    pools_hr_only(user)
    pool = BonusPool.objects.select_for_update().select_related("cycle").get(pk=pool.pk)
    _editable(pool)
    values = _pool_fields(spec)
    coefficients = _coefficients_checked(spec.coefficients)
    teams = _teams_checked(pool.cycle, spec.teams)
    for name, value in values.items():
        setattr(pool, name, value)
    saved(pool, user, [*values, *_to_draft(pool)], "pool changed")
    if {team.pk for team in teams} != set(pool.teams.values_list("id", flat=True)):
        pool.teams.set(teams)
    _write_coefficients(user, pool, coefficients)
    return pool


@transaction.atomic
def coefficients_set(
    *, user: AbstractBaseUser, pool: BonusPool, coefficients: Mapping[str, Decimal]
) -> BonusPool:
    """The coefficient of each level (every level, each above 0)."""
    pools_hr_only(user)
    pool = BonusPool.objects.select_for_update().get(pk=pool.pk)
    _editable(pool)
    checked = _coefficients_checked(coefficients)
    _write_coefficients(user, pool, checked)
    stale = _to_draft(pool)
    if stale:
        saved(pool, user, stale, "coefficients changed")
    return pool


@transaction.atomic
def override_set(
    *,
    user: AbstractBaseUser,
    pool: BonusPool,
    employee: Employee,
    coefficient: Decimal,
    reason: str,
) -> CoefficientOverride:
    """Give one person of the pool a coefficient of their own, saying why (never one's own)."""
    _override_allowed(user, employee)
    pool = BonusPool.objects.select_for_update().select_related("cycle").get(pk=pool.pk)
    _editable(pool)
    coefficient = coefficient_checked(coefficient, field="coefficient")
    reason = text_checked(
        reason,
        field="reason",
        limit=REASON_MAX,
        required=_("Say why this person's coefficient differs from their level's."),
    )
    if not pool_people(pool).filter(pk=employee.pk).exists():
        raise ReviewRefused(
            _("This person is not among those the pool divides among."), field="employee_id"
        )
    override = CoefficientOverride.objects.filter(pool=pool, employee=employee).first()
    if override is None:
        override = CoefficientOverride(pool=pool, employee=employee)
    override.coefficient, override.reason = coefficient, reason
    override.set_by, override.set_at = user, timezone.now()
    override._history_user = user
    override._change_reason = Truncator(reason).chars(CHANGE_REASON_MAX)
    override.save()
    stale = _to_draft(pool)
    if stale:
        saved(pool, user, stale, "coefficient overridden")
    return override


def _override_allowed(user: AbstractBaseUser, employee: Employee) -> None:
    """HR and admins set people's coefficients, never their own (a 403 naming the person)."""
    pools_hr_only(user)
    if is_oneself(user, employee):
        raise ReviewForbidden(_("Nobody sets their own bonus coefficient."), field="employee_id")


@transaction.atomic
def override_remove(*, user: AbstractBaseUser, pool: BonusPool, employee: Employee) -> None:
    """The person's level's coefficient applies again (never to one's own)."""
    _override_allowed(user, employee)
    pool = BonusPool.objects.select_for_update().get(pk=pool.pk)
    _editable(pool)
    override = CoefficientOverride.objects.filter(pool=pool, employee=employee).first()
    if override is None:
        raise ReviewRefused(
            _("This person has no coefficient of their own in this pool."), field="employee_id"
        )
    override._history_user = user
    override.delete()
    stale = _to_draft(pool)
    if stale:
        saved(pool, user, stale, "override removed")


def _six_places(amount: Fraction) -> Decimal:
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(SIX_PLACES)


@transaction.atomic
def pool_compute(*, user: AbstractBaseUser, pool: BonusPool) -> BonusPool:
    """Divide the pool among the people of its cycle's results (of its teams, when it names
    some) by ``reviews.engine.bonus`` and write one line per person: a fixed number of reads
    (the results as one set, the coefficients, the overrides, the lines so far) and bulk
    writes, however many people. The bonuses and the money left unallocated sum to the pool
    to the cent; anything else is a fault, and nothing is written."""
    pools_hr_only(user)
    pool = BonusPool.objects.select_for_update().select_related("cycle").get(pk=pool.pk)
    _editable(pool)
    if pool.cycle.state not in (CycleState.CALIBRATING, CycleState.CLOSED):
        raise ReviewRefused(_("The cycle's results are not computed yet: compute them first."))
    results = pool_results(pool)
    if not results:
        raise ReviewRefused(_("Nobody in the pool's scope has a result in this cycle."))
    by_level = dict(pool.coefficients.values_list("level", "coefficient"))
    overrides = dict(pool.overrides.values_list("employee_id", "coefficient"))
    participants = []
    for employee_id, final, level, _team_id in results:
        coefficient = overrides.get(employee_id, by_level.get(level))
        if coefficient is None:
            raise ReviewRefused(
                _("Give a coefficient for the level {level}.").format(level=Level(level).label),
                field=f"coefficients.{level}",
            )
        participants.append(Participant(str(employee_id), coefficient, final))
    try:
        divided = allocate(
            pool=pool.amount,
            kpi_share=pool.kpi_share,
            participants=participants,
            curve=pool.curve,
            unscored_rule=pool.unscored_rule,
        )
    except BonusInputError as refusal:
        raise ReviewRefused(str(refusal), field=refusal.field) from refusal
    if _six_places(divided.base) >= BASE_MAX:
        # A pool in the billions over coefficients of a thousandth: a typing mistake, and more
        # than a line's steps hold.
        raise ReviewRefused(
            _(
                "The pool divided by the sum of the coefficients is more than a line can hold: "
                "check the amount and the coefficients."
            ),
            field="amount",
        )
    paid = sum((allocation.amount for allocation in divided.allocations), Decimal(0))
    if paid + divided.unallocated != pool.amount:
        raise ArithmeticError(f"pool {pool.pk}: {paid} + {divided.unallocated} ≠ {pool.amount}")

    existing = {line.employee_id: line for line in pool.lines.all()}
    share = Fraction(pool.kpi_share)
    created, updated = [], []
    for (employee_id, final, level, team_id), allocation in zip(
        results, divided.allocations, strict=True
    ):
        values = {
            "team_id": team_id,
            "level": level,
            "rule": LineRule.SCORED if final is not None else LineRule(pool.unscored_rule),
            "final": final,
            "coefficient": allocation.coefficient,
            "overridden": employee_id in overrides,
            "base": _six_places(divided.base),
            "target_bonus": _six_places(allocation.target_bonus),
            "fixed_part": _six_places(allocation.fixed_part),
            "kpi_target": _six_places(share * allocation.target_bonus),
            "payout_factor": (
                None if allocation.payout_factor is None else _six_places(allocation.payout_factor)
            ),
            "kpi_part": _six_places(allocation.kpi_part),
            "bonus": allocation.amount,
            "extra_cent": allocation.extra_cent,
        }
        line = existing.pop(employee_id, None)
        if line is None:
            created.append(BonusLine(pool=pool, employee_id=employee_id, **values))
            continue
        for name, value in values.items():
            setattr(line, name, value)
        updated.append(line)
    for gone in existing.values():  # no longer in the cycle's results: rare, one by one
        gone._history_user = user
        gone.delete()
    bulk_create_with_history(
        created, BonusLine, default_user=user, default_change_reason="computed"
    )
    bulk_update_with_history(
        updated,
        BonusLine,
        LINE_FIELDS,
        default_user=user,
        default_change_reason="computed again",
    )
    pool.state, pool.computed_at = PoolState.COMPUTED, timezone.now()
    pool.coefficient_sum, pool.unallocated = divided.coefficient_sum, divided.unallocated
    pool.kpi_weight_sum = _six_places(divided.kpi_weight_sum)
    computed = ["state", "computed_at", "coefficient_sum", "unallocated", "kpi_weight_sum"]
    saved(pool, user, computed, "computed")
    return pool


@transaction.atomic
def pool_lock(*, user: AbstractBaseUser, pool: BonusPool) -> BonusPool:
    """Freeze a computed pool for payroll: it cannot be changed or computed again."""
    pools_hr_only(user)
    pool = BonusPool.objects.select_for_update().get(pk=pool.pk)
    if pool.state != PoolState.COMPUTED:
        raise ReviewRefused(_("Only a computed pool can be locked."))
    pool.state, pool.locked_at = PoolState.LOCKED, timezone.now()
    saved(pool, user, ["state", "locked_at"], "locked")
    return pool
