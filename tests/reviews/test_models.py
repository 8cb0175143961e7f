"""The invariants of review cycles hold in the database, whatever writes the rows, and every
model keeps its history."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from reviews.models import Anchor, Rating, ResultBasis, ReviewState
from tests.reviews.factories import (
    CompetencyFactory,
    CycleResultFactory,
    IncidentFactory,
    ReviewCycleFactory,
    ReviewFactory,
    ReviewTemplateFactory,
)

pytestmark = pytest.mark.django_db


def _refused(factory, **fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


@pytest.mark.parametrize("weight", [-0.1, 1.01])
def test_a_kpi_weight_outside_0_to_1_is_refused(weight):
    _refused(ReviewCycleFactory, kpi_weight=weight)


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_a_kpi_weight_of_0_or_1_is_kept(weight):
    assert ReviewCycleFactory(kpi_weight=weight).kpi_weight == weight


def test_a_cycle_runs_forward_over_whole_months():
    cycle = ReviewCycleFactory()
    _refused(ReviewCycleFactory, first_period=cycle.last_period, last_period=cycle.first_period)
    _refused(ReviewCycleFactory, first_period=cycle.first_period.replace(day=2))


def test_self_reviews_are_due_no_later_than_manager_reviews():
    cycle = ReviewCycleFactory()
    _refused(
        ReviewCycleFactory,
        self_review_due=cycle.manager_review_due,
        manager_review_due=cycle.self_review_due,
    )


def test_one_template_per_level_and_cycle():
    template = ReviewTemplateFactory()
    _refused(ReviewTemplateFactory, cycle=template.cycle, level=template.level)
    _refused(ReviewTemplateFactory, level="expert")
    _refused(ReviewTemplateFactory, self_review_weight=1.5)


def test_competency_weights_are_positive_and_anchors_rate_1_to_5():
    competency = CompetencyFactory()
    assert sorted(competency.anchors.values_list("rating", flat=True)) == [1, 2, 3, 4, 5]
    _refused(CompetencyFactory, weight=0.0)
    _refused(CompetencyFactory, template=competency.template, code=competency.code)
    _refused(Anchor.objects.create, competency=competency, rating=6, text_zh="-", text_en="-")


def test_a_rating_is_1_to_5_once_per_competency():
    competency = CompetencyFactory()
    review = ReviewFactory(cycle=competency.template.cycle)
    Rating.objects.create(review=review, competency=competency, rating=5)
    _refused(Rating.objects.create, review=review, competency=competency, rating=4)
    other = ReviewFactory(cycle=competency.template.cycle)
    for rating in (0, 6):
        _refused(Rating.objects.create, review=other, competency=competency, rating=rating)


def test_a_submitted_review_has_its_time_and_a_draft_none():
    _refused(ReviewFactory, state=ReviewState.SUBMITTED)
    _refused(ReviewFactory, state=ReviewState.DRAFT, submitted_at=timezone.now())
    review = ReviewFactory()
    _refused(
        ReviewFactory,
        cycle=review.cycle,
        employee=review.employee,
        kind=review.kind,
        reviewer=review.reviewer,
    )


def test_an_incident_says_what_happened_and_links_a_whole_record():
    _refused(IncidentFactory, note="")
    _refused(IncidentFactory, record_type="order")
    _refused(IncidentFactory, record_id=12)
    assert IncidentFactory(record_type="order", record_id=12).record_id == 12


@pytest.mark.parametrize(
    "fields",
    [
        {"basis": ResultBasis.KPI_ONLY},  # there is a qualitative part
        {"qualitative_part": None},  # the basis says both
        {"final": None},  # a grade without a final
        {"grade": ""},  # a final without a grade
        {"grade": "E"},
        {"kpi_part": 101.0},
        {"kpi_periods": 0},  # a KPI part from no month
        {"calibrated_grade": "S"},  # no reason, no time
        {
            "basis": ResultBasis.NOT_SCORED,
            "kpi_part": None,
            "kpi_periods": 0,
            "qualitative_part": None,
            "final": None,
            "grade": "",
            "calibrated_grade": "B",
            "calibration_reason": "x",
            "calibrated_at": timezone.now(),
        },  # calibrating nothing
    ],
)
def test_a_result_whose_parts_disagree_is_refused(fields):
    _refused(CycleResultFactory, **fields)


def test_unknown_parts_are_null_not_zero():
    result = CycleResultFactory(
        basis=ResultBasis.NOT_SCORED,
        kpi_part=None,
        kpi_periods=0,
        qualitative_part=None,
        final=None,
        grade="",
    )
    assert (result.kpi_part, result.qualitative_part, result.final) == (None, None, None)


def test_every_model_keeps_its_history():
    result = CycleResultFactory()
    competency = CompetencyFactory(template__cycle=result.cycle)
    review = ReviewFactory(cycle=result.cycle)
    rating = Rating.objects.create(review=review, competency=competency, rating=3)
    incident = IncidentFactory()
    for instance in (
        result.cycle,
        competency.template,
        competency,
        competency.anchors.first(),
        review,
        rating,
        incident,
        result,
    ):
        assert instance.history.count() == 1, type(instance).__name__
    result.cycle.teams.add(review.employee.team)  # the scope's teams are kept per version
    assert [version.teams.count() for version in result.cycle.history.order_by("history_id")] == [
        0,
        1,
    ]


def test_the_admin_shows_cycles_and_results_read_only(client, org_chart):
    result = CycleResultFactory()
    client.force_login(org_chart["admin"])
    for model in ("reviewcycle", "reviewtemplate", "review", "incident", "cycleresult"):
        assert client.get(reverse(f"admin:reviews_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:reviews_{model}_add")).status_code == 403
    history = client.get(reverse("admin:reviews_cycleresult_history", args=[result.pk]))
    assert history.status_code == 200
