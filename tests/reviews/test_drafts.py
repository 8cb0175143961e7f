"""Review drafts: a review being written keeps what was entered (some ratings, comments) until
it is submitted, on time; a draft never counts in a result."""

import pytest
import time_machine
from django.utils import translation

from reviews.errors import ReviewRefused
from reviews.models import CycleResult, Rating, Review, ReviewKind, ReviewState
from reviews.services import cycle_results_compute, review_draft_save, review_submit
from tests.clock import THIS_MONTH, at
from tests.reviews.conftest import rated

pytestmark = pytest.mark.django_db


def _write(org_chart, cycle, action, ratings, **fields):
    return action(
        user=org_chart["east_a"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.SELF,
        ratings=ratings,
        **fields,
    )


def test_a_draft_keeps_what_was_entered_and_is_submitted_later(org_chart, cycle):
    draft = _write(
        org_chart,
        cycle,
        review_draft_save,
        {"communication": 4},
        comments={"communication": "大客户的交期变更都提前通知了"},
        comment="初稿",
    )
    assert (draft.state, draft.submitted_at) == (ReviewState.DRAFT, None)
    assert list(draft.ratings.values_list("competency__code", "rating", "comment")) == [
        ("communication", 4, "大客户的交期变更都提前通知了")
    ]

    again = _write(org_chart, cycle, review_draft_save, {"communication": 5, "teamwork": 3})
    assert again.pk == draft.pk and again.comment == ""
    ratings = dict(again.ratings.values_list("competency__code", "rating"))
    assert ratings == {"communication": 5, "teamwork": 3}
    communication = Rating.objects.get(review=again, competency__code="communication")
    assert [version.rating for version in communication.history.order_by("history_id")] == [4, 5]

    submitted = _write(org_chart, cycle, review_submit, rated(5, 3, 4), comment="终稿")
    assert submitted.pk == draft.pk
    assert (submitted.state, submitted.comment) == (ReviewState.SUBMITTED, "终稿")
    assert submitted.submitted_at is not None
    assert Review.objects.count() == 1
    assert [v.history_change_reason for v in submitted.history.order_by("history_id")] == [
        "draft saved",
        "draft saved",
        "submitted",
    ]
    with translation.override("en"), pytest.raises(ReviewRefused, match="already submitted"):
        _write(org_chart, cycle, review_draft_save, {"communication": 1})


def test_a_draft_checks_what_it_keeps(org_chart, cycle):
    with pytest.raises(ReviewRefused) as refused:
        _write(org_chart, cycle, review_draft_save, {"communication": 7})
    assert refused.value.field == "ratings"
    with pytest.raises(ReviewRefused) as refused:
        _write(org_chart, cycle, review_draft_save, {"honesty": 3})
    assert refused.value.field == "ratings"
    assert not Review.objects.exists()


def test_a_draft_is_not_kept_after_the_deadline(org_chart, cycle):
    _write(org_chart, cycle, review_draft_save, {"communication": 4})
    with (
        time_machine.travel(at(THIS_MONTH, 25), tick=True),
        translation.override("en"),
        pytest.raises(ReviewRefused, match="Self-reviews were due on"),
    ):
        _write(org_chart, cycle, review_submit, rated(4, 4, 4))
    assert Review.objects.get().state == ReviewState.DRAFT


def test_a_manager_review_left_as_a_draft_does_not_count(org_chart, cycle, published):
    review_draft_save(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.MANAGER,
        ratings=rated(1, 1, 1),
    )
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart["east_a"])
    assert (result.qualitative_part, result.final) == (None, 85.0)  # the KPI part alone
