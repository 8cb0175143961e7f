"""A company-wide cycle whose results are computed (calibrating), with the east team's three
people at the issue's finals: 王芳 (junior) 70, 李强 (intermediate) 80, 陈主管 (senior) 90; and
the pool of the issue for the east team: 100,000.00 over coefficients 1.0 / 1.2 / 1.5, a 20%
KPI-linked share and the curve 60 → 0%, 80 → 100%, 100 → 120%."""

from decimal import Decimal

import pytest

from bonus.services import PoolInput, pool_compute, pool_create
from org.models import Level
from reviews.models import CycleState, ResultBasis
from tests.reviews.factories import CycleResultFactory, ReviewCycleFactory

D = Decimal
COEFFICIENTS = {"junior": D("1.0"), "intermediate": D("1.2"), "senior": D("1.5")}
# The issue's hand-worked cents (tests/reviews/test_bonus_engine.py works them step by step).
ISSUE_BONUSES = {"east_a": D("24606.70"), "east_b": D("33110.12"), "east_manager": D("42283.18")}


def spec(**changes) -> PoolInput:
    values = {
        "name": "2026 Q3 奖金池",
        "basis": "fixed",
        "amount": D("100000.00"),
        "coefficients": COEFFICIENTS,
    }
    return PoolInput(**(values | changes))


def result_for(cycle, employee, final: float | None):
    if final is None:
        return CycleResultFactory(
            cycle=cycle,
            employee=employee,
            kpi_part=None,
            kpi_periods=0,
            qualitative_part=None,
            final=None,
            basis=ResultBasis.NOT_SCORED,
            grade="",
        )
    return CycleResultFactory(cycle=cycle, employee=employee, final=final)


def issue_cycle(org_chart):
    """The company-wide cycle in calibration with the east team's three results."""
    cycle = ReviewCycleFactory(state=CycleState.CALIBRATING, name="2026 第三季度考核")
    for key, level, final in [
        ("east_a", Level.JUNIOR, 70.0),
        ("east_b", Level.INTERMEDIATE, 80.0),
        ("east_manager", Level.SENIOR, 90.0),
    ]:
        employee = org_chart[key]
        employee.level = level
        employee.save()
        result_for(cycle, employee, final)
    return cycle


@pytest.fixture
def computed_cycle(org_chart):
    return issue_cycle(org_chart)


@pytest.fixture
def east_pool(org_chart, computed_cycle):
    return pool_create(
        user=org_chart["hr"].user,
        cycle=computed_cycle,
        spec=spec(teams=[org_chart["teams"]["east"]]),
    )


@pytest.fixture
def computed_pool(org_chart, east_pool):
    return pool_compute(user=org_chart["hr"].user, pool=east_pool)


def close(cycle) -> None:
    cycle.state = CycleState.CLOSED
    cycle.save()
