"""A quarter cycle over the three months before the pinned one for the east team, set up and
opened through the services, and the published monthly totals its people earned."""

import pytest

from org.models import Level, Role
from reviews.setup import CompetencyInput, cycle_create, cycle_open, template_create
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


def east_cycle_open(org_chart):
    """Open, for the east team: 陈主管 (its manager), 王芳, 李强 and 张伟 (merchandisers).
    Self-reviews due on the 24th of the pinned month, manager reviews on the 28th."""
    org_chart["east_c"] = EmployeeFactory(
        user=UserFactory(username="east_c", role=Role.MERCHANDISER.value),
        team=org_chart["teams"]["east"],
        name="张伟",
    )
    hr = org_chart["hr"].user
    opened = cycle_create(
        user=hr,
        name="2026 第三季度考核",
        kind="quarter",
        first_period=MONTHS[0],
        self_review_due=THIS_MONTH.start.replace(day=24),
        manager_review_due=THIS_MONTH.start.replace(day=28),
        teams=[org_chart["teams"]["east"]],
    )
    template_create(user=hr, cycle=opened, level=Level.INTERMEDIATE, competencies=competencies())
    return cycle_open(user=hr, cycle=opened)


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
