"""The bonus pool through its services, against numbers worked by hand: the issue's pool over
real cycle results, people not scored under each rule, overrides, a pool from revenue, the
refusals (each naming the field), locking, and a computation whose reads do not grow with the
number of people."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bonus.models import BonusLine, BonusPool, LineRule, PoolState
from bonus.services import (
    coefficients_set,
    override_remove,
    override_set,
    pool_compute,
    pool_create,
    pool_lock,
    pool_update,
)
from org.models import Level
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import CycleState
from tests.bonus.conftest import COEFFICIENTS, ISSUE_BONUSES, D, result_for, spec
from tests.factories import EmployeeFactory
from tests.reviews.factories import ReviewCycleFactory

pytestmark = pytest.mark.django_db


def bonuses(pool, org_chart) -> dict[str, Decimal]:
    by_employee = dict(BonusLine.objects.filter(pool=pool).values_list("employee_id", "bonus"))
    return {
        key: by_employee[person.pk]
        for key, person in org_chart.items()
        if hasattr(person, "pk") and person.pk in by_employee and key != "admin"
    }


def test_the_issue_pool_over_real_cycle_results(org_chart, computed_pool):
    # Worked in tests/reviews/test_bonus_engine.py: base 100,000 / 3.7 = 27,027.027027; payout
    # factors at 70 / 80 / 90 are 0.5 / 1.0 / 1.1; the KPI-linked 20,000 goes 0.5 : 1.2 : 1.65.
    assert bonuses(computed_pool, org_chart) == ISSUE_BONUSES
    assert computed_pool.state == PoolState.COMPUTED
    assert computed_pool.coefficient_sum == D("3.7") and computed_pool.unallocated == 0
    lines = {line.employee_id: line for line in computed_pool.lines.all()}
    wang = lines[org_chart["east_a"].pk]
    assert (wang.rule, wang.final, wang.coefficient, wang.overridden) == (
        LineRule.SCORED,
        70.0,
        D("1.000"),
        False,
    )
    assert wang.base == D("27027.027027")
    assert wang.target_bonus == D("27027.027027")
    assert wang.fixed_part == D("21621.621622")  # 80% of the target
    assert wang.kpi_target == D("5405.405405")  # 20% of the target
    assert wang.payout_factor == D("0.5")
    assert wang.kpi_part == D("2985.074627")  # 20,000 × 0.5 / 3.35
    assert wang.extra_cent is True
    chen = lines[org_chart["east_manager"].pk]
    assert (chen.level, chen.payout_factor, chen.kpi_part) == (
        Level.SENIOR,
        D("1.1"),
        D("9850.746269"),
    )
    assert sum(line.bonus for line in lines.values()) == D("100000.00")
    assert wang.history.first().history_user == org_chart["hr"].user


@pytest.fixture
def with_unscored(org_chart, computed_cycle):
    """张伟 (junior, coefficient 1.0) joins the east team, not scored in the cycle."""
    zhang = EmployeeFactory(team=org_chart["teams"]["east"], name="张伟", level=Level.JUNIOR)
    result_for(computed_cycle, zhang, None)
    org_chart["east_c"] = zhang
    return computed_cycle


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # 4,700.00 over 1.0 / 1.2 / 1.5 / 1.0: base 1,000; fixed parts 800 / 960 / 1,200 / 800.
        # The KPI-linked 940 goes to the scored 0.5 : 1.2 : 1.65 (140.298507, 336.716417,
        # 462.985074); 4,699.98 rounded down, the two cents to 王芳 (.85) and 李强 (.64).
        ("fixed_only", ("940.30", "1296.72", "1662.98", "800.00")),
        # 张伟 weighs 1.0 × 1 in the KPI-linked 940 (of 4.35): 216.091954; the one cent left
        # goes to 王芳 (.5977).
        ("at_target", ("908.05", "1219.31", "1556.55", "1016.09")),
        # 张伟 is not counted: base 4,700 / 3.7 = 1,270.270270, the issue's pool × 0.047
        # (1,156.514724 / 1,556.175877 / 1,987.309399); the cents to 陈主管 and 李强.
        ("excluded", ("1156.51", "1556.18", "1987.31", "0.00")),
    ],
)
def test_someone_not_scored_follows_the_pools_rule(org_chart, with_unscored, rule, expected):
    hr = org_chart["hr"].user
    pool = pool_create(
        user=hr,
        cycle=with_unscored,
        spec=spec(amount=D("4700.00"), unscored_rule=rule, teams=[org_chart["teams"]["east"]]),
    )
    pool_compute(user=hr, pool=pool)
    found = bonuses(pool, org_chart)
    keys = ["east_a", "east_b", "east_manager", "east_c"]
    assert [found[key] for key in keys] == [D(amount) for amount in expected]
    assert sum(found.values()) == D("4700.00")
    zhang = BonusLine.objects.get(pool=pool, employee=org_chart["east_c"])
    assert (zhang.rule, zhang.final) == (rule, None)
    assert zhang.payout_factor == (D(1) if rule == "at_target" else None)


def test_an_override_with_its_reason_changes_the_division(org_chart, computed_pool):
    hr = org_chart["hr"].user
    override = override_set(
        user=hr,
        pool=computed_pool,
        employee=org_chart["east_b"],
        coefficient=D("1.5"),
        reason="负责华东大客户，岗位系数按高级计。",
    )
    computed_pool.refresh_from_db()
    assert computed_pool.state == PoolState.DRAFT  # the sheet is stale until computed again
    assert override.history.first().history_change_reason == "负责华东大客户，岗位系数按高级计。"
    pool_compute(user=hr, pool=computed_pool)
    # Σ = 4.0, base 25,000; fixed 20,000 / 30,000 / 30,000; the KPI-linked 20,000 goes
    # 0.5 : 1.5 : 1.65 (of 3.65): 2,739.726027 / 8,219.178082 / 9,041.095890; the two cents to
    # 李强 (.8082) and 王芳 (.6027).
    assert bonuses(computed_pool, org_chart) == {
        "east_a": D("22739.73"),
        "east_b": D("38219.18"),
        "east_manager": D("39041.09"),
    }
    line = BonusLine.objects.get(pool=computed_pool, employee=org_chart["east_b"])
    assert (line.coefficient, line.overridden) == (D("1.5"), True)
    assert BonusLine.objects.filter(pool=computed_pool).count() == 3  # updated, not duplicated

    override_remove(user=hr, pool=computed_pool, employee=org_chart["east_b"])
    pool_compute(user=hr, pool=computed_pool)
    assert bonuses(computed_pool, org_chart) == ISSUE_BONUSES


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(org_chart, east_pool, reason):
    with pytest.raises(ReviewRefused) as refused:
        override_set(
            user=org_chart["hr"].user,
            pool=east_pool,
            employee=org_chart["east_b"],
            coefficient=D("1.5"),
            reason=reason,
        )
    assert refused.value.field == "reason"


def test_an_override_is_for_someone_the_pool_divides_among(org_chart, east_pool):
    with pytest.raises(ReviewRefused) as refused:
        override_set(
            user=org_chart["hr"].user,
            pool=east_pool,
            employee=org_chart["south_a"],
            coefficient=D("1.5"),
            reason="不在本奖金池。",
        )
    assert refused.value.field == "employee_id"


def test_a_pool_from_a_percentage_of_revenue(org_chart, computed_cycle):
    hr = org_chart["hr"].user
    pool = pool_create(
        user=hr,
        cycle=computed_cycle,
        spec=spec(basis="revenue", amount=None, revenue=D("1234567.89"), percent=D("1.5")),
    )
    assert pool.amount == D("18518.52")  # 18,518.518… rounded half up to the cent
    pool_compute(user=hr, pool=pool)
    assert sum(pool.lines.values_list("bonus", flat=True)) == D("18518.52")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": D("-1.00")}, "amount"),
        ({"amount": D("10.001")}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount": D("NaN")}, "amount"),
        ({"basis": "bonus"}, "basis"),
        ({"basis": "revenue", "revenue": D("-5"), "percent": D("2")}, "revenue"),
        ({"basis": "revenue", "revenue": D("5000"), "percent": D("0")}, "percent"),
        ({"basis": "revenue", "revenue": D("5000"), "percent": D("100.5")}, "percent"),
        ({"kpi_share": D("1.2")}, "kpi_share"),
        ({"kpi_share": D("-0.1")}, "kpi_share"),
        ({"curve_zero_at": D("-1")}, "curve_zero_at"),
        ({"curve_full_at": D("60")}, "curve_full_at"),
        ({"curve_top_at": D("70")}, "curve_top_at"),
        ({"curve_top_at": D("101")}, "curve_top_at"),
        ({"curve_top_factor": D("0.9")}, "curve_top_factor"),
        ({"unscored_rule": "half"}, "unscored_rule"),
        ({"name": "  "}, "name"),
        ({"coefficients": COEFFICIENTS | {"junior": D("0")}}, "coefficients.junior"),
        ({"coefficients": COEFFICIENTS | {"senior": D("-1.5")}}, "coefficients.senior"),
        ({"coefficients": COEFFICIENTS | {"junior": D("1.0001")}}, "coefficients.junior"),
        ({"coefficients": {"junior": D(1), "senior": D(1)}}, "coefficients.intermediate"),
        ({"coefficients": COEFFICIENTS | {"boss": D(3)}}, "coefficients"),
    ],
)
def test_bad_input_is_refused_naming_the_field(org_chart, computed_cycle, changes, field):
    with pytest.raises(ReviewRefused) as refused:
        pool_create(user=org_chart["hr"].user, cycle=computed_cycle, spec=spec(**changes))
    assert refused.value.field == field
    assert not BonusPool.objects.exists()


def test_a_pools_teams_are_within_the_cycles(org_chart):
    cycle = ReviewCycleFactory(state=CycleState.OPEN)
    cycle.teams.set([org_chart["teams"]["east"]])
    with pytest.raises(ReviewRefused) as refused:
        pool_create(
            user=org_chart["hr"].user, cycle=cycle, spec=spec(teams=[org_chart["teams"]["south"]])
        )
    assert refused.value.field == "teams"


@pytest.mark.parametrize("key", ["east_a", "east_manager"])
def test_only_hr_and_admins_run_pools(org_chart, computed_cycle, east_pool, key):
    user = org_chart[key].user
    with pytest.raises(ReviewForbidden):
        pool_create(user=user, cycle=computed_cycle, spec=spec())
    with pytest.raises(ReviewForbidden):
        pool_compute(user=user, pool=east_pool)
    with pytest.raises(ReviewForbidden):
        override_set(
            user=user, pool=east_pool, employee=org_chart["east_a"], coefficient=D(2), reason="x"
        )
    admin_pool = pool_create(user=org_chart["admin"], cycle=computed_cycle, spec=spec())
    assert pool_compute(user=org_chart["admin"], pool=admin_pool).state == PoolState.COMPUTED


def test_a_pool_is_computed_only_from_computed_results(org_chart):
    cycle = ReviewCycleFactory(state=CycleState.OPEN)
    pool = pool_create(user=org_chart["hr"].user, cycle=cycle, spec=spec())
    with translation.override("en"), pytest.raises(ReviewRefused, match="not computed yet"):
        pool_compute(user=org_chart["hr"].user, pool=pool)


def test_a_locked_pool_no_longer_changes(org_chart, computed_pool):
    hr = org_chart["hr"].user
    draft = pool_create(user=hr, cycle=computed_pool.cycle, spec=spec())
    with translation.override("en"), pytest.raises(ReviewRefused, match="Only a computed pool"):
        pool_lock(user=hr, pool=draft)
    locked = pool_lock(user=hr, pool=computed_pool)
    assert locked.state == PoolState.LOCKED and locked.locked_at is not None
    for attempt in (
        lambda: pool_compute(user=hr, pool=locked),
        lambda: pool_update(user=hr, pool=locked, spec=spec(amount=D(5))),
        lambda: coefficients_set(user=hr, pool=locked, coefficients=COEFFICIENTS),
    ):
        with translation.override("en"), pytest.raises(ReviewRefused, match="locked"):
            attempt()


def test_restating_a_computed_pool_sends_it_back_to_draft(org_chart, computed_pool):
    hr = org_chart["hr"].user
    pool = pool_update(user=hr, pool=computed_pool, spec=spec(amount=D("3700.00")))
    assert pool.state == PoolState.DRAFT
    coefficients_set(user=hr, pool=pool, coefficients=COEFFICIENTS | {"junior": D("1.1")})
    assert pool.coefficients.get(level="junior").coefficient == D("1.1")
    pool_compute(user=hr, pool=pool)
    assert sum(pool.lines.values_list("bonus", flat=True)) == D("3700.00")


def _compute_queries(org_chart, cycle) -> int:
    hr = org_chart["hr"].user
    pool = pool_create(user=hr, cycle=cycle, spec=spec(teams=[org_chart["teams"]["east"]]))
    with CaptureQueriesContext(connection) as first:
        pool_compute(user=hr, pool=pool)
    with CaptureQueriesContext(connection) as again:
        pool_compute(user=hr, pool=pool)
    return len(first.captured_queries), len(again.captured_queries)


def test_computing_reads_and_writes_a_fixed_number_of_times(org_chart, computed_cycle):
    few = _compute_queries(org_chart, computed_cycle)
    for final in [55.0, 65.0, 75.0, 85.0, 95.0, None] * 5:
        result_for(computed_cycle, EmployeeFactory(team=org_chart["teams"]["east"]), final)
    many = _compute_queries(org_chart, computed_cycle)
    # The lock, the teams, the results, the coefficients, the overrides, the lines so far, the
    # bulk writes with their history, the pool with its history, and savepoints.
    assert many == few == (15, 15)
