"""The selector that reads a period's records for the calculators: company-time bounds, one query
per record type, and raw values from real rows."""

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from indicators.calculators import measured_values
from indicators.record_frames import record_frames
from org.calendar import period_window
from org.periods import Period
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    OrderNodeFactory,
    SuggestionFactory,
    TicketFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = Period.parse("2026-10")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_orders_are_assigned_to_months_by_company_time(org_chart):
    merchandiser = org_chart["east_a"]
    # 23:30 on 31 October in Shanghai is 15:30 UTC, still October for the company.
    OrderFactory(merchandiser=merchandiser, submitted_at=_at("2026-10-31T23:30"))
    # 01:00 on 1 November in Shanghai is 17:00 UTC on 31 October: November for the company.
    OrderFactory(merchandiser=merchandiser, submitted_at=_at("2026-11-01T01:00"))
    # Exactly midnight at the start is in; a second before is out.
    OrderFactory(merchandiser=merchandiser, submitted_at=_at("2026-10-01T00:00"))
    OrderFactory(merchandiser=merchandiser, submitted_at=_at("2026-09-30T23:59:59"))

    frames = record_frames(period=OCTOBER)
    values = measured_values({"order_volume": "order_volume"}, frames, period_window(OCTOBER)).raw

    assert values.loc[merchandiser.id, "order_volume"] == 2
    # Everyone on a scored team's roster, with a real 0 for someone without orders.
    assert values.loc[org_chart["south_a"].id, "order_volume"] == 0
    assert org_chart["hr"].id not in values.index


@pytest.mark.django_db
def test_one_query_per_record_type(org_chart, django_assert_num_queries):
    merchandiser = org_chart["east_a"]
    order = OrderFactory(merchandiser=merchandiser, customer=CustomerFactory())
    OrderNodeFactory(order=order)
    FollowUpFactory(employee=merchandiser)
    FeedbackFactory(employee=merchandiser)
    # roster, orders, customers, nodes, follow-ups, feedback, exceptions, tickets, suggestions,
    # trainings, peer reviews, checklist rules; then whether suggestions were submitted (what
    # else was fed, the frames of everybody's records tell); the kept comment readings, and the
    # first time only, keeping the new ones
    with django_assert_num_queries(15):
        record_frames(period=OCTOBER)
    with django_assert_num_queries(14):
        frames = record_frames(period=OCTOBER)
    assert len(frames.orders) == 1
    assert frames.node_counts.to_dict("records") == [
        {"merchandiser_id": merchandiser.id, "due": 1, "on_time": 1}
    ]


@pytest.mark.django_db
def test_raw_values_from_real_rows(org_chart):
    merchandiser = org_chart["east_a"]
    order = OrderFactory(
        merchandiser=merchandiser,
        submitted_at=_at("2026-10-08T09:00"),
        source_created_at=_at("2026-10-08T12:00"),
        confirmed_at=_at("2026-10-08T13:00"),
    )
    # The node's deadline is 24 h after its start; it took 30 h: late.
    OrderNodeFactory(
        order=order,
        started_at=_at("2026-10-09T08:00"),
        completed_at=_at("2026-10-10T14:00"),
        threshold_hours=24,
    )
    FollowUpFactory(
        employee=merchandiser,
        occurred_at=_at("2026-10-09T10:00"),
        message="您好，订单SO20261008已发货，预计10月20日交货。谢谢您的支持。",
    )
    FollowUpFactory(
        employee=merchandiser, occurred_at=_at("2026-10-09T11:00"), message="货已发出。"
    )
    FeedbackFactory(employee=merchandiser, submitted_at=_at("2026-10-20T10:00"), csat=4)
    FeedbackFactory(employee=merchandiser, submitted_at=_at("2026-10-21T10:00"), csat=5)

    frames = record_frames(period=OCTOBER)
    keys = ["order_response_time", "node_on_time_rate", "process_compliance", "csat"]
    values = measured_values({key: key for key in keys}, frames, period_window(OCTOBER)).raw.loc[
        merchandiser.id
    ]

    # From the customer's click (09:00), not the ERP's creation (12:00): 4 hours.
    assert values["order_response_time"] == pytest.approx(4.0)
    assert values["node_on_time_rate"] == pytest.approx(0.0)
    # The first message has greeting, order number, date and closing; "货已发出。" has none.
    assert values["process_compliance"] == pytest.approx(50.0)
    assert values["csat"] == pytest.approx(4.5)


def _node(employee, started: str, completed: str | None, hours: int):
    return OrderNodeFactory(
        order__merchandiser=employee,
        started_at=_at(started),
        completed_at=_at(completed) if completed else None,
        threshold_hours=hours,
    )


def _on_time_rates(org_chart, window=None) -> dict[str, float]:
    window = window or period_window(OCTOBER)
    frames = record_frames(period=OCTOBER)
    rates = measured_values({"rate": "node_on_time_rate"}, frames, window).raw["rate"]
    return {key: rates[org_chart[key].id] for key in ("east_a", "east_b", "south_a")}


@pytest.mark.django_db
@pytest.mark.usefixtures("every_day_works")
def test_a_node_is_on_time_when_completed_by_its_deadline(org_chart):
    east_a, east_b = org_chart["east_a"], org_chart["east_b"]
    _node(east_a, "2026-10-05T09:00", "2026-10-06T08:00", 24)  # on time
    _node(east_a, "2026-10-05T09:00", "2026-10-06T09:00", 24)  # at the deadline: on time
    _node(east_a, "2026-10-10T09:00", "2026-10-12T10:00", 48)  # due 12 Oct 09:00: late
    _node(east_a, "2026-10-20T00:00", None, 240)  # due 30 Oct 00:00, still open: late
    _node(east_b, "2026-10-02T08:00", "2026-10-02T12:00", 8)
    rates = _on_time_rates(org_chart)
    # east_a 2 on time of 4 = 50 %; east_b 1 of 1; south_a had nothing due: NaN
    assert rates["east_a"] == pytest.approx(50.0)
    assert rates["east_b"] == pytest.approx(100.0)
    assert math.isnan(rates["south_a"])


@pytest.mark.django_db
@pytest.mark.usefixtures("every_day_works")
def test_a_node_counts_in_the_period_its_deadline_falls_in(org_chart):
    east_a, east_b = org_chart["east_a"], org_chart["east_b"]
    _node(east_a, "2026-09-29T08:00", "2026-09-30T20:00", 48)  # due 1 Oct 08:00: on time
    _node(east_a, "2026-09-30T00:00", "2026-10-01T00:30", 24)  # due at the start: late
    _node(east_a, "2026-10-31T15:00", None, 8)  # due 31 Oct 23:00, open: late
    _node(east_a, "2026-10-31T00:00", None, 24)  # due exactly at the end: November
    _node(east_a, "2026-10-31T20:00", None, 8)  # due 1 Nov 04:00
    _node(east_a, "2026-09-28T00:00", "2026-10-02T00:00", 24)  # due in September
    _node(east_b, "2026-10-31T12:00", None, 24)  # open, due in November
    rates = _on_time_rates(org_chart)
    # east_a: 1 on time of the 3 due in October; east_b: nothing due in October
    assert rates["east_a"] == pytest.approx(100.0 / 3)
    assert math.isnan(rates["east_b"])


@pytest.mark.django_db
@pytest.mark.usefixtures("every_day_works")
def test_in_a_running_period_a_deadline_not_yet_reached_does_not_count(org_chart, monkeypatch):
    # Read on 10 October 12:00 Shanghai, in the middle of the month.
    window = OCTOBER.window(tz=SHANGHAI, as_of=pd.Timestamp("2026-10-10T04:00", tz="UTC"))
    monkeypatch.setattr("indicators.record_frames.period_window", lambda period: window)
    east_a = org_chart["east_a"]
    _node(east_a, "2026-10-08T12:00", None, 24)  # due 9 Oct 12:00, missed: late
    _node(east_a, "2026-10-10T12:00", None, 24)  # due 11 Oct: not yet
    assert _on_time_rates(org_chart, window)["east_a"] == 0.0


@pytest.mark.django_db
def test_texts_arrive_whole(org_chart):
    merchandiser = org_chart["east_a"]
    messages = ["您好，订单已发货 👍", "", "tab\there, back\\slash, 'quotes' \"too\"", "x" * 5000]
    for hour, message in enumerate(messages):
        FollowUpFactory(
            employee=merchandiser, occurred_at=_at(f"2026-10-09T{10 + hour}:00"), message=message
        )
    frames = record_frames(period=OCTOBER)
    read = frames.follow_ups.sort_values("occurred_at")["message"].tolist()
    assert read == messages


@pytest.mark.django_db
def test_a_ticket_counts_in_the_period_it_was_resolved_in(org_chart):
    east_a, east_b = org_chart["east_a"], org_chart["east_b"]
    for opened, resolved, contacts in [
        ("2026-10-01T09:00", "2026-10-02T09:00", 1),
        ("2026-10-30T09:00", "2026-10-31T23:30", 1),
        ("2026-10-10T09:00", "2026-10-15T09:00", 3),
        ("2026-09-20T09:00", "2026-10-20T09:00", 2),  # opened in September: counts
        ("2026-10-31T09:00", "2026-11-01T01:00", 1),  # resolved in November
        ("2026-10-31T09:00", None, None),  # unresolved
        ("2026-09-30T09:00", "2026-09-30T23:59:59", 1),  # resolved in September
    ]:
        TicketFactory(
            employee=east_a,
            opened_at=_at(opened),
            resolved_at=_at(resolved) if resolved else None,
            contacts_until_resolved=contacts,
        )
    TicketFactory(
        employee=east_b, opened_at=_at("2026-09-30T20:00"), resolved_at=_at("2026-10-01T00:00")
    )
    rates = measured_values(
        {"fcr": "first_contact_resolution"}, record_frames(period=OCTOBER), period_window(OCTOBER)
    ).raw["fcr"]
    # east_a: 2 single-contact of the 4 resolved in October; east_b: resolved exactly at the start
    assert rates[east_a.id] == pytest.approx(50.0)
    assert rates[east_b.id] == pytest.approx(100.0)
    assert math.isnan(rates[org_chart["south_a"].id])


@pytest.mark.django_db
def test_what_was_fed_reads_the_same_from_the_frames_as_from_the_database(org_chart):
    """Scoring everybody tells what the sources fed from the frames it read; scoring a part of
    the company asks the whole company's records. Both must agree, or a team scored alone would
    be measured differently. Here: October orders without entry errors known, one with its
    fulfilment known; a complaint known only on a September order (not this period's); ratings
    without a score but with a comment; replies left empty; a suggestion submitted, not decided."""
    wang, li = org_chart["east_a"], org_chart["south_a"]
    unknown = dict(entry_errors=None, is_returned=None, is_refunded=None, has_complaint=None)
    OrderFactory(
        merchandiser=wang, submitted_at=_at("2026-10-03 09:00"), fulfilment_error=None, **unknown
    )
    OrderFactory(
        merchandiser=li, submitted_at=_at("2026-10-04 09:00"), fulfilment_error=False, **unknown
    )
    OrderFactory(
        merchandiser=li,
        submitted_at=_at("2026-09-04 09:00"),
        **{**unknown, "has_complaint": True},
    )
    FeedbackFactory(
        employee=wang, csat=None, comment="太慢了", submitted_at=_at("2026-10-05 09:00")
    )
    FollowUpFactory(employee=li, message="", occurred_at=_at("2026-10-06 09:00"))
    SuggestionFactory(employee=li, submitted_at=_at("2026-10-07 09:00"))

    everybody = record_frames(period=OCTOBER).fed
    one_team = record_frames(period=OCTOBER, employee_ids=[wang.pk]).fed

    assert everybody == one_team == {
        "orders", "orders.fulfilment_error", "feedback", "feedback.comment", "follow_ups",
        "suggestions",
    }  # fmt: skip
