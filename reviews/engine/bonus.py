"""The bonus pool of a review cycle, divided to the cent.

The rule companies use (the e-commerce operations guide): the pool divided by the sum of everyone's
position coefficients is the base value; base × a person's coefficient is their bonus. A share of it
(the KPI-linked share, 20% by default) is paid by the final score through a payout curve: linear
between the curve's points, nothing below the first point, capped at the last.

So that the pool is paid out exactly, the KPI-linked share of the pool is divided in proportion to
coefficient × payout factor: with everyone at 100% each person gets exactly base × coefficient; a
person below target gets less and the difference goes to those above it. If nobody earns any payout,
the KPI-linked share stays unallocated and is reported as such.

People without a final score follow ``unscored_rule``:
- ``fixed_only``: they keep the fixed part of their bonus, and no KPI-linked part;
- ``at_target``: they are paid as if at target (payout factor 1);
- ``excluded``: no bonus, and their coefficient does not count in the base.

Rounding to the cent: every exact amount is rounded down to the cent, then the cents left over are
given one each to the largest remainders (ties by the order people were given), so the rounded
amounts sum to the pool to the cent (Hamilton's largest-remainder method).

Pure arithmetic in exact fractions: no Django, no floating-point money.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Literal

UnscoredRule = Literal["fixed_only", "at_target", "excluded"]
UNSCORED_RULES: tuple[UnscoredRule, ...] = ("fixed_only", "at_target", "excluded")

# (final score, payout factor): 0% of the KPI-linked share at 60, 100% at 80, 120% at 100.
DEFAULT_CURVE: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal(60), Decimal(0)),
    (Decimal(80), Decimal(1)),
    (Decimal(100), Decimal("1.2")),
)

CENT = Fraction(1, 100)


class BonusInputError(ValueError):
    """Input the allocation cannot use; ``field`` names it (and ``person`` the row, if any)."""

    def __init__(self, field: str, message: str, person: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.person = person


@dataclass(frozen=True)
class Participant:
    key: str
    coefficient: Decimal
    final: float | None  # None: not scored in the cycle


@dataclass(frozen=True)
class Allocation:
    """One person's bonus, step by step. Exact amounts are fractions of the currency unit."""

    key: str
    coefficient: Decimal
    counted: bool  # False: excluded by the unscored rule
    payout_factor: Fraction | None  # None: no KPI-linked part (not scored, fixed_only/excluded)
    target_bonus: Fraction  # base × coefficient
    fixed_part: Fraction  # (1 − share) × target bonus
    kpi_part: Fraction  # this person's part of the KPI-linked share of the pool
    exact: Fraction  # fixed + KPI-linked
    amount: Decimal  # rounded to the cent
    extra_cent: bool  # received one of the leftover cents


@dataclass(frozen=True)
class BonusResult:
    pool: Decimal
    kpi_share: Decimal
    coefficient_sum: Decimal
    base: Fraction  # pool ÷ sum of counted coefficients
    kpi_pool: Fraction  # share × pool
    kpi_weight_sum: Fraction  # Σ coefficient × payout factor
    unallocated: Decimal  # KPI-linked money nobody earned (0 unless every payout is 0)
    allocations: tuple[Allocation, ...]


def payout_factor(final: float, curve: Sequence[tuple[Decimal, Decimal]]) -> Fraction:
    """The payout factor of a final score: linear between the curve's points, 0 below the first
    point's factor (the curve starts where payment starts), the last factor above the last point."""
    points = [(Fraction(x), Fraction(y)) for x, y in curve]
    score = Fraction(final)
    if score <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if score <= x1:
            return y0 + (y1 - y0) * (score - x0) / (x1 - x0)
    return points[-1][1]


def pool_from_revenue(revenue: Decimal, percent: Decimal) -> Decimal:
    """A pool given as a percentage of a revenue figure, rounded half up to the cent."""
    if revenue < 0:
        raise BonusInputError("revenue", "The revenue cannot be negative.")
    if not Decimal(0) < percent <= Decimal(100):
        raise BonusInputError("percent", "The percentage must be above 0 and at most 100.")
    return (revenue * percent / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def allocate(
    *,
    pool: Decimal,
    kpi_share: Decimal,
    participants: Sequence[Participant],
    curve: Sequence[tuple[Decimal, Decimal]] = DEFAULT_CURVE,
    unscored_rule: UnscoredRule = "fixed_only",
) -> BonusResult:
    """Divide ``pool`` among ``participants`` (see the module's docstring for the rule)."""
    _validate(pool, kpi_share, participants, curve, unscored_rule)
    counted = [p for p in participants if p.final is not None or unscored_rule != "excluded"]
    counted_keys = {p.key for p in counted}
    coefficient_sum = sum((p.coefficient for p in counted), Decimal(0))
    if not counted:
        raise BonusInputError("participants", "Nobody in the cycle can receive a bonus.")
    base = Fraction(pool) / Fraction(coefficient_sum)
    share = Fraction(kpi_share)
    kpi_pool = share * Fraction(pool)

    factors: dict[str, Fraction | None] = {}
    for person in participants:
        if person.final is not None:
            factors[person.key] = payout_factor(person.final, curve)
        else:
            factors[person.key] = Fraction(1) if unscored_rule == "at_target" else None
    weight = {
        p.key: Fraction(p.coefficient) * (factors[p.key] or 0)
        for p in counted
        if factors[p.key] is not None
    }
    weight_sum = sum(weight.values(), Fraction(0))
    unallocated = kpi_pool if weight_sum == 0 else Fraction(0)

    exact: dict[str, Fraction] = {}
    parts: dict[str, tuple[Fraction, Fraction, Fraction]] = {}
    for person in participants:
        if person.key not in counted_keys:
            parts[person.key] = (Fraction(0), Fraction(0), Fraction(0))
            exact[person.key] = Fraction(0)
            continue
        target = base * Fraction(person.coefficient)
        fixed = (1 - share) * target
        kpi = (
            kpi_pool * weight.get(person.key, Fraction(0)) / weight_sum
            if weight_sum
            else Fraction(0)
        )
        parts[person.key] = (target, fixed, Fraction(kpi))
        exact[person.key] = fixed + kpi

    cents = _largest_remainder(exact, total=Fraction(pool) - unallocated)
    allocations = tuple(
        Allocation(
            key=p.key,
            coefficient=p.coefficient,
            counted=p.key in counted_keys,
            payout_factor=factors[p.key] if p.key in counted_keys else None,
            target_bonus=parts[p.key][0],
            fixed_part=parts[p.key][1],
            kpi_part=parts[p.key][2],
            exact=exact[p.key],
            amount=Decimal(cents[p.key][0]) / 100,
            extra_cent=cents[p.key][1],
        )
        for p in participants
    )
    return BonusResult(
        pool=pool,
        kpi_share=kpi_share,
        coefficient_sum=coefficient_sum,
        base=base,
        kpi_pool=kpi_pool,
        kpi_weight_sum=weight_sum,
        unallocated=Decimal(int(unallocated / CENT)) / 100,
        allocations=allocations,
    )


def _largest_remainder(
    exact: dict[str, Fraction], *, total: Fraction
) -> dict[str, tuple[int, bool]]:
    """Whole cents per person (and whether they got a leftover cent) summing to ``total``."""
    floors = {key: int(amount / CENT) for key, amount in exact.items()}  # int() floors positives
    leftover = int(total / CENT) - sum(floors.values())
    by_remainder = sorted(
        exact, key=lambda key: exact[key] / CENT - floors[key], reverse=True
    )  # sorted() is stable: equal remainders keep the order people were given
    lucky = set(by_remainder[:leftover])
    return {key: (floors[key] + (key in lucky), key in lucky) for key in exact}


def _validate(
    pool: Decimal,
    kpi_share: Decimal,
    participants: Sequence[Participant],
    curve: Sequence[tuple[Decimal, Decimal]],
    unscored_rule: str,
) -> None:
    if pool < 0:
        raise BonusInputError("pool", "The bonus pool cannot be negative.")
    if pool != pool.quantize(Decimal("0.01")):
        raise BonusInputError(
            "pool", "The bonus pool is an amount in cents (two decimals at most)."
        )
    if not Decimal(0) <= kpi_share <= Decimal(1):
        raise BonusInputError("kpi_share", "The KPI-linked share must be between 0 and 1.")
    if unscored_rule not in UNSCORED_RULES:
        raise BonusInputError("unscored_rule", "Unknown rule for people not scored.")
    if len(curve) < 2:
        raise BonusInputError("curve", "The payout curve needs at least two points.")
    finals = [x for x, _ in curve]
    if any(b <= a for a, b in pairwise(finals)):
        raise BonusInputError("curve", "The payout curve's scores must increase.")
    if any(y < 0 for _, y in curve):
        raise BonusInputError("curve", "A payout factor cannot be negative.")
    seen: set[str] = set()
    for person in participants:
        if person.key in seen:
            raise BonusInputError("participants", "A person appears twice.", person.key)
        seen.add(person.key)
        if not person.coefficient > 0:
            raise BonusInputError("coefficient", "A coefficient must be above 0.", person.key)
