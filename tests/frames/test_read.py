"""Frames read from the database keep unknown values unknown."""

import pytest

from frames.read import queryset_frame
from ingest.models import Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_flag_reads_as_unknown_not_false():
    known_bad = OrderFactory(fulfilment_error=True, is_returned=False)
    unknown = OrderFactory(fulfilment_error=None, is_returned=False)
    known_good = OrderFactory(fulfilment_error=False, is_returned=False)

    frame = queryset_frame(
        Order.objects.order_by("id"), ["id", "fulfilment_error", "is_returned"], "id"
    )

    assert frame["fulfilment_error"].to_dict() == {
        known_bad.pk: True, unknown.pk: None, known_good.pk: False,
    }  # fmt: skip
    assert frame["fulfilment_error"].isna().tolist() == [False, True, False]
    # A column without unknowns stays a plain boolean one.
    assert frame["is_returned"].dtype == bool and not frame["is_returned"].any()


def test_a_filter_that_can_match_nothing_reads_as_an_empty_frame():
    """``id__in=[]`` compiles to no SQL at all (Django raises EmptyResultSet inside)."""
    OrderFactory()

    frame = queryset_frame(Order.objects.filter(id__in=[]), ["id", "fulfilment_error"], "id")

    assert frame.empty and list(frame.columns) == ["fulfilment_error"]
