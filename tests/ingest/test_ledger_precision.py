"""The ledger hashes records as the database keeps them: what a sync batch hashes is what
``verify_ledger`` reads back, so untouched data never looks tampered with and a re-sync of the
same rows writes no entry. Dates are fixed historical ones (no clock arithmetic)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.core.management import call_command

import ingest.record_types
from ingest.ledger import canonical_contents
from ingest.ledger_verify import ledger_verify
from ingest.models import LedgerEntry, Order, OrderNode, RejectedRow, Source
from ingest.record_types import RECORD_TYPES
from ingest.records import record_values
from ingest.services import source_sync, sync_run_create
from tests.ingest.conftest import ledger_committed
from tests.ingest.test_node_due import NODE_MAPPING, ORDER_MAPPING

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

ORDER_HEADER = "order_no,submitted,staff_no,customer_code,amount,state"
ORDERS = [
    # An amount with more places than the field's two, sub-microsecond, aware and naive times.
    "SO-1,2025-11-12 09:00:00.1234567,E001,C001,12.345,confirmed",
    "SO-2,2025-11-12T01:00:00.999999999+00:00,E002,C002,0.125,confirmed",
    "SO-3,2025-11-13 17:30:59.5,E001,C002,2.675,submitted",
    "SO-4,2025-11-14 09:00:00,E002,C001,123456789012.34,confirmed",
    # Rounds to zero from below: "-0.00" would be hashed, 0.00 stored.
    "SO-5,2025-11-14 09:00:00,E002,C001,-0.004,confirmed",
    # Too large for the field's 14 digits: the database refuses it, alone.
    "SO-6,2025-11-14 09:00:00,E002,C001,10000000000000,confirmed",
]
NODE_HEADER = "order_no,node,started,completed,hours"
# Nodes of the same orders on both sides of every batch boundary (batches of two rows): the
# second batch's key lookup (orders IN …, nodes IN …) also finds the first batch's nodes.
NODES = [
    "SO-1,requirement,2025-11-12 10:00:00.7654321,2025-11-12 12:00:00,7.777",
    "SO-2,stock_check,2025-11-12 10:00:00,,0.29",
    "SO-1,stock_check,2025-11-14 16:00:00,2025-11-17 10:00:00,24.005",
    "SO-2,requirement,2025-11-14 16:00:00.000001,,1.3333333",
    "SO-3,requirement,2025-11-13 18:00:00,,0.01",
    "SO-4,requirement,2025-11-14 09:30:00,2025-11-14 10:00:00,719.99",
]


def file_source(tmp_path) -> Source:
    """A file source of two CSV files (orders, nodes), each mapping reading its own file."""
    files = {}
    for name, header, lines in [("orders", ORDER_HEADER, ORDERS), ("nodes", NODE_HEADER, NODES)]:
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return Source.objects.create(
        name="erp-export",
        kind="file",
        config={"path": str(files["orders"])},
        mappings={
            "order": ORDER_MAPPING,
            "order_node": {**NODE_MAPPING, "fetch": {"path": str(files["nodes"])}},
        },
    )


def sync(source: Source, batch_size: int = 2):
    return source_sync(sync_run_create(source=source), batch_size=batch_size)


def test_a_synced_file_with_odd_precision_verifies_and_hashes_as_stored(people, tmp_path):
    source = file_source(tmp_path)

    run = sync(source)

    assert (run.status, run.created, run.updated, run.rejected) == ("succeeded", 11, 0, 1)
    amounts = dict(Order.objects.values_list("external_id", "amount"))
    assert amounts["SO-1"] == Decimal("12.34") and amounts["SO-4"] == Decimal("123456789012.34")
    assert amounts["SO-5"] == Decimal("0.00") and "SO-6" not in amounts
    (refused,) = RejectedRow.objects.all()
    assert (refused.external_id, refused.reasons[0]["field"]) == ("SO-6", "amount")
    submitted = Order.objects.get(external_id="SO-1").submitted_at
    assert submitted == dt.datetime(2025, 11, 12, 9, tzinfo=SHANGHAI)  # as validation keeps it
    node = OrderNode.objects.get(order__external_id="SO-1", node="requirement")
    assert node.threshold_hours == Decimal("7.78")
    assert node.due_at == dt.datetime(2025, 11, 12, 17, 46, 48, tzinfo=SHANGHAI)  # 7.78 h later
    # Every entry holds what the database holds now, field by field.
    for key, model in [("order", Order), ("order_node", OrderNode)]:
        spec = RECORD_TYPES[key]
        stored = canonical_contents(spec, record_values(spec, model.objects.all()))
        entries = dict(
            LedgerEntry.objects.filter(record_type=key).values_list("record_id", "content")
        )
        assert entries == stored.to_dict()
    ledger_committed()
    assert ledger_verify().ok
    call_command("verify_ledger")  # exits 1 on any finding


def test_syncing_unchanged_data_again_writes_no_entry_and_counts_everything_unchanged(
    people, tmp_path
):
    source = file_source(tmp_path)
    sync(source)
    entries = LedgerEntry.objects.count()

    again = sync(source, batch_size=3)

    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 11, 1)
    assert LedgerEntry.objects.count() == entries
    assert not Order.history.filter(history_type="~").exists()
    assert not OrderNode.history.filter(history_type="~").exists()
    ledger_committed()
    assert ledger_verify().ok


def test_computed_times_finer_than_a_second_are_hashed_as_stored(people, tmp_path, monkeypatch):
    """A time perf computes (a deadline; a mapping's time expression) may fall between seconds;
    the batch is compared and hashed as the database keeps it, so it verifies and a re-sync
    finds it unchanged."""
    working_hours = ingest.record_types.add_working_hours
    monkeypatch.setattr(
        ingest.record_types,
        "add_working_hours",
        lambda starts, hours: working_hours(starts, hours) + pd.Timedelta("0.5000007s"),
    )
    source = file_source(tmp_path)

    sync(source)
    again = sync(source)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    ledger_committed()
    assert ledger_verify().ok


def test_a_first_sync_with_nodes_of_orders_across_batch_boundaries_writes_no_update(
    people, tmp_path
):
    """Fixed in 4aeb4bb: a batch whose rows were all new rewrote the stored nodes its key
    lookup also found, as "updated" entries with identical content."""
    run = sync(file_source(tmp_path), batch_size=2)

    assert (run.created, run.updated, run.unchanged) == (11, 0, 0)
    assert run.batches == 6  # three batches of orders, three of nodes
    assert not LedgerEntry.objects.filter(action="updated").exists()
    assert LedgerEntry.objects.filter(record_type="order_node", action="created").count() == 6


def test_the_ledger_reads_a_sync_batchs_values_as_the_database_gives_them_back():
    """The same node as a batch holds it (floats, pandas instants with nanoseconds, naive
    dates) and as the database returns it (Decimal, datetime) has one canonical content."""
    spec = RECORD_TYPES["order_node"]
    batch = pd.DataFrame(
        {
            "order_id": pd.array([7], dtype="Int64"),
            "node": ["requirement"],
            "started_at": [pd.Timestamp("2025-11-12 02:00:00.123456789", tz="UTC")],
            "completed_at": [pd.NaT],
            "threshold_hours": [7.78],
            "due_at": [pd.Timestamp("2025-11-12 09:46:48.123456", tz="UTC")],
        }
    )
    stored = pd.DataFrame(
        {
            "order_id": [7],
            "node": ["requirement"],
            "started_at": [dt.datetime(2025, 11, 12, 10, 0, 0, 123456, tzinfo=SHANGHAI)],
            "completed_at": [None],
            "threshold_hours": [Decimal("7.78")],
            "due_at": [dt.datetime(2025, 11, 12, 9, 46, 48, 123456, tzinfo=dt.UTC)],
        }
    )
    assert canonical_contents(spec, batch).tolist() == canonical_contents(spec, stored).tolist()
