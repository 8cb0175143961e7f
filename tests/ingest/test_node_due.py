"""Order-node deadlines count working time of the company calendar: days off (weekends, China's
public holidays, the company's own holidays) are skipped, make-up working days count, a start on
a day off counts from the next working day's 00:00. Dates are fixed historical ones (pure
calendar arithmetic, the 2025 National Day holiday), not relative to the pinned clock."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ingest.ledger_verify import ledger_verify
from ingest.models import LedgerEntry, OrderNode, RejectedRow, Source
from ingest.services import records_push
from org.calendar import add_working_hours, working_days
from org.models import CompanyDay, CompanyDayKind
from tests.factories import OrderFactory, OrderNodeFactory
from tests.ingest.conftest import ledger_committed, worded

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def due(start: dt.datetime, hours) -> dt.datetime:
    result = add_working_hours(pd.Series([start]), pd.Series([hours])).iloc[0]
    return result.to_pydatetime().astimezone(SHANGHAI)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # An ordinary week: Friday 16:00 + 24 h skips the weekend.
        (local(2025, 11, 14, 16), 24, local(2025, 11, 17, 16)),
        # Within one working day, and ending exactly at midnight into the next working day.
        (local(2025, 11, 12, 9), 8, local(2025, 11, 12, 17)),
        (local(2025, 11, 14, 16), 8, local(2025, 11, 17, 0)),
        # Started on a Saturday: counts from Monday 00:00.
        (local(2025, 11, 15, 9, 30), 10, local(2025, 11, 17, 10)),
        # National Day 2025: 1–8 October off; Sunday 28 September a make-up working day.
        (local(2025, 9, 26, 16), 24, local(2025, 9, 28, 16)),
        (local(2025, 9, 30, 12), 24, local(2025, 10, 9, 12)),
        (local(2025, 10, 3, 10), 1, local(2025, 10, 9, 1)),
        # Saturday 11 October is a make-up working day too.
        (local(2025, 10, 10, 20), 24, local(2025, 10, 11, 20)),
    ],
)
def test_a_deadline_skips_days_off_and_counts_make_up_working_days(start, hours, expected):
    assert due(start, hours) == expected


def test_a_company_holiday_is_skipped_and_a_company_working_day_counts():
    CompanyDay.objects.create(day=dt.date(2025, 11, 17), kind=CompanyDayKind.HOLIDAY)
    CompanyDay.objects.create(day=dt.date(2025, 11, 22), kind=CompanyDayKind.WORKING_DAY)

    # Friday 16:00 + 24 h: the weekend and the company's Monday off are skipped.
    assert due(local(2025, 11, 14, 16), 24) == local(2025, 11, 18, 16)
    # Friday 21 November 20:00 + 24 h: the company works Saturday 22.
    assert due(local(2025, 11, 21, 20), 24) == local(2025, 11, 22, 20)


def test_fractional_hours_are_exact_to_the_microsecond():
    # 0.29 h is 1,044 s; as a float of nanoseconds it is 1,043.999999999 s.
    assert due(local(2025, 11, 12, 9), Decimal("0.29")) == local(2025, 11, 12, 9, 17, 24)
    assert due(local(2025, 11, 12, 9), Decimal("0.01")) == local(2025, 11, 12, 9, 0, 36)
    # A millionth of an hour is 3.6 ms: whole microseconds, no float residue.
    assert due(local(2025, 11, 12, 9), 0.000001) == local(2025, 11, 12, 9, 0, 0, 3600)


def test_missing_starts_or_hours_have_no_deadline():
    result = add_working_hours(
        pd.Series([local(2025, 11, 12, 9), None, local(2025, 11, 12, 9)]),
        pd.Series([1, 1, None]),
    )
    assert result.iloc[0] == pd.Timestamp(local(2025, 11, 12, 10))
    assert result.iloc[1:].isna().all()


def _walked(start: dt.datetime, hours: float, calendar) -> dt.datetime:
    """The deadline worked out hour by hour against the calendar: the test's reference."""
    wall = start.astimezone(SHANGHAI).replace(tzinfo=None)
    remaining = dt.timedelta(hours=hours)
    while True:
        midnight = dt.datetime.combine(wall.date() + dt.timedelta(days=1), dt.time())
        if wall.date() in calendar:
            if wall + remaining < midnight:
                return (wall + remaining).replace(tzinfo=SHANGHAI)
            remaining -= midnight - wall
        wall = midnight


def test_ten_thousand_nodes_in_one_call_with_one_query_match_the_hour_by_hour_reference():
    CompanyDay.objects.create(day=dt.date(2025, 9, 3), kind=CompanyDayKind.HOLIDAY)
    rng = np.random.default_rng(16)
    first = pd.Timestamp(local(2025, 8, 1))
    starts = pd.Series(first + pd.to_timedelta(rng.integers(0, 120 * 86400, 10_000), unit="s"))
    hours = pd.Series(rng.integers(1, 74_400, 10_000) / 100)  # 0.01 … 744 h, two decimals

    with CaptureQueriesContext(connection) as queries:
        result = add_working_hours(starts, hours)

    assert len(queries) == 1  # the company's own days over the span: no query per node
    calendar = working_days(dt.date(2025, 8, 1), dt.date(2026, 3, 1))
    sample = rng.choice(10_000, 300, replace=False)
    for i in sample:
        assert result.iloc[i] == pd.Timestamp(_walked(starts.iloc[i], hours.iloc[i], calendar))
    assert result.notna().all()


ORDER_MAPPING = {
    "fields": {
        "external_id": "order_no",
        "submitted_at": "submitted",
        "source_created_at": "submitted",
        "merchandiser": "staff_no",
        "customer": "customer_code",
        "amount": "amount",
        "status": "state",
    },
    "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
}
NODE_MAPPING = {
    "fields": {
        "order": "order_no",
        "node": "node",
        "started_at": "started",
        "completed_at": "completed",
        "threshold_hours": "hours",
    },
    "lookups": {"order": "external_id"},
}


def test_a_synced_node_is_due_in_working_time_and_its_fractional_deadline_verifies(people):
    source = Source.objects.create(
        name="erp", kind="rest", mappings={"order": ORDER_MAPPING, "order_node": NODE_MAPPING}
    )
    records_push(
        source=source,
        record_type="order",
        rows=[
            {
                "order_no": "SO-1",
                "submitted": "2025-11-14 09:00:00",
                "staff_no": "E001",
                "customer_code": "C001",
                "amount": "100.00",
                "state": "confirmed",
            }
        ],
        trigger="webhook",
    )
    nodes = [
        {"order_no": "SO-1", "node": "requirement", "started": "2025-11-14 16:00:00",
         "completed": "2025-11-17 10:00:00", "hours": "24"},
        {"order_no": "SO-1", "node": "stock_check", "started": "2025-11-14 10:00:00",
         "completed": "", "hours": "0.29"},
    ]  # fmt: skip
    run = records_push(source=source, record_type="order_node", rows=nodes, trigger="webhook")
    assert (run.created, run.rejected) == (2, 0)

    stored = {n.node: n for n in OrderNode.objects.all()}
    assert stored["requirement"].due_at == local(2025, 11, 17, 16)  # Friday → Monday: on time
    assert stored["stock_check"].due_at == local(2025, 11, 14, 10, 17, 24)
    ledger_committed()
    assert ledger_verify().ok

    # The same rows again change nothing: the derived deadline equals the stored one.
    again = records_push(source=source, record_type="order_node", rows=nodes, trigger="webhook")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_new_nodes_beside_stored_ones_of_the_same_orders_leave_the_stored_ones_alone(people):
    """A batch's stored records are looked up by each key column apart (orders IN …, nodes IN …),
    which also finds stored nodes the batch does not hold: (SO-1, requirement) when the batch
    brings (SO-1, stock check) and (SO-2, requirement). Those must not be written again (they
    were, as "updated" with identical content, when a batch had no stored record of its own)."""
    source = Source.objects.create(
        name="erp", kind="rest", mappings={"order": ORDER_MAPPING, "order_node": NODE_MAPPING}
    )
    orders = [
        {"order_no": number, "submitted": "2025-11-12 09:00:00", "staff_no": "E001",
         "customer_code": "C001", "amount": "100.00", "state": "confirmed"}
        for number in ("SO-1", "SO-2")
    ]  # fmt: skip
    records_push(source=source, record_type="order", rows=orders, trigger="webhook")

    def node(order: str, name: str) -> dict:
        return {"order_no": order, "node": name, "started": "2025-11-12 10:00:00",
                "completed": "2025-11-12 12:00:00", "hours": "4"}  # fmt: skip

    first = [node("SO-1", "requirement"), node("SO-2", "stock_check")]
    second = [node("SO-1", "stock_check"), node("SO-2", "requirement")]
    records_push(source=source, record_type="order_node", rows=first, trigger="webhook")
    run = records_push(source=source, record_type="order_node", rows=second, trigger="webhook")

    assert (run.created, run.updated, run.unchanged) == (2, 0, 0)
    updates = LedgerEntry.objects.filter(record_type="order_node", action="updated")
    assert not updates.exists()
    assert OrderNode.objects.count() == 4


def test_a_node_saved_in_the_admin_or_by_an_appeal_gets_the_same_working_time_deadline():
    node = OrderNodeFactory(
        order=OrderFactory(), started_at=local(2025, 9, 30, 12), threshold_hours=Decimal("24.29")
    )
    assert node.due_at == local(2025, 10, 9, 12, 17, 24)


def test_long_node_thresholds_are_taken_up_to_the_companys_limit(people, settings):
    """Delivery to remote regions takes weeks: 50 days is a real threshold (it was refused
    beyond 31); beyond the company's limit (PERF_NODE_MAX_HOURS, 90 days by default) a row is
    refused, naming the limit, and the rows beside it land."""
    source = Source.objects.create(
        name="erp", kind="rest", mappings={"order": ORDER_MAPPING, "order_node": NODE_MAPPING}
    )
    order = {"order_no": "SO-1", "submitted": "2025-11-12 09:00:00", "staff_no": "E001",
             "customer_code": "C001", "amount": "100.00", "state": "confirmed"}  # fmt: skip
    records_push(source=source, record_type="order", rows=[order], trigger="webhook")

    def node(name: str, hours: str) -> dict:
        return {"order_no": "SO-1", "node": name, "started": "2025-11-12 10:00:00",
                "completed": "", "hours": hours}  # fmt: skip

    rows = [node("delivery", "1200"), node("transit", "2400")]
    with translation.override("en"):
        run = records_push(source=source, record_type="order_node", rows=rows, trigger="webhook")

    assert (run.created, run.rejected) == (1, 1)
    with translation.override("en"):
        reasons = worded(RejectedRow.objects.get(run=run).reasons)
    assert reasons == [
        {
            "field": "threshold_hours",
            "message": "longer than the longest node threshold this company allows (2160 hours)",
        }
    ]
    settings.PERF_NODE_MAX_HOURS = 3000
    again = records_push(source=source, record_type="order_node", rows=rows, trigger="webhook")
    assert (again.created, again.unchanged, again.rejected) == (1, 1, 0)
