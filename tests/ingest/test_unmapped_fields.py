"""A field a source's mapping does not fill is unknown, stored NULL (never a model default), and
the ledger hashes it as null; a mapping's constant or a later sync that maps it fills it."""

import json

import pytest

from ingest.ledger_verify import ledger_verify
from ingest.models import LedgerEntry, Order, Source
from ingest.services import records_push
from tests.ingest.conftest import ledger_committed
from tests.ingest.test_sync import ORDER_MAPPING, order_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
ERROR_FIELDS = ("entry_errors", "fulfilment_error", "is_returned", "is_refunded", "has_complaint")


def _push(mapping: dict, rows: list[dict]):
    source, _ = Source.objects.get_or_create(name="erp-push", kind="rest")
    source.mappings = {"order": mapping}
    source.save(update_fields=["mappings"])
    return records_push(source=source, record_type="order", rows=rows, trigger="webhook")


def test_fields_the_mapping_does_not_fill_are_stored_null_and_hashed_as_null(people):
    run = _push(ORDER_MAPPING, [order_row(1), order_row(2)])
    assert (run.created, run.rejected) == (2, 0)
    assert set(Order.objects.values_list(*ERROR_FIELDS)) == {(None,) * 5}
    content = json.loads(LedgerEntry.objects.filter(record_type="order").latest("id").content)
    assert all(content[name] is None for name in ERROR_FIELDS)
    ledger_committed()
    assert ledger_verify().ok


def test_a_constant_or_a_mapped_column_fills_them(people):
    with_constants = ORDER_MAPPING | {"constants": {"entry_errors": 0, "has_complaint": False}}
    _push(with_constants, [order_row(1)])
    order = Order.objects.get()
    assert (order.entry_errors, order.has_complaint, order.fulfilment_error) == (0, False, None)

    # The ERP starts sending fulfilment errors: the next sync of the row fills that field only.
    mapped = with_constants | {
        "fields": ORDER_MAPPING["fields"] | {"fulfilment_error": "wrong_item"}
    }
    _push(mapped, [order_row(1, wrong_item="1")])
    order.refresh_from_db()
    assert (order.entry_errors, order.fulfilment_error, order.is_returned) == (0, True, None)
    ledger_committed()
    assert ledger_verify().ok
