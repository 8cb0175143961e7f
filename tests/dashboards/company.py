"""A small scored company for the dashboards' tests (HTTP and browser): the org chart's people
with two months of work, scored through the real pipeline, and every kind of record behind
王芳's (east_a) October numbers."""

import datetime as dt
from decimal import Decimal

from indicators.models import IndicatorDefinition
from ingest.models import SuggestionStatus
from org.calendar import working_hours_after
from org.periods import Period
from scoring.services import compute_period
from tests.clock import at, months_ago
from tests.factories import (
    CustomerFactory,
    ExceptionCaseFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    OrderNodeFactory,
    PeerReviewFactory,
    SuggestionFactory,
    TicketFactory,
    TrainingRecordFactory,
    catalog_settings_set,
)

# Two scored months before the suite's pinned one (``tests.clock``).
MONTH_BEFORE, LAST_MONTH = months_ago(2), months_ago(1)
# Who works how fast (hours from the customer's click to confirmation) and how customers rate it.
WORK = [("east_a", 1, 5), ("east_b", 20, 3), ("east_manager", 6, 4), ("south_a", 3, 4)]
COMPLIANT = "您好，订单SO-10086已发货，预计10月20日交货。谢谢您的支持。"


def month_of_work(
    employee, customer, period: Period, hours: float, csat: int, *, replies: bool = True
) -> list:
    """Three delivered orders answered ``hours`` after the click, and one rating; with
    ``replies``, also a compliant reply and a ticket resolved at first contact (without them
    a person's measured indicators carry too little of the weight for a total)."""
    orders = []
    for day in (2, 5, 9):
        submitted = at(period, day, 9)
        confirmed = submitted + dt.timedelta(hours=hours)
        orders.append(
            OrderFactory(
                merchandiser=employee,
                customer=customer,
                submitted_at=submitted,
                source_created_at=submitted,
                confirmed_at=confirmed,
                shipped_at=confirmed + dt.timedelta(days=1),
                delivered_at=confirmed + dt.timedelta(days=3),
                status="delivered",
            )
        )
    FeedbackFactory(
        employee=employee, customer=customer, csat=csat, comment="", submitted_at=at(period, 20)
    )
    if replies:
        FollowUpFactory(
            employee=employee, customer=customer, occurred_at=at(period, 15), message=COMPLIANT
        )
        TicketFactory(
            employee=employee,
            customer=customer,
            opened_at=at(period, 10),
            resolved_at=at(period, 10, 12),
        )
    return orders


def october_records(person, orders: list) -> dict:
    """One of each record behind 王芳's October numbers, with the ones that hurt marked."""
    customer = orders[0].customer
    slow = OrderFactory(
        merchandiser=person,
        customer=customer,
        external_id="SO-SLOW",
        submitted_at=at(LAST_MONTH, 12, 9),
        source_created_at=at(LAST_MONTH, 12, 9),
        confirmed_at=at(LAST_MONTH, 13, 15),  # 30 hours
        entry_errors=2,
    )
    cancelled = OrderFactory(
        merchandiser=person,
        customer=customer,
        external_id="SO-CANCELLED",
        submitted_at=at(LAST_MONTH, 14, 9),
        source_created_at=at(LAST_MONTH, 14, 9),
        confirmed_at=None,
        status="cancelled",
    )
    on_time = OrderNodeFactory(
        order=orders[0], node="stock_check", started_at=at(LAST_MONTH, 3), threshold_hours=24
    )
    # Done a day after its deadline, wherever weekends and holidays put that deadline.
    late = OrderNodeFactory(
        order=orders[1],
        node="production",
        started_at=at(LAST_MONTH, 6),
        threshold_hours=Decimal("24"),
        completed_at=working_hours_after(at(LAST_MONTH, 6), 24) + dt.timedelta(days=1),
    )
    return {
        "slow": slow,
        "cancelled": cancelled,
        "on_time_node": on_time,
        "late_node": late,
        "one_contact": TicketFactory(
            employee=person,
            customer=customer,
            opened_at=at(LAST_MONTH, 10),
            resolved_at=at(LAST_MONTH, 10, 12),
        ),
        "three_contacts": TicketFactory(
            employee=person,
            customer=customer,
            opened_at=at(LAST_MONTH, 11),
            resolved_at=at(LAST_MONTH, 12),
            contacts_until_resolved=3,
        ),
        "compliant": FollowUpFactory(
            employee=person, customer=customer, occurred_at=at(LAST_MONTH, 15), message=COMPLIANT
        ),
        "sloppy": FollowUpFactory(
            employee=person, customer=customer, occurred_at=at(LAST_MONTH, 16), message="好的"
        ),
        "exception": ExceptionCaseFactory(order=orders[2], detected_at=at(LAST_MONTH, 10)),
        "suggestion": SuggestionFactory(
            employee=person,
            submitted_at=at(LAST_MONTH, 3),
            status=SuggestionStatus.ACCEPTED,
            decided_at=at(LAST_MONTH, 9),
        ),
        "training_late": TrainingRecordFactory(
            employee=person,
            due_on=LAST_MONTH.start.replace(day=22),
            completed_at=at(LAST_MONTH, 25),
        ),
        "training_done": TrainingRecordFactory(
            employee=person,
            due_on=LAST_MONTH.start.replace(day=20),
            completed_at=at(LAST_MONTH, 19),
        ),
        "angry": FeedbackFactory(
            employee=person,
            customer=customer,
            csat=2,
            comment="太慢了，非常失望",
            submitted_at=at(LAST_MONTH, 21),
        ),
    }


def scored_company(people: dict) -> dict:
    """The org chart (``org_chart``) scored for the two months before the pinned one; adds
    ``records``: 王芳's last-month records by name."""
    october = {}
    for key, hours, csat in WORK:
        customer = CustomerFactory()
        month_of_work(people[key], customer, MONTH_BEFORE, hours, csat)
        # 王芳's October replies and tickets are ``october_records``' (her drill-downs list them).
        october[key] = month_of_work(
            people[key], customer, LAST_MONTH, hours, csat, replies=key != "east_a"
        )
    people["records"] = october_records(people["east_a"], october["east_a"])
    for reviewer in ("east_b", "east_manager"):
        PeerReviewFactory(
            reviewer=people[reviewer], reviewee=people["east_a"], period=LAST_MONTH.start, score=4
        )
    # A handful of records per person stands for a month's work here: one record is enough for
    # a rate or a mean to be measured (the minimum volume is tested in tests/scoring).
    catalog_settings_set(IndicatorDefinition.objects.exclude(min_volume=None), min_volume=1)
    compute_period(MONTH_BEFORE)
    compute_period(LAST_MONTH)
    return people
