"""Daylight saving: a local time its zone repeats (clocks put back) is read as its first
occurrence, one it skips (clocks put forward) is shifted forward by the gap; neither is refused,
and the run counts them. Europe/Berlin in 2025: 02:00–03:00 skipped on 30 March, repeated on
26 October."""

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.utils import translation

from ingest.models import Order, Source
from ingest.services import records_push
from ingest.values import source_instants

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

ORDER_MAPPING = {
    "timezone": "Europe/Berlin",
    "fields": {
        "external_id": "order_no",
        "submitted_at": "submitted",
        "source_created_at": "created",
        "merchandiser": "staff_no",
        "customer": "customer_code",
        "amount": "amount",
    },
    "constants": {"status": "submitted"},
    "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
}


def order(number: int, submitted: str, created: str | None = None) -> dict:
    return {
        "order_no": f"EU{number}",
        "submitted": submitted,
        "created": created or submitted,
        "staff_no": "E001",
        "customer_code": "C001",
        "amount": "10",
    }


@pytest.mark.parametrize(
    ("raw", "expected", "resolved"),
    [
        # The repeated hour: its first occurrence, still on summer time (UTC+2).
        ("2025-10-26 02:30:00", dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC), True),
        # The skipped hour: shifted forward by the gap, 03:30 summer time.
        ("2025-03-30 02:30:00", dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC), True),
        # Ordinary local times and times with their own offset are read as they are.
        ("2025-10-26 03:30:00", dt.datetime(2025, 10, 26, 2, 30, tzinfo=UTC), False),
        ("2025-10-26 02:30:00+01:00", dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC), False),
    ],
)
@pytest.mark.parametrize("mixed", [False, True])
def test_a_local_time_is_read_by_the_stated_rule(raw, expected, resolved, mixed):
    # With a time of another offset and a word beside it, values are parsed one by one.
    values = pd.Series([raw, *(["2025-01-01T00:00:00+08:00", "soon"] if mixed else [])])
    instants, ruled = source_instants(values, BERLIN)
    assert instants.iloc[0] == pd.Timestamp(expected)
    assert bool(ruled.iloc[0]) is resolved
    assert not ruled.iloc[1:].any()


def test_repeated_and_skipped_hours_are_taken_and_counted_on_the_run(as_user, people):
    source = Source.objects.create(name="eu-shop", kind="rest", mappings={"order": ORDER_MAPPING})
    rows = [
        order(1, "2025-10-26 02:30:00", created="2025-10-26 02:45:00"),  # two repeated times
        order(2, "2025-03-30 02:30:00", created="2025-03-30 04:00:00"),  # one skipped
        order(3, "2025-06-02 09:00:00"),
        order(4, "not a time"),  # still refused
    ]
    run = records_push(source=source, record_type="order", rows=rows, trigger="webhook")

    assert (run.created, run.rejected, run.local_times_resolved) == (3, 1, 3)
    submitted = dict(Order.objects.values_list("external_id", "submitted_at"))
    assert submitted["EU1"] == dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert submitted["EU2"] == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)

    client = as_user("hr")
    page = client.get(f"/sources/runs/{run.id}/", **ENGLISH).content.decode()
    assert 'data-testid="local-times-resolved">3<' in page
    assert "read as its first occurrence" in page and "shifted forward by the gap" in page
    detail = client.get(f"/api/v1/sync-runs/{run.id}/").json()
    assert detail["local_times_resolved"] == 3


def test_a_refused_row_does_not_count_its_resolved_times(people):
    source = Source.objects.create(name="eu-shop", kind="rest", mappings={"order": ORDER_MAPPING})
    rows = [order(1, "2025-10-26 02:30:00") | {"amount": "ten"}]
    with translation.override("en"):
        run = records_push(source=source, record_type="order", rows=rows, trigger="webhook")
    assert (run.created, run.rejected, run.local_times_resolved) == (0, 1, 0)
