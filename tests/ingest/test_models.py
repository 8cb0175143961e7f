"""Impossible records are refused: by validation with a clear message, and by the database."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.factories import (
    T0,
    ExceptionCaseFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    OrderNodeFactory,
    PeerReviewFactory,
    SuggestionFactory,
    TicketFactory,
    TrainingRecordFactory,
)

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English here; the catalogs test covers their Chinese."""
    with translation.override("en"):
        yield


IMPOSSIBLE = [
    (
        OrderFactory,
        {"confirmed_at": T0 - HOUR},
        "An order cannot be confirmed before the customer submitted it.",
    ),
    # Times recorded by different parties in an unlikely order are kept with a flag
    # (tests/ingest/test_quality_flags.py); nothing happens to an order before it was submitted.
    (
        OrderFactory,
        {"shipped_at": T0 - HOUR},
        "An order cannot ship before the customer submitted it.",
    ),
    (
        OrderFactory,
        {"shipped_at": T0 + 3 * HOUR, "delivered_at": T0 - HOUR},
        "An order cannot be delivered before the customer submitted it.",
    ),
    (OrderFactory, {"amount": -1}, "An order's amount cannot be negative."),
    (
        OrderFactory,
        {"status": "delivered"},
        "A delivered order needs its delivery time.",
    ),
    (
        OrderNodeFactory,
        {"completed_at": T0 - HOUR},
        "A node cannot be completed before it started.",
    ),
    (
        OrderNodeFactory,
        {"threshold_hours": 0},
        "A node's threshold must be a positive number of hours.",
    ),
    (FeedbackFactory, {"csat": 6}, "CSAT must be between 1 and 5."),
    (FeedbackFactory, {"nps": 11}, "NPS must be between 0 and 10."),
    (
        FeedbackFactory,
        {"csat": None, "nps": None, "comment": ""},
        "Feedback needs a CSAT, an NPS or a comment.",
    ),
    (
        ExceptionCaseFactory,
        {"coordination_started_at": T0 - HOUR, "resolved_at": None},
        "Coordination cannot start before the exception was detected.",
    ),
    (
        ExceptionCaseFactory,
        {"coordination_started_at": None},
        "An exception can only be resolved after coordination started.",
    ),
    (
        TicketFactory,
        {"resolved_at": T0 - HOUR},
        "A ticket cannot be resolved before it was opened.",
    ),
    (
        TicketFactory,
        {"contacts_until_resolved": None},
        "The number of contacts is given exactly when the ticket is resolved.",
    ),
    (
        SuggestionFactory,
        {"status": "accepted"},
        "An accepted or rejected suggestion needs its decision time.",
    ),
    (
        TrainingRecordFactory,
        {"due_on": dt.date(2026, 9, 1)},
        "A training cannot be due before it was assigned.",
    ),
    (PeerReviewFactory, {"score": 0}, "A peer review score is between 1 and 5."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "fields", "message"), IMPOSSIBLE)
def test_impossible_record_is_refused_with_a_clear_message(factory, fields, message):
    record = factory()
    for name, value in fields.items():
        setattr(record, name, value)

    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    assert message in str(refused.value)

    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


@pytest.mark.django_db
def test_valid_records_pass_validation_and_save():
    for factory in (
        OrderFactory,
        OrderNodeFactory,
        FollowUpFactory,
        FeedbackFactory,
        ExceptionCaseFactory,
        TicketFactory,
        SuggestionFactory,
        TrainingRecordFactory,
        PeerReviewFactory,
    ):
        record = factory()
        record.full_clean()


@pytest.mark.django_db
def test_same_source_and_external_id_cannot_be_stored_twice():
    order = OrderFactory(external_id="SO-1")
    duplicate = OrderFactory.build(
        external_id="SO-1", customer=order.customer, merchandiser=order.merchandiser
    )
    with pytest.raises(ValidationError, match="source and external id already exists"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    # The same external id from another source is a different record.
    OrderFactory(external_id="SO-1", source="erp-2", customer=order.customer)


@pytest.mark.django_db
def test_records_entered_in_perf_need_no_external_id():
    first = SuggestionFactory(external_id="")
    SuggestionFactory(external_id="", employee=first.employee)


@pytest.mark.django_db
def test_nobody_reviews_themselves_or_twice_a_period():
    review = PeerReviewFactory()
    selfie = PeerReviewFactory.build(reviewer=review.reviewer, reviewee=review.reviewer)
    with pytest.raises(ValidationError, match="Nobody reviews themselves"):
        selfie.full_clean()
    again = PeerReviewFactory.build(reviewer=review.reviewer, reviewee=review.reviewee)
    with pytest.raises(ValidationError, match="already reviewed this colleague"):
        again.full_clean()
    mid_month = PeerReviewFactory.build(
        reviewer=review.reviewee, reviewee=review.reviewer, period=dt.date(2026, 10, 15)
    )
    with pytest.raises(ValidationError, match="starts on the first of a month"):
        mid_month.full_clean()


@pytest.mark.django_db
def test_a_change_is_kept_in_history_with_who_and_when(org_chart):
    order = OrderFactory(merchandiser=org_chart["east_a"])
    order.has_complaint = True
    order._history_user = org_chart["hr"].user
    order.save()
    latest = order.history.first()
    assert latest.has_complaint is True
    assert latest.history_user == org_chart["hr"].user
    assert latest.history_type == "~"
    assert order.history.count() == 2
