"""A quarter cycle over the three months before the pinned one for the east team, set up and
opened through the services, and the published monthly totals its people earned."""

import pytest

from bonus.services import pool_compute, pool_create
from org.models import Level, Role
from reviews.models import CycleResult, ReviewKind
from reviews.services import cycle_close, cycle_results_compute, review_submit
from reviews.setup import CompetencyInput, cycle_create, cycle_open, template_create
from tests.bonus.conftest import spec as pool_spec
from tests.clock import THIS_MONTH, months_ago
from tests.factories import EmployeeFactory, UserFactory
from tests.reviews.factories import published_totals

MONTHS = [months_ago(3), months_ago(2), months_ago(1)]
# Code and weight of each competency (0.4 / 0.3 / 0.3), rated in this order in the tests.
COMPETENCIES = [("communication", 0.4), ("teamwork", 0.3), ("responsibility", 0.3)]
NAMES = {"communication": ("沟通", "Communication"), "teamwork": ("团队协作", "Teamwork")}
NAMES["responsibility"] = ("责任心", "Responsibility")


def competencies() -> list[CompetencyInput]:
    return [
        CompetencyInput(
            code=code,
            name_zh=NAMES[code][0],
            name_en=NAMES[code][1],
            weight=weight,
            anchors=[
                (f"{NAMES[code][0]}{r}分的表现", f"{NAMES[code][1]} at {r}") for r in range(1, 6)
            ],
        )
        for code, weight in COMPETENCIES
    ]


def rated(*values: int) -> dict[str, int]:
    return {code: value for (code, _weight), value in zip(COMPETENCIES, values, strict=True)}


def east_cycle_draft(org_chart):
    """A draft quarter for the east team, with 张伟 (a third merchandiser) added to it: 陈主管
    (its manager), 王芳, 李强 and 张伟. Self-reviews due on the 24th of the pinned month,
    manager reviews on the 28th."""
    org_chart["east_c"] = EmployeeFactory(
        user=UserFactory(username="east_c", role=Role.MERCHANDISER.value),
        team=org_chart["teams"]["east"],
        name="张伟",
    )
    return cycle_create(
        user=org_chart["hr"].user,
        name="2026 第三季度考核",
        kind="quarter",
        first_period=MONTHS[0],
        self_review_due=THIS_MONTH.start.replace(day=24),
        manager_review_due=THIS_MONTH.start.replace(day=28),
        teams=[org_chart["teams"]["east"]],
    )


def east_cycle_open(org_chart):
    """``east_cycle_draft`` with one template (intermediate staff), opened."""
    hr = org_chart["hr"].user
    draft = east_cycle_draft(org_chart)
    template_create(user=hr, cycle=draft, level=Level.INTERMEDIATE, competencies=competencies())
    return cycle_open(user=hr, cycle=draft)


def manager_reviews(org_chart, cycle, ratings: dict[str, tuple[int, ...]]) -> None:
    """陈主管's review of each of the people named by key, rated in ``COMPETENCIES``' order."""
    for key, values in ratings.items():
        review_submit(
            user=org_chart["east_manager"].user,
            cycle=cycle,
            employee=org_chart[key],
            kind=ReviewKind.MANAGER,
            ratings=rated(*values),
        )


def east_totals_publish(org_chart) -> None:
    """王芳 80 / 90 / 85, 李强 92 / 95 / 98, 张伟 60 / not scored / 70."""
    for key, totals in [
        ("east_a", (80, 90, 85)),
        ("east_b", (92, 95, 98)),
        ("east_c", (60, None, 70)),
    ]:
        published_totals(org_chart[key], dict(zip(MONTHS, totals, strict=True)))


@pytest.fixture
def cycle(org_chart):
    return east_cycle_open(org_chart)


@pytest.fixture
def published(cycle, org_chart):
    east_totals_publish(org_chart)


@pytest.fixture
def closed_with_pool(org_chart, cycle, published):
    """The quarter reviewed (王芳's self-review 5 / 4 / 4, her manager's 4 / 5 / 3), computed
    and closed, and its pool computed: 王芳's result and the pool."""
    hr, me = org_chart["hr"].user, org_chart["east_a"]
    review_submit(
        user=me.user, cycle=cycle, employee=me, kind=ReviewKind.SELF, ratings=rated(5, 4, 4)
    )
    manager_reviews(org_chart, cycle, {"east_a": (4, 5, 3)})
    cycle_results_compute(user=hr, cycle=cycle)
    cycle_close(user=hr, cycle=cycle)
    pool = pool_compute(user=hr, pool=pool_create(user=hr, cycle=cycle, spec=pool_spec()))
    return CycleResult.objects.get(cycle=cycle, employee=me), pool
