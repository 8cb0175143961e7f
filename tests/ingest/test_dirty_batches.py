"""A batch the database refuses: the rows a check of the table refuses are found in one query,
the others by halving the batch, never row by row; every good row lands and each bad one is
quarantined with its reason."""

from decimal import Decimal

import pytest

from ingest import writes
from ingest.models import Order, RejectedRow, Source
from ingest.services import records_push
from tests.ingest.conftest import worded
from tests.ingest.test_sync import ORDER_MAPPING, order_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

NEGATIVE = "An order's amount cannot be negative."


@pytest.fixture
def order_writes(monkeypatch) -> list[int]:
    """The size of every bulk write of orders (inserts and updates)."""
    sizes: list[int] = []
    for name in ("frame_bulk_load", "frame_bulk_update"):
        write = getattr(writes, name)

        def counted(model, part, *args, _write=write, **options):
            if model is Order:
                sizes.append(len(part))
            return _write(model, part, *args, **options)

        monkeypatch.setattr(writes, name, counted)
    return sizes


@pytest.fixture
def erp(people) -> Source:
    return Source.objects.create(name="erp-push", kind="rest", mappings={"order": ORDER_MAPPING})


def push(source: Source, rows: list[dict]):
    return records_push(source=source, record_type="order", rows=rows, trigger="webhook")


def reasons() -> dict[str, list[dict]]:
    """Each refused row's reasons as a reader sees them."""
    return {
        external_id: worded(stored)
        for external_id, stored in RejectedRow.objects.values_list("external_id", "reasons")
    }


def test_rows_a_check_refuses_are_found_in_one_query_not_by_halving(erp, order_writes):
    """Three negative amounts among 256 (validation lets them through, the table's check does
    not): one refused write, one query, one write of the 253 others."""
    bad = {17, 100, 200}
    rows = [order_row(n, **({"amount": "-5"} if n in bad else {})) for n in range(1, 257)]

    run = push(erp, rows)

    assert (run.created, run.rejected) == (253, 3)
    assert order_writes == [256, 253]
    assert reasons() == {
        f"SO{n:04d}": [{"field": "amount", "message": NEGATIVE}] for n in sorted(bad)
    }


def test_rows_the_database_refuses_otherwise_are_found_by_halving(erp, order_writes):
    """Two amounts beyond the field's fourteen digits among 256 (no check: the column's type
    refuses them): halved down to each, at most 1 + 2 · 2 · log2(256) = 33 writes where row by
    row took 257, and every good row lands."""
    bad = {17, 200}
    rows = [order_row(n, **({"amount": "1e13"} if n in bad else {})) for n in range(1, 257)]

    run = push(erp, rows)

    assert (run.created, run.rejected) == (254, 2)
    assert order_writes[0] == 256 and len(order_writes) <= 1 + 2 * 2 * 8
    assert reasons() == {
        f"SO{n:04d}": [
            {"field": "amount", "message": "the database refused the row: numeric field overflow"}
        ]
        for n in sorted(bad)
    }


def test_changed_records_a_check_refuses_keep_what_they_had(erp, order_writes):
    """Updates are judged on the whole record as it would become: the two turned negative are
    refused, the one changed sensibly is updated, the rest are unchanged."""
    push(erp, [order_row(n) for n in range(1, 11)])
    order_writes.clear()
    changed = {3: {"amount": "-1"}, 6: {"amount": "-2"}, 9: {"amount": "9.99"}}

    run = push(erp, [order_row(n, **changed.get(n, {})) for n in range(1, 11)])

    assert (run.created, run.updated, run.unchanged, run.rejected) == (0, 1, 7, 2)
    assert order_writes == [3, 1]
    amounts = dict(Order.objects.values_list("external_id", "amount"))
    assert (amounts["SO0003"], amounts["SO0006"]) == (Decimal("1003.50"), Decimal("1006.50"))
    assert amounts["SO0009"] == Decimal("9.99")
    assert set(reasons()) == {"SO0003", "SO0006"}


def test_checks_and_other_refusals_in_one_batch_are_all_found(erp):
    rows = [order_row(n) for n in range(1, 21)]
    rows[4]["amount"] = "-5"
    rows[11]["amount"] = "1e13"

    run = push(erp, rows)

    assert (run.created, run.rejected) == (18, 2)
    assert {key: value[0]["field"] for key, value in reasons().items()} == {
        "SO0005": "amount",
        "SO0012": "amount",
    }
