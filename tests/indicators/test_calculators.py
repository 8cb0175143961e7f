"""The indicator calculators on small hand-built frames: each indicator's counting rule, October
2026 in company time (Asia/Shanghai) as the period, and NaN for missing data versus a real 0 for
counts. Pure pandas: no database."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from indicators.calculators import CALCULATORS, measured_values
from indicators.calculators.base import RecordFrames
from indicators.comments import comments_read
from indicators.sentiment import comment_sentiment
from org.periods import Period

WINDOW = Period.parse("2026-10").window(tz=ZoneInfo("Asia/Shanghai"))
NAN = np.nan
COUNTS = {"order_volume", "follow_up_count", "accepted_suggestions"}


def sh(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Asia/Shanghai")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


START = sh("2026-10-01 00:00")  # = 2026-09-30 16:00 UTC: included
END = sh("2026-11-01 00:00")  # = 2026-10-31 16:00 UTC: excluded
BEFORE_START = sh("2026-09-30 23:59:59")  # one second before the start: excluded
LAST_EVENING = utc("2026-10-31 15:30")  # 23:30 on 31 Oct in Shanghai: October
NOVEMBER_IN_SHANGHAI = utc("2026-10-31 17:00")  # 01:00 on 1 Nov in Shanghai: not October
PREVIOUS_START = sh("2026-09-01 00:00")  # = 2026-08-31 16:00 UTC

EMPLOYEES = pd.DataFrame(
    {"team_id": [10, 10, 20], "level": ["junior", "senior", "intermediate"]},
    index=pd.Index([1, 2, 3], name="id"),
)
_order_ids = itertools.count(1)


def frames(**tables: pd.DataFrame) -> RecordFrames:
    return RecordFrames(employees=EMPLOYEES, **tables)


def table(columns: str, *rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns.split())


def order(
    merchandiser: int,
    submitted: pd.Timestamp | None = None,
    *,
    customer: int | None = None,
    confirmed: pd.Timestamp | None = None,
    delivered: pd.Timestamp | None = None,
    status: str = "confirmed",
    entry_errors: int = 0,
    fulfilment_error: bool = False,
    returned: bool = False,
    refunded: bool = False,
    complaint: bool = False,
) -> dict:
    return {
        "id": next(_order_ids),
        "merchandiser_id": merchandiser,
        "customer_id": customer,
        "submitted_at": submitted,
        "confirmed_at": confirmed,
        "delivered_at": delivered,
        "status": status,
        "entry_errors": entry_errors,
        "fulfilment_error": fulfilment_error,
        "is_returned": returned,
        "is_refunded": refunded,
        "has_complaint": complaint,
    }


def orders(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def check(key: str, record_frames: RecordFrames, one: float, two: float, three: float) -> None:
    """The calculator's raw values for employees 1, 2 and 3, as floats over the roster."""
    expected = pd.Series([one, two, three], index=EMPLOYEES.index, dtype=float)
    assert_series_equal(CALCULATORS[key](record_frames, WINDOW).value, expected, check_names=False)


RULES = table(
    "element kind pattern",
    ("greeting", "keyword", "您好"),
    ("greeting", "regex", r"\bhello\b"),
    ("order_number", "regex", r"PO-\d{4}"),
    ("closing", "keyword", "谢谢"),
)


# --- the registry and the no-data rule ------------------------------------------------------------


def test_the_registry_holds_seventeen_calculators():
    assert len(CALCULATORS) == 17
    assert all(callable(calculator) for calculator in CALCULATORS.values())
    assert COUNTS.issubset(CALCULATORS)


@pytest.mark.parametrize("key", sorted(CALCULATORS))
def test_no_records_give_nan_for_rates_and_zero_for_counts(key):
    # Only a roster (and a checklist, so compliance is NaN for lack of messages): counts are a
    # real 0, every rate, mean or growth is missing data.
    value = 0.0 if key in COUNTS else NAN
    check(key, frames(compliance_rules=RULES), value, value, value)


# --- basic tier -----------------------------------------------------------------------------------


def test_order_volume_counts_uncancelled_orders_submitted_in_company_time_october():
    record_frames = frames(
        orders=orders(
            order(1, START),  # exactly at the start: in
            order(1, LAST_EVENING),  # 23:30 Shanghai on 31 Oct: in
            order(1, BEFORE_START),  # out
            order(1, END),  # exactly at the end: out
            order(1, NOVEMBER_IN_SHANGHAI),  # out
            order(1, sh("2026-10-15 10:00"), status="cancelled"),  # out
            order(2, sh("2026-10-05 09:00"), status="delivered"),
            order(99, sh("2026-10-05 09:00")),  # not on the roster
        )
    )
    # 1: start + 31 Oct 23:30 = 2; 2: a single order = 1; 3: none = a real 0
    check("order_volume", record_frames, 2, 1, 0)


def test_follow_up_count_counts_every_contact_in_the_period():
    record_frames = frames(
        follow_ups=table(
            "employee_id occurred_at message",
            (1, START, "您好"),
            (1, LAST_EVENING, None),  # a call without text is still a contact
            (1, sh("2026-10-12 10:00"), ""),
            (1, BEFORE_START, "您好"),  # out
            (1, END, "您好"),  # out
            (1, NOVEMBER_IN_SHANGHAI, "您好"),  # out
            (2, sh("2026-10-02 08:00"), "hello"),
            (2, utc("2026-10-02 00:00"), "hello"),  # 08:00 Shanghai: the same instant, twice
        )
    )
    # 1: start + 31 Oct 23:30 + 12 Oct = 3; 2: 2; 3: 0
    check("follow_up_count", record_frames, 3, 2, 0)


def test_order_entry_accuracy_is_the_share_of_error_free_uncancelled_orders():
    record_frames = frames(
        orders=orders(
            order(1, sh("2026-10-03 09:00"), entry_errors=0),
            order(1, utc("2026-10-04 02:00"), entry_errors=0),
            order(1, sh("2026-10-05 09:00"), entry_errors=3),  # several fields: one wrong order
            order(1, LAST_EVENING, entry_errors=0),
            order(1, sh("2026-10-06 09:00"), entry_errors=2, status="cancelled"),  # out
            order(1, BEFORE_START, entry_errors=1),  # out
            order(1, NOVEMBER_IN_SHANGHAI, entry_errors=1),  # out
            order(2, sh("2026-10-07 09:00"), entry_errors=1),
        )
    )
    # 1: 3 error-free / 4 = 75 %; 2: 0 / 1 = 0 %; 3: no orders = NaN
    check("order_entry_accuracy", record_frames, 75.0, 0.0, NAN)


# --- efficiency tier ------------------------------------------------------------------------------


def test_order_response_time_means_hours_from_submit_to_confirmation():
    record_frames = frames(
        orders=orders(
            order(1, sh("2026-10-05 09:00"), confirmed=sh("2026-10-05 11:00")),  # 2 h
            order(1, utc("2026-10-10 01:00"), confirmed=sh("2026-10-10 14:00")),  # 06:00 UTC: 5 h
            # cancelled after it was confirmed: still counts, 11 h
            order(1, sh("2026-10-20 09:00"), confirmed=sh("2026-10-20 20:00"), status="cancelled"),
            order(1, sh("2026-10-21 09:00"), status="cancelled"),  # cancelled unanswered: out
            order(1, BEFORE_START, confirmed=sh("2026-10-01 08:00")),  # submitted in September
            order(2, sh("2026-10-07 08:00"), confirmed=sh("2026-10-07 11:00")),  # 3 h
            order(2, utc("2026-10-08 00:00"), confirmed=utc("2026-10-08 03:00")),  # 3 h
        )
    )
    # 1: (2 + 5 + 11) / 3 = 6.0 h; 2: (3 + 3) / 2 = 3.0 h; 3: NaN
    check("order_response_time", record_frames, 6.0, 3.0, NAN)


def test_order_response_time_counts_orders_still_unconfirmed_until_the_period_end():
    record_frames = frames(
        orders=orders(
            order(1, sh("2026-10-31 20:00")),  # open: 4 h until midnight
            order(1, sh("2026-10-30 20:00"), confirmed=sh("2026-11-01 10:00")),  # 28 h by the end
            order(1, LAST_EVENING),  # open: 0.5 h
            order(2, sh("2026-10-31 20:00"), status="cancelled"),  # cancelled unanswered: out
            order(2, END),  # November: out
        )
    )
    # 1: (4 + 28 + 0.5) / 3 = 10.8333 h; 2: nothing that counts = NaN; 3: NaN
    check("order_response_time", record_frames, 32.5 / 3, NAN, NAN)


def test_node_on_time_rate_divides_the_nodes_completed_by_their_deadline_by_those_due():
    # Which nodes are due and on time is counted when they are read (tests/indicators/
    # test_frames.py); the calculator makes the percentages.
    record_frames = frames(
        node_counts=table("merchandiser_id due on_time", (1, 4, 2), (2, 1, 1), (99, 3, 3))
    )
    # 1: 2 / 4 = 50 %; 2: 1 / 1 = 100 %; 3: nothing due, NaN; 99 is not on the roster
    check("node_on_time_rate", record_frames, 50.0, 100.0, NAN)


EXCEPTION_COLUMNS = "handler_id detected_at coordination_started_at resolved_at"


def test_exception_handling_hours_adds_the_mean_of_each_step():
    record_frames = frames(
        exceptions=table(
            EXCEPTION_COLUMNS,
            (1, sh("2026-10-03 09:00"), sh("2026-10-03 11:00"), sh("2026-10-03 17:00")),  # 2 + 6
            # 00:00 UTC → 04:00 UTC → 22:00 Shanghai (14:00 UTC): 4 + 10
            (1, utc("2026-10-10 00:00"), utc("2026-10-10 04:00"), sh("2026-10-10 22:00")),
            (1, BEFORE_START, sh("2026-10-05 00:00"), sh("2026-10-09 00:00")),  # September
            (1, END, None, None),  # November
            (2, sh("2026-10-08 09:00"), sh("2026-10-08 09:30"), sh("2026-10-08 12:00")),
        )
    )
    # 1: (2 + 4) / 2 + (6 + 10) / 2 = 3 + 8 = 11.0 h; 2: 0.5 + 2.5 = 3.0 h; 3: NaN
    check("exception_handling_hours", record_frames, 11.0, 3.0, NAN)


def test_exception_handling_hours_stops_running_clocks_at_the_period_end():
    record_frames = frames(
        exceptions=table(
            EXCEPTION_COLUMNS,
            (1, sh("2026-10-31 18:00"), sh("2026-10-31 20:00"), None),  # 2 h + 4 h so far
            (1, sh("2026-10-31 22:00"), None, None),  # 2 h so far + 0 h
            # resolved on 2 Nov: 1 h + 47 h until the end
            (1, sh("2026-10-30 00:00"), sh("2026-10-30 01:00"), sh("2026-11-02 00:00")),
            (2, LAST_EVENING, None, None),  # 0.5 h + 0 h
        )
    )
    # 1: (2 + 2 + 1) / 3 + (4 + 0 + 47) / 3 = 5/3 + 17 = 18.667 h; 2: 0.5 h; 3: NaN
    check("exception_handling_hours", record_frames, 5 / 3 + 17, 0.5, NAN)


def test_first_contact_resolution_divides_single_contact_tickets_by_those_resolved():
    # Which tickets were resolved in the period is counted when they are read
    # (tests/indicators/test_frames.py); the calculator makes the percentages.
    record_frames = frames(
        ticket_counts=table("employee_id resolved first_contact", (1, 4, 2), (2, 1, 1), (9, 2, 0))
    )
    # 1: 2 / 4 = 50 %; 2: 1 / 1 = 100 %; 3: NaN; 9 is not on the roster
    check("first_contact_resolution", record_frames, 50.0, 100.0, NAN)


# --- quality tier ---------------------------------------------------------------------------------

FEEDBACK_COLUMNS = "employee_id submitted_at csat comment"


def feedback_table(*rows: tuple) -> pd.DataFrame:
    """Feedback as ``record_frames`` gives it: each comment's reading beside it."""
    frame = table(FEEDBACK_COLUMNS, *rows)
    return frame.assign(**comments_read(frame["comment"]))


def test_csat_means_the_ratings_of_the_period():
    record_frames = frames(
        feedback=feedback_table(
            (1, START, 5, None),
            (1, sh("2026-10-10 10:00"), 4, "好评"),
            (1, utc("2026-10-11 02:00"), 4, None),
            (1, sh("2026-10-20 10:00"), 3, None),
            (1, sh("2026-10-21 10:00"), None, "回复太慢了"),  # a comment without a rating
            (1, BEFORE_START, 1, None),  # September
            (1, NOVEMBER_IN_SHANGHAI, 1, None),  # November
            (2, LAST_EVENING, 2, None),
        )
    )
    # 1: (5 + 4 + 4 + 3) / 4 = 4.0; 2: 2.0; 3: NaN
    check("csat", record_frames, 4.0, 2.0, NAN)


def test_order_accuracy_counts_orders_delivered_in_the_period():
    record_frames = frames(
        orders=orders(
            order(1, sh("2026-09-20 09:00"), delivered=START),  # submitted in Sept: counts
            order(1, sh("2026-10-01 09:00"), delivered=sh("2026-10-03 10:00")),
            order(1, sh("2026-10-10 09:00"), delivered=utc("2026-10-20 03:00")),
            order(
                1, sh("2026-10-11 09:00"), delivered=sh("2026-10-25 10:00"), fulfilment_error=True
            ),
            order(1, sh("2026-09-10 09:00"), delivered=BEFORE_START, fulfilment_error=True),
            order(1, sh("2026-10-20 09:00"), delivered=NOVEMBER_IN_SHANGHAI, fulfilment_error=True),
            order(1, sh("2026-10-21 09:00")),  # not delivered yet
            order(2, sh("2026-10-02 09:00"), delivered=LAST_EVENING, fulfilment_error=True),
        )
    )
    # 1: 3 without error / 4 delivered = 75 %; 2: 0 / 1 = 0 %; 3: NaN
    check("order_accuracy", record_frames, 75.0, 0.0, NAN)


def test_complaint_return_rate_counts_a_troubled_order_once():
    oct10 = sh("2026-10-10 10:00")
    record_frames = frames(
        orders=orders(
            order(1, oct10, delivered=sh("2026-10-12 10:00"), complaint=True),
            order(1, oct10, delivered=sh("2026-10-13 10:00"), returned=True),
            order(1, oct10, delivered=utc("2026-10-14 02:00"), refunded=True),
            order(
                1,
                oct10,
                delivered=LAST_EVENING,
                complaint=True,
                returned=True,
                refunded=True,
            ),
            *[order(1, oct10, delivered=sh(f"2026-10-2{day} 10:00")) for day in range(4)],
            order(1, oct10, delivered=NOVEMBER_IN_SHANGHAI, complaint=True),  # November
            order(1, oct10, delivered=END, returned=True),  # November
            order(2, oct10, delivered=START),
            order(2, oct10, delivered=sh("2026-10-15 10:00")),
        )
    )
    # 1: 4 troubled / 8 delivered = 50 %; 2: 0 / 2 = 0 %; 3: NaN
    check("complaint_return_rate", record_frames, 50.0, 0.0, NAN)


def test_customer_sentiment_maps_the_mean_comment_score_to_0_100():
    happy, slow, english = "非常满意，发货很快！", "回复太慢了", "Great service, very helpful"
    record_frames = frames(
        feedback=feedback_table(
            (1, sh("2026-10-03 10:00"), 5, happy),
            (1, utc("2026-10-09 02:00"), 2, slow),
            (1, LAST_EVENING, 5, english),
            (1, sh("2026-10-12 10:00"), 4, None),  # no comment: does not count
            (1, sh("2026-10-13 10:00"), 4, "   "),  # blank comment: does not count
            (1, BEFORE_START, 1, slow),  # September
            (1, NOVEMBER_IN_SHANGHAI, 5, "好评"),  # November
            (2, sh("2026-10-05 10:00"), 5, "好评"),
            (3, sh("2026-10-05 10:00"), 5, None),  # a rating without a comment
        )
    )
    scores = [comment_sentiment(text) for text in (happy, slow, english)]
    assert scores == pytest.approx([0.2325, -0.1624, 0.2990], abs=1e-4)
    good = comment_sentiment("好评")
    assert good == pytest.approx(0.0729, abs=1e-4)
    # 1: 50 × (1 + (0.2325 − 0.1624 + 0.2990) / 3) = 56.15; 2: 50 × (1 + 0.0729); 3: NaN
    check("customer_sentiment", record_frames, 50.0 * (1 + sum(scores) / 3), 50.0 * (1 + good), NAN)


FOLLOW_UP_COLUMNS = "employee_id occurred_at message"


def test_process_compliance_is_the_share_of_written_messages_with_every_element():
    follow_ups = table(
        FOLLOW_UP_COLUMNS,
        (1, sh("2026-10-03 10:00"), "您好，订单 PO-1234 已发货，谢谢"),  # all three elements
        (1, utc("2026-10-04 02:00"), "HELLO, PO-5678 has shipped. 谢谢"),  # regex, any case
        (1, LAST_EVENING, "您好，货已发出，谢谢"),  # no order number
        (1, sh("2026-10-05 10:00"), ""),  # no text (a call): does not count
        (1, sh("2026-10-06 10:00"), "   "),  # blank: does not count
        (1, sh("2026-10-07 10:00"), None),  # no text: does not count
        (1, BEFORE_START, "您好，订单 PO-1234 已发货，谢谢"),  # September
        (1, NOVEMBER_IN_SHANGHAI, "在吗"),  # November
        (2, sh("2026-10-08 10:00"), "您好 PO-12 谢谢"),  # PO number too short
        (3, sh("2026-10-08 10:00"), ""),  # only an empty message
    )
    record_frames = frames(follow_ups=follow_ups, compliance_rules=RULES)
    # 1: 2 compliant / 3 written = 66.67 %; 2: 0 / 1 = 0 %; 3: nothing written = NaN
    check("process_compliance", record_frames, 200.0 / 3, 0.0, NAN)
    # Without any checklist rule the indicator has no data for anyone.
    check("process_compliance", frames(follow_ups=follow_ups), NAN, NAN, NAN)


def test_process_compliance_matches_keywords_literally():
    rules = table("element kind pattern", ("closing", "keyword", "a+b"))
    follow_ups = table(
        FOLLOW_UP_COLUMNS,
        (1, sh("2026-10-03 10:00"), "收到 A+B，谢谢"),  # the keyword itself, any case
        (1, sh("2026-10-04 10:00"), "收到 aab"),  # would match the regex a+b, not the keyword
        (2, sh("2026-10-04 10:00"), "ok a+b"),
    )
    # 1: 1 / 2 = 50 %; 2: 1 / 1 = 100 %; 3: NaN
    check(
        "process_compliance",
        frames(follow_ups=follow_ups, compliance_rules=rules),
        50.0,
        100.0,
        NAN,
    )


def test_customer_repeat_rate_against_the_previous_period():
    a, b, c, d, f, g, h, j, k = 101, 102, 103, 104, 106, 107, 108, 110, 111
    record_frames = frames(
        orders=orders(
            # September (previous period) for employee 1: A (twice), B, C, D, G
            order(1, sh("2026-09-05 10:00"), customer=a),
            order(1, sh("2026-09-20 10:00"), customer=a),
            order(1, PREVIOUS_START, customer=b),  # exactly at the previous start
            order(1, sh("2026-09-10 10:00"), customer=c),
            order(1, sh("2026-09-12 10:00"), customer=d),
            order(1, utc("2026-09-15 02:00"), customer=g),
            order(1, sh("2026-09-16 10:00"), customer=h, status="cancelled"),  # not served
            order(1, sh("2026-08-31 23:59:59"), customer=f),  # August
            # October
            order(1, sh("2026-10-03 10:00"), customer=a),
            order(1, sh("2026-10-04 10:00"), customer=a),
            order(1, LAST_EVENING, customer=b),
            order(2, sh("2026-10-10 10:00"), customer=c),  # came back, but to employee 2
            order(1, sh("2026-10-05 10:00"), customer=d, status="cancelled"),
            order(1, NOVEMBER_IN_SHANGHAI, customer=g),
            order(1, sh("2026-10-06 10:00"), customer=h),
            order(1, sh("2026-10-07 10:00"), customer=f),
            # employee 2: J in both periods; employee 3: only October
            order(2, sh("2026-09-03 10:00"), customer=j),
            order(2, sh("2026-10-09 10:00"), customer=j),
            order(3, sh("2026-10-09 10:00"), customer=k),
        )
    )
    # 1: {A, B} back of {A, B, C, D, G} = 2 / 5 = 40 %; 2: {J} of {J} = 100 %;
    # 3: no customer in September = NaN
    check("customer_repeat_rate", record_frames, 40.0, 100.0, NAN)


CUSTOMERS = pd.DataFrame(
    {
        "tier": ["A", "B", "B"],
        # 2025-10-01 is exactly 365 days before 2026-10-01; 2025-10-02 one day short
        "customer_since": [dt.date(2020, 1, 1), dt.date(2025, 10, 1), dt.date(2025, 10, 2)],
    },
    index=pd.Index([201, 202, 203], name="id"),
)


def test_long_customer_growth_against_the_previous_period():
    old, year, new = 201, 202, 203
    record_frames = frames(
        customers=CUSTOMERS,
        orders=orders(
            # employee 1, September: 4 long-standing orders
            order(1, PREVIOUS_START, customer=old),
            order(1, sh("2026-09-15 10:00"), customer=old),
            order(1, sh("2026-09-20 10:00"), customer=year),
            order(1, utc("2026-09-30 15:00"), customer=year),  # 23:00 Shanghai: September
            order(1, sh("2026-08-31 23:59"), customer=old),  # August
            # employee 1, October: 5 long-standing orders
            order(1, START, customer=old),
            order(1, sh("2026-10-10 10:00"), customer=old),
            order(1, LAST_EVENING, customer=old),
            order(1, sh("2026-10-11 10:00"), customer=year),
            order(1, sh("2026-10-12 10:00"), customer=year),
            order(1, sh("2026-10-13 10:00"), customer=old, status="cancelled"),
            order(1, NOVEMBER_IN_SHANGHAI, customer=old),
            *[order(1, sh(f"2026-10-1{day} 15:00"), customer=new) for day in range(5)],
            # employee 2: 2 in September, 1 in October
            order(2, sh("2026-09-02 10:00"), customer=old),
            order(2, sh("2026-09-03 10:00"), customer=old),
            order(2, sh("2026-10-02 10:00"), customer=year),
            # employee 3: no long-standing order in September
            order(3, sh("2026-09-02 10:00"), customer=new),
            order(3, sh("2026-10-02 10:00"), customer=old),
        ),
    )
    # 1: (5 − 4) / 4 × 100 = 25 %; 2: (1 − 2) / 2 × 100 = −50 %; 3: growth from 0 = NaN
    check("long_customer_growth", record_frames, 25.0, -50.0, NAN)


def test_long_customer_growth_flat_and_lost():
    record_frames = frames(
        customers=CUSTOMERS,
        orders=orders(
            order(1, sh("2026-09-10 10:00"), customer=201),
            order(1, sh("2026-09-11 10:00"), customer=202),
            order(1, sh("2026-10-10 10:00"), customer=202),
            order(1, sh("2026-10-11 10:00"), customer=201),
            order(2, sh("2026-09-10 10:00"), customer=201),
        ),
    )
    # 1: (2 − 2) / 2 = 0 %; 2: (0 − 1) / 1 = −100 %; 3: NaN
    check("long_customer_growth", record_frames, 0.0, -100.0, NAN)


# --- innovation tier ------------------------------------------------------------------------------


def test_accepted_suggestions_counts_acceptances_decided_in_the_period():
    record_frames = frames(
        suggestions=table(
            "employee_id status decided_at",
            (1, "accepted", START),
            (1, "accepted", LAST_EVENING),
            (1, "accepted", NOVEMBER_IN_SHANGHAI),  # November
            (1, "accepted", BEFORE_START),  # September
            (1, "rejected", sh("2026-10-10 10:00")),
            (1, "pending", None),
            (2, "accepted", sh("2026-10-20 10:00")),
            (3, "pending", None),
        )
    )
    # 1: start + 31 Oct 23:30 = 2; 2: 1; 3: only a pending one = 0
    check("accepted_suggestions", record_frames, 2, 1, 0)


def test_training_completion_by_the_end_of_the_due_day_in_company_time():
    record_frames = frames(
        trainings=table(
            "employee_id is_required due_on completed_at",
            (1, True, dt.date(2026, 10, 10), sh("2026-10-10 23:30")),  # 15:30 UTC: on time
            (1, True, dt.date(2026, 10, 15), utc("2026-10-15 17:00")),  # 16 Oct 01:00: late
            (1, True, dt.date(2026, 10, 20), None),  # never completed
            (1, True, dt.date(2026, 10, 31), sh("2026-10-31 23:59:59")),  # on time
            (1, False, dt.date(2026, 10, 12), None),  # optional
            (1, True, dt.date(2026, 9, 30), None),  # due in September
            (1, True, dt.date(2026, 11, 1), None),  # due in November
            (2, True, dt.date(2026, 10, 5), sh("2026-09-20 10:00")),  # done early
            (3, False, dt.date(2026, 10, 5), None),  # optional only
        )
    )
    # 1: 2 on time / 4 due = 50 %; 2: 1 / 1 = 100 %; 3: nothing required = NaN
    check("training_completion", record_frames, 50.0, 100.0, NAN)


def test_collaboration_360_means_the_reviews_for_the_periods_months():
    october, september, november = dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2026, 11, 1)
    record_frames = frames(
        peer_reviews=table(
            "reviewee_id period score",
            (1, october, 4),
            (1, october, 5),
            (1, october, 3),
            (1, september, 1),
            (1, november, 1),
            (2, october, 3),
            (2, october, 3),
            (3, september, 5),  # another month only
        )
    )
    # 1: (4 + 5 + 3) / 3 = 4.0; 2: (3 + 3) / 2 = 3.0; 3: NaN
    check("collaboration_360", record_frames, 4.0, 3.0, NAN)


# --- several indicators at once -------------------------------------------------------------------


def test_raw_values_gives_one_column_per_code_over_the_roster():
    record_frames = frames(
        orders=orders(
            order(1, sh("2026-10-05 09:00"), confirmed=sh("2026-10-05 10:00")),
            order(1, sh("2026-10-06 09:00"), confirmed=sh("2026-10-06 12:00")),
            order(99, sh("2026-10-06 09:00")),  # not on the roster
        ),
        feedback=feedback_table((2, sh("2026-10-05 10:00"), 5, None)),
    )
    values = measured_values(
        {"B1": "order_volume", "E1": "order_response_time", "Q1": "csat"}, record_frames, WINDOW
    ).raw
    # volume 2, 0, 0; response (1 + 3) / 2 = 2.0 h for 1; CSAT 5.0 for 2
    expected = pd.DataFrame(
        {"B1": [2.0, 0.0, 0.0], "E1": [2.0, NAN, NAN], "Q1": [NAN, 5.0, NAN]},
        index=EMPLOYEES.index,
    )
    assert_frame_equal(values, expected, check_names=False)


def test_a_running_period_stops_open_clocks_when_the_data_was_read():
    # Read on 10 October 12:00 Shanghai (04:00 UTC), in the middle of the month.
    as_of = pd.Timestamp("2026-10-10 04:00", tz="UTC")
    window = Period.parse("2026-10").window(tz=ZoneInfo("Asia/Shanghai"), as_of=as_of)
    frames = RecordFrames(
        employees=pd.DataFrame({"team_id": [1], "level": ["junior"]}, index=pd.Index([1])),
        orders=pd.DataFrame(
            {
                "id": [1],
                "merchandiser_id": [1],
                "customer_id": [1],
                # Submitted 10 October 08:00 Shanghai, still unconfirmed: 4 hours so far.
                "submitted_at": [pd.Timestamp("2026-10-10 00:00", tz="UTC")],
                "confirmed_at": [pd.NaT],
                "delivered_at": [pd.NaT],
                "status": ["submitted"],
                "entry_errors": [0],
                "fulfilment_error": [False],
                "is_returned": [False],
                "is_refunded": [False],
                "has_complaint": [False],
            }
        ),
    )
    assert CALCULATORS["order_response_time"](frames, window).value.tolist() == [4.0]
