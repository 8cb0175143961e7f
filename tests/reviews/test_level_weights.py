"""A level may state its own w in the final formula (issue 21: "the final formula per level"):
the levels that do are computed with theirs, the others with the cycle's, each result keeps the
w it was computed with, and the result page and the cycle page state it."""

import pytest
from django.urls import reverse

from org.models import Level
from reviews.errors import ReviewRefused
from reviews.models import CycleResult
from reviews.services import cycle_results_compute
from reviews.setup import cycle_open, template_create
from tests.reviews.conftest import (
    competencies,
    east_cycle_draft,
    east_totals_publish,
    manager_reviews,
)

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def two_levels(org_chart):
    """Intermediate staff weigh the KPI part 0.5; 李强, senior, takes the cycle's 0.7."""
    hr = org_chart["hr"].user
    cycle = east_cycle_draft(org_chart)
    org_chart["east_b"].level = Level.SENIOR
    org_chart["east_b"].save()
    template_create(
        user=hr,
        cycle=cycle,
        level=Level.INTERMEDIATE,
        competencies=competencies(),
        kpi_weight=0.5,
    )
    template_create(user=hr, cycle=cycle, level=Level.SENIOR, competencies=competencies())
    cycle = cycle_open(user=hr, cycle=cycle)
    east_totals_publish(org_chart)
    manager_reviews(
        org_chart, cycle, {"east_a": (4, 5, 3), "east_b": (5, 5, 4), "east_c": (3, 2, 3)}
    )
    cycle_results_compute(user=hr, cycle=cycle)
    return cycle


def test_each_level_is_computed_with_its_w(org_chart, two_levels):
    """王芳: 0.5 × 85 + 0.5 × 75 = 80.00 → A (0.7 would have given 82.00).
    李强, senior: 0.7 × 95 + 0.3 × 92.5 = 66.5 + 27.75 = 94.25 → S.
    张伟: 0.5 × 65 + 0.5 × 42.5 = 32.5 + 21.25 = 53.75 → D."""
    results = {
        result.employee.name: (result.kpi_weight, result.final, result.grade)
        for result in CycleResult.objects.filter(cycle=two_levels, final__isnull=False)
    }
    assert results == {
        "王芳": (0.5, 80.0, "A"),
        "李强": (0.7, 94.25, "S"),
        "张伟": (0.5, 53.75, "D"),
    }


def test_the_pages_state_the_w_each_final_took(as_user, org_chart, two_levels):
    mine = CycleResult.objects.get(cycle=two_levels, employee=org_chart["east_a"])
    page = as_user("hr").get(reverse("reviews:result", args=[mine.pk]), **ENGLISH)
    assert "Final = 0.5 × KPI 85.00 + 0.5 × qualitative 75.00 = 80.00" in page.content.decode()
    cycle_page = as_user("hr").get(reverse("reviews:detail", args=[two_levels.pk]), **ENGLISH)
    text = cycle_page.content.decode()
    assert "final = 0.70 × KPI part + (1 − 0.70) × qualitative part" in text
    assert "Intermediate: final = 0.50 × KPI part + (1 − 0.50) × qualitative part" in text


@pytest.mark.parametrize("kpi_weight", [-0.1, 1.01, float("nan")])
def test_a_levels_w_outside_0_to_1_is_refused(org_chart, kpi_weight):
    with pytest.raises(ReviewRefused) as refused:
        template_create(
            user=org_chart["hr"].user,
            cycle=east_cycle_draft(org_chart),
            level=Level.SENIOR,
            competencies=competencies(),
            kpi_weight=kpi_weight,
        )
    assert refused.value.field == "kpi_weight"
