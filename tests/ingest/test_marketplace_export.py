"""Issue 17's acceptance: a marketplace export of four files, with what real exports hold (orders
with lines of two sellers, a review id used twice, a delivery node of more than 30 days, a local
time the clocks went through twice, a carrier hand-over before the payment approval), configured
through mappings alone, synced with the counts, refusals and flags worked out by hand below; a
second sync writes nothing to the ledger, which verifies clean.

On top of ``tests.ingest.marketplace`` (its rows O1–O5 and R1–R3, read here as Berlin times):

- O4 now maps its carrier hand-over to ``shipped_at``: shipped before it was confirmed, so it is
  kept with that flag (its shipment node, completed before it started, is still refused);
- O6: delivered by a remote carrier, estimated 40 days after the hand-over: a 960-hour node;
- O7: purchased at 02:30 on the night Berlin's clocks go back, read as the first 02:30 (summer
  time, 00:30 UTC);
- a second review R1 (of O2): refused as a duplicate id, the first R1 kept.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ingest.ledger_verify import ledger_verify
from ingest.models import Feedback, LedgerEntry, Order, OrderNode, RejectedRow, Source, SyncStatus
from ingest.services import source_sync, sync_run_create
from tests.clock import LAST_MONTH, PINNED_NOW, at, stamp
from tests.ingest.conftest import ledger_committed, worded
from tests.ingest.marketplace import (
    ITEMS,
    ORDER_COLUMNS,
    ORDERS,
    REVIEWS,
    SELLERS,
    marketplace_mappings,
    write_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
BERLIN = ZoneInfo("Europe/Berlin")


def _clocks_go_back() -> dt.date:
    """The last Sunday of last year's October: Berlin lives 02:00–03:00 twice that night."""
    last = dt.date(PINNED_NOW.year - 1, 10, 31)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


NIGHT = _clocks_go_back()
# O6's delivery is estimated 40 days after its hand-over (a remote region).
REMOTE_ESTIMATE = f"{at(LAST_MONTH, 3, 10) + dt.timedelta(days=40):%Y-%m-%d %H:%M}"
ORDERS_MORE = [
    [
        "O6",
        "C001",
        "delivered",
        stamp(2, 9),
        stamp(2, 10),
        stamp(3, 10),
        stamp(25, 10),
        REMOTE_ESTIMATE,
        "0",
    ],
    [
        "O7",
        "C002",
        "delivered",
        f"{NIGHT:%Y-%m-%d} 02:30",
        f"{NIGHT:%Y-%m-%d} 09:00",
        f"{NIGHT + dt.timedelta(days=1):%Y-%m-%d} 09:00",
        f"{NIGHT + dt.timedelta(days=3):%Y-%m-%d} 09:00",
        f"{NIGHT + dt.timedelta(days=4):%Y-%m-%d} 09:00",
        "0",
    ],
]
ITEMS_MORE = [["O6", "1", "S1", "500"], ["O7", "1", "S2", "90"]]
REVIEWS_MORE = [["R1", "O2", "2", stamp(8, 10)]]


@pytest.fixture
def export(tmp_path, people, every_day_works) -> Source:
    files = {
        "orders": write_csv(tmp_path / "orders.csv", [ORDER_COLUMNS, *ORDERS, *ORDERS_MORE]),
        "items": write_csv(tmp_path / "order_items.csv", [*ITEMS, *ITEMS_MORE]),
        "sellers": write_csv(tmp_path / "sellers.csv", SELLERS),
        "reviews": write_csv(tmp_path / "reviews.csv", [*REVIEWS, *REVIEWS_MORE]),
    }
    mappings = marketplace_mappings(files)
    for mapping in mappings.values():
        mapping["timezone"] = "Europe/Berlin"
    mappings["order"]["fields"] |= {"shipped_at": "carrier_at", "delivered_at": "delivered_at"}
    return Source.objects.create(
        name="marketplace", kind="file", config={"path": files["orders"]}, mappings=mappings
    )


def test_the_export_syncs_with_the_counts_refusals_and_flags_worked_out_by_hand(export):
    run = source_sync(sync_run_create(source=export))

    assert run.status == SyncStatus.SUCCEEDED, run.error
    # Read: 7 order rows as orders, the same 7 as nodes, 4 reviews. Created: 6 orders (O5
    # refused), 9 nodes (O1, O2, O6, O7 two each; O4 its delivery), 2 reviews. Refused: O5, O4's
    # node row, R3 (unknown order) and the second R1. Skipped: O3's nodes (cancelled).
    assert (run.fetched, run.created, run.updated, run.rejected, run.skipped) == (18, 17, 0, 4, 1)
    assert run.flagged == 1  # O4, handed to the carrier before its payment was approved
    # O1, O4 and R1's order have lines of two sellers: the largest line's seller was taken.
    assert run.several_responsible == 3
    assert run.local_times_resolved == 2  # O7's purchase time, read into two of its fields

    orders = {order.external_id: order for order in Order.objects.all()}
    assert sorted(orders) == ["O1", "O2", "O3", "O4", "O6", "O7"]
    assert orders["O4"].quality_flags == ["shipped_before_confirmed"]
    assert [key for key, order in orders.items() if order.quality_flags] == ["O4"]
    # The first 02:30 of the night: still summer time (UTC+2).
    assert orders["O7"].submitted_at == dt.datetime(
        NIGHT.year, NIGHT.month, NIGHT.day, 0, 30, tzinfo=dt.UTC
    )
    assert orders["O6"].amount == Decimal("500.00")

    remote = OrderNode.objects.get(order__external_id="O6", node="delivery")
    assert remote.threshold_hours == Decimal("960.00")  # taken: more than 31 days, within 90
    assert OrderNode.objects.count() == 9

    assert sorted(Feedback.objects.values_list("external_id", "order__external_id")) == [
        ("R1", "O1"),  # the first R1, not the later one of O2
        ("R2", "O2"),
    ]
    refused = {
        (row.record_type, row.row_number): worded(row.reasons)
        for row in RejectedRow.objects.filter(run=run)
    }
    assert refused[("order", 6)] == [{"field": "amount", "message": "not a number: 'abc'"}]
    assert refused[("order_node", 5)] == [
        {
            "field": "shipment.completed_at",
            "message": "A node cannot be completed before it started.",
        }
    ]
    assert refused[("feedback", 5)] == [
        {
            "field": "external_id",
            "message": "Duplicate id in this fetch: an earlier row has the same id and was taken.",
        }
    ]
    assert {reason["field"] for reason in refused[("feedback", 4)]} >= {"order"}
    assert len(refused) == 4


def test_a_second_sync_writes_nothing_to_the_ledger_which_verifies_clean(export):
    source_sync(sync_run_create(source=export))
    entries = LedgerEntry.objects.count()

    again = source_sync(sync_run_create(source=export))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 17)
    assert LedgerEntry.objects.count() == entries
    ledger_committed()
    report = ledger_verify()
    assert report.findings == [], report.problem
