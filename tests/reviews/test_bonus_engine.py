"""The bonus pool divided to the cent, against numbers worked by hand (no database)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from reviews.engine.bonus import (
    BonusInputError,
    Participant,
    allocate,
    payout_factor,
    pool_from_revenue,
)

D = Decimal


def people(*rows: tuple[str, str, float | None]) -> list[Participant]:
    return [Participant(key, D(coefficient), final) for key, coefficient, final in rows]


def amounts(result) -> dict[str, Decimal]:
    return {a.key: a.amount for a in result.allocations}


@pytest.mark.parametrize(
    ("final", "factor"),
    [
        (0, 0),
        (60, 0),
        (70, Fraction(1, 2)),
        (80, 1),
        (90, Fraction(11, 10)),
        (100, Fraction(6, 5)),
        (130, Fraction(6, 5)),  # capped at the last point
        (75.5, Fraction(31, 40)),  # (75.5 − 60) / 20
    ],
)
def test_the_payout_curve_is_linear_between_its_points_and_capped(final, factor):
    assert payout_factor(final, [(D(60), D(0)), (D(80), D(1)), (D(100), D("1.2"))]) == factor


def test_a_pool_of_100000_over_1_0_1_2_1_5_with_a_20_percent_kpi_share():
    # Worked by hand: base = 100,000 / 3.7 = 27,027.027027…; fixed parts (80%) 21,621.621622,
    # 25,945.945946, 32,432.432432. Payout factors at 70 / 80 / 90: 0.5 / 1.0 / 1.1, so the
    # 20,000 KPI-linked share goes by 0.5 : 1.2 : 1.65 (of 3.35): 2,985.074627, 7,164.179104,
    # 9,850.746269. Exact totals 24,606.696248 / 33,110.125050 / 42,283.178701; rounded down
    # 24,606.69 + 33,110.12 + 42,283.17 = 99,999.98; the two cents left go to the largest
    # remainders, .870 (C) and .625 (A).
    result = allocate(
        pool=D("100000.00"),
        kpi_share=D("0.2"),
        participants=people(("A", "1.0", 70), ("B", "1.2", 80), ("C", "1.5", 90)),
    )
    assert amounts(result) == {"A": D("24606.70"), "B": D("33110.12"), "C": D("42283.18")}
    assert sum(amounts(result).values()) == D("100000.00")
    assert result.base == Fraction(1_000_000, 37)
    assert [a.extra_cent for a in result.allocations] == [True, False, True]
    assert [a.payout_factor for a in result.allocations] == [
        Fraction(1, 2),
        1,
        Fraction(11, 10),
    ]
    assert result.unallocated == 0


def test_everyone_at_target_gets_base_times_coefficient():
    result = allocate(
        pool=D("3700.00"),
        kpi_share=D("0.2"),
        participants=people(("A", "1.0", 80), ("B", "1.2", 80), ("C", "1.5", 80)),
    )
    assert amounts(result) == {"A": D("1000.00"), "B": D("1200.00"), "C": D("1500.00")}


def test_someone_not_scored_keeps_the_fixed_part_by_default():
    # base 1,000; fixed parts 800 each; the KPI-linked 600 goes to the two scored people, both at
    # target, by their coefficients 1 : 1: 300 each.
    result = allocate(
        pool=D("3000.00"),
        kpi_share=D("0.2"),
        participants=people(("A", "1", 80), ("B", "1", 80), ("N", "1", None)),
    )
    assert amounts(result) == {"A": D("1100.00"), "B": D("1100.00"), "N": D("800.00")}
    assert result.allocations[2].payout_factor is None


def test_someone_not_scored_can_be_paid_at_target_or_excluded():
    rows = (("A", "1", 100), ("N", "1", None))
    at_target = allocate(
        pool=D("2000.00"),
        kpi_share=D("0.2"),
        participants=people(*rows),
        unscored_rule="at_target",
    )
    # KPI weights 1.2 : 1 of 400: 218.18… and 181.81…; fixed 800 each.
    assert amounts(at_target) == {"A": D("1018.18"), "N": D("981.82")}
    excluded = allocate(
        pool=D("2000.00"),
        kpi_share=D("0.2"),
        participants=people(*rows),
        unscored_rule="excluded",
    )
    assert amounts(excluded) == {"A": D("2000.00"), "N": D("0.00")}
    assert not excluded.allocations[1].counted


def test_when_nobody_earns_a_payout_the_kpi_share_is_left_unallocated():
    result = allocate(
        pool=D("1000.00"),
        kpi_share=D("0.2"),
        participants=people(("A", "1", 50), ("B", "1", 59.9)),
    )
    assert amounts(result) == {"A": D("400.00"), "B": D("400.00")}
    assert result.unallocated == D("200.00")


def test_rounding_never_loses_or_invents_a_cent():
    # 100.00 over three equal people: 33.33… each, the leftover cent goes to the first.
    result = allocate(
        pool=D("100.00"),
        kpi_share=D("0"),
        participants=people(("A", "1", 80), ("B", "1", 80), ("C", "1", 80)),
    )
    assert amounts(result) == {"A": D("33.34"), "B": D("33.33"), "C": D("33.33")}


def test_a_pool_from_a_revenue_percentage_is_rounded_half_up_to_the_cent():
    assert pool_from_revenue(D("1234567.89"), D("1.5")) == D("18518.52")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pool": D("-1.00")}, "pool"),
        ({"pool": D("10.001")}, "pool"),
        ({"kpi_share": D("1.2")}, "kpi_share"),
        ({"kpi_share": D("-0.1")}, "kpi_share"),
        ({"participants": people(("A", "0", 80))}, "coefficient"),
        ({"participants": people(("A", "-1", 80))}, "coefficient"),
        ({"participants": people(("A", "1", 80), ("A", "1", 70))}, "participants"),
        ({"curve": [(D(60), D(0))]}, "curve"),
        ({"curve": [(D(80), D(0)), (D(60), D(1))]}, "curve"),
        ({"curve": [(D(60), D(-1)), (D(80), D(1))]}, "curve"),
        ({"unscored_rule": "half"}, "unscored_rule"),
        ({"participants": [], "unscored_rule": "excluded"}, "participants"),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes, field):
    arguments = {
        "pool": D("1000.00"),
        "kpi_share": D("0.2"),
        "participants": people(("A", "1", 80)),
    } | changes
    with pytest.raises(BonusInputError) as refused:
        allocate(**arguments)
    assert refused.value.field == field


def test_a_negative_revenue_or_a_percentage_out_of_range_is_refused():
    with pytest.raises(BonusInputError, match="revenue"):
        pool_from_revenue(D("-1"), D("1"))
    with pytest.raises(BonusInputError) as refused:
        pool_from_revenue(D("100"), D("0"))
    assert refused.value.field == "percent"
