"""Rules that real data breaks: times recorded by different parties in an unlikely order are kept
with data-quality flags and listed in the source's report; what no business can do is still
refused, and the nodes and reviews of a refused order say why. Fixed historical dates (a sync
does not depend on today)."""

import datetime as dt
import sqlite3

import pytest

from ingest.ledger_verify import ledger_verify
from ingest.models import Feedback, LedgerEntry, Order, OrderNode, RejectedRow, Source
from ingest.services import records_push, source_sync, sync_run_create
from tests.factories import OrderFactory
from tests.ingest.conftest import ledger_committed, worded

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


# A marketplace's export: the payment is approved by the seller's system, the carrier's scan
# says when it took the parcel, the carrier again when the customer got it.
ORDER_MAPPING = {
    "timezone": "Asia/Shanghai",
    "fields": {
        "external_id": "order_no",
        "submitted_at": "purchased",
        "source_created_at": "purchased",
        "confirmed_at": "approved",
        "shipped_at": "carrier",
        "delivered_at": "delivered",
        "merchandiser": "seller",
        "customer": "buyer",
        "amount": "amount",
        "status": "state",
    },
    "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
}
NODE_MAPPING = {
    "timezone": "Asia/Shanghai",
    "fields": {
        "order": "order_no",
        "node": "node",
        "started_at": "started",
        "completed_at": "completed",
        "threshold_hours": "hours",
    },
    "lookups": {"order": "external_id"},
}
REVIEW_MAPPING = {
    "timezone": "Asia/Shanghai",
    "fields": {
        "external_id": "review_id",
        "order": "order_no",
        "customer": "buyer",
        "employee": "seller",
        "csat": "score",
        "submitted_at": "answered",
    },
    "lookups": {"order": "external_id", "customer": "external_id", "employee": "employee_no"},
}


def order(number: int, **changes) -> dict:
    row = {
        "order_no": f"MO{number}",
        "purchased": "2025-06-02 09:00:00",
        "approved": "2025-06-02 10:00:00",
        "carrier": "2025-06-03 15:00:00",
        "delivered": "2025-06-06 12:00:00",
        "seller": "E001",
        "buyer": "C001",
        "amount": "199.00",
        "state": "delivered",
    }
    return row | changes


def push(source: Source, record_type: str, rows: list[dict]):
    return records_push(source=source, record_type=record_type, rows=rows, trigger="webhook")


@pytest.fixture
def marketplace(people) -> Source:
    return Source.objects.create(
        name="marketplace",
        kind="rest",
        mappings={"order": ORDER_MAPPING, "order_node": NODE_MAPPING, "feedback": REVIEW_MAPPING},
    )


def test_a_hand_over_before_payment_approval_is_kept_with_its_flag(marketplace):
    # MO2: the carrier took it at 09:30, the payment was approved at 10:00.
    rows = [order(1), order(2, carrier="2025-06-02 09:30:00"), order(3, approved="")]
    run = push(marketplace, "order", rows)

    assert (run.created, run.rejected, run.flagged) == (3, 0, 2)
    flags = dict(Order.objects.values_list("external_id", "quality_flags"))
    assert flags == {
        "MO1": None,
        "MO2": ["shipped_before_confirmed"],
        "MO3": ["shipped_unconfirmed"],
    }
    shipped = Order.objects.get(external_id="MO2").shipped_at
    assert shipped == dt.datetime(2025, 6, 2, 1, 30, tzinfo=dt.UTC)  # as the carrier said


def test_delivered_before_submitted_is_still_refused_with_the_rules_words(marketplace):
    rows = [order(1), order(2, delivered="2025-06-01 12:00:00", carrier="")]
    run = push(marketplace, "order", rows)

    assert (run.created, run.rejected) == (1, 1)
    assert worded(RejectedRow.objects.get(run=run).reasons) == [
        {
            "field": "delivered_at",
            "message": "An order cannot be delivered before the customer submitted it.",
        }
    ]


def test_the_sources_report_counts_flags_and_lists_the_latest_with_both_times(as_user, marketplace):
    rows = [
        order(1),
        order(2, carrier="2025-06-02 09:30:00"),
        order(3, carrier="2025-06-02 09:45:00"),
        order(4, delivered="2025-06-03 14:00:00"),  # the carrier's scans disagree
    ]
    push(marketplace, "order", rows)

    page = as_user("hr").get(f"/sources/{marketplace.id}/", **ENGLISH).content.decode()
    counts = page[page.index('data-testid="quality-counts"') :]
    assert 'data-flag="shipped_before_confirmed"><td>Orders</td><td>Shipped before it was' in counts
    latest = page[page.index('data-testid="quality-latest"') :]
    assert latest.count('data-testid="flagged-record"') == 3
    # Shanghai time on the page (the company's zone): 09:30 there.
    assert "<td>MO2</td><td>Shipped before it was confirmed</td>" in latest
    assert "Confirmed at 2025-06-02 10:00 · shipped at 2025-06-02 09:30" in latest

    report = as_user("hr").get(f"/api/v1/sources/{marketplace.id}/quality/", **ENGLISH).json()
    assert [(c["flag"], c["count"]) for c in report["counts"]] == [
        ("shipped_before_confirmed", 2),
        ("delivered_before_shipped", 1),
    ]
    mo2 = next(line for line in report["latest"] if line["external_id"] == "MO2")
    assert mo2 | {"record_id": None} == {
        "record_type": "order",
        "record_id": None,
        "external_id": "MO2",
        "flag": "shipped_before_confirmed",
        "label": "Shipped before it was confirmed",
        "earlier_field": "confirmed_at",
        "earlier_label": "confirmed at",
        "earlier_at": "2025-06-02T10:00:00+08:00",
        "later_field": "shipped_at",
        "later_label": "shipped at",
        "later_at": "2025-06-02T09:30:00+08:00",
    }


@pytest.mark.parametrize(("role", "status"), [("east_a", 403), ("east_manager", 403)])
def test_the_report_is_for_those_who_operate_sources(as_user, marketplace, role, status):
    assert as_user(role).get(f"/api/v1/sources/{marketplace.id}/quality/").status_code == status
    assert as_user(role).get(f"/sources/{marketplace.id}/").status_code in (403, 404)
    assert as_user("hr").get("/api/v1/sources/999999/quality/").status_code == 404


def test_the_source_page_reads_the_report_in_a_bounded_number_of_queries(
    as_user, marketplace, django_assert_max_num_queries
):
    push(marketplace, "order", [order(n, carrier="2025-06-02 09:30:00") for n in range(1, 30)])
    client = as_user("hr")
    with django_assert_max_num_queries(10):  # 8, the open conflicts, the unread notices
        page = client.get(f"/sources/{marketplace.id}/")
    assert page.content.decode().count('data-testid="flagged-record"') == 20


def test_a_resync_of_flagged_orders_writes_nothing_and_the_ledger_verifies(marketplace):
    rows = [order(1, carrier="2025-06-02 09:30:00"), order(2)]
    push(marketplace, "order", rows)
    entries = LedgerEntry.objects.count()
    again = push(marketplace, "order", rows)

    assert (again.created, again.updated, again.unchanged, again.flagged) == (0, 0, 2, 1)
    assert LedgerEntry.objects.count() == entries
    ledger_committed()
    assert ledger_verify().ok


def test_a_correction_clears_the_flag_and_an_edit_sets_it(marketplace):
    push(marketplace, "order", [order(1, carrier="2025-06-02 09:30:00")])
    push(marketplace, "order", [order(1, carrier="2025-06-02 11:30:00")])
    assert Order.objects.get(external_id="MO1").quality_flags is None

    edited = OrderFactory()  # an edit in the admin or an approved appeal saves the model
    edited.shipped_at = edited.confirmed_at - dt.timedelta(minutes=5)
    edited.save(update_fields=["shipped_at"])
    edited.refresh_from_db()
    assert edited.quality_flags == ["shipped_before_confirmed"]


# ---- a refused order's nodes and reviews ---------------------------------------------------


def _erp(path) -> None:
    """One database with the marketplace's orders, their nodes and their reviews: MO2 has a
    purchase time that is no time, MO3 a payment approved before it was bought."""
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE orders (order_no TEXT, purchased TEXT, approved TEXT, carrier TEXT,
                delivered TEXT, seller TEXT, buyer TEXT, amount TEXT, state TEXT);
            INSERT INTO orders VALUES
              ('MO1', '2025-06-02 09:00', '2025-06-02 10:00', NULL, NULL, 'E001', 'C001',
               '10', 'confirmed'),
              ('MO2', '六月二日', '2025-06-02 10:00', NULL, NULL, 'E001', 'C001',
               '20', 'confirmed'),
              ('MO3', '2025-06-02 09:00', '2025-06-01 10:00', NULL, NULL, 'E001', 'C001',
               '30', 'confirmed');
            CREATE TABLE nodes (order_no TEXT, node TEXT, started TEXT, completed TEXT,
                hours TEXT);
            INSERT INTO nodes VALUES
              ('MO1', 'stock_check', '2025-06-02 10:00', NULL, '24'),
              ('MO2', 'stock_check', '2025-06-02 10:00', NULL, '24'),
              ('MO3', 'stock_check', '2025-06-02 10:00', NULL, '24'),
              ('MO9', 'stock_check', '2025-06-02 10:00', NULL, '24');
            CREATE TABLE reviews (review_id TEXT, order_no TEXT, buyer TEXT, seller TEXT,
                score INTEGER, answered TEXT);
            INSERT INTO reviews VALUES
              ('R1', 'MO1', 'C001', 'E001', 5, '2025-06-07 10:00'),
              ('R2', 'MO2', 'C001', 'E001', 4, '2025-06-07 10:00');
            """
        )


def test_a_refused_orders_nodes_and_reviews_say_the_order_was_refused_and_why(tmp_path, people):
    _erp(tmp_path / "erp.sqlite3")
    mappings = {
        "order": ORDER_MAPPING | {"fetch": {"query": "SELECT * FROM orders"}},
        "order_node": NODE_MAPPING | {"fetch": {"query": "SELECT * FROM nodes"}},
        "feedback": REVIEW_MAPPING | {"fetch": {"query": "SELECT * FROM reviews"}},
    }
    source = Source.objects.create(
        name="marketplace",
        kind="sql",
        config={"engine": "sqlite", "path": str(tmp_path / "erp.sqlite3")},
        mappings=mappings,
    )
    run = source_sync(sync_run_create(source=source))

    assert (Order.objects.count(), OrderNode.objects.count(), Feedback.objects.count()) == (1, 1, 1)
    refused = {
        (row.record_type, row.row_number): worded(row.reasons)
        for row in RejectedRow.objects.filter(run=run).exclude(record_type="order")
    }
    assert refused == {
        ("order_node", 2): [
            {
                "field": "order",
                "message": "its order 'MO2' was refused in this sync: "
                "customer submitted at: not a date and time: '六月二日'; "
                "created in source system at: not a date and time: '六月二日'",
            }
        ],
        ("order_node", 3): [
            {
                "field": "order",
                "message": "its order 'MO3' was refused in this sync: "
                "confirmed at: An order cannot be confirmed before the customer submitted it.",
            }
        ],
        # Never synced at all: unknown, as before.
        ("order_node", 4): [
            {"field": "order", "message": "unknown order 'MO9' (looked up by external id)"}
        ],
        ("feedback", 2): [
            {
                "field": "order",
                "message": "its order 'MO2' was refused in this sync: "
                "customer submitted at: not a date and time: '六月二日'; "
                "created in source system at: not a date and time: '六月二日'",
            }
        ],
    }
