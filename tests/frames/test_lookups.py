"""``AnyOf``: filtering on a batch's many keys with one array parameter."""

import numpy as np
import pytest

from frames.lookups import AnyOf
from org.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_finds_the_rows_whose_field_is_among_the_values():
    wanted = CustomerFactory.create_batch(3)
    CustomerFactory()
    codes = [customer.external_id for customer in wanted] + ["NOBODY"]
    found = Customer.objects.filter(AnyOf("external_id", codes))
    assert sorted(found.values_list("pk", flat=True)) == sorted(c.pk for c in wanted)


def test_takes_numpy_values_and_an_empty_list():
    customers = CustomerFactory.create_batch(2)
    ids = np.array([customer.pk for customer in customers], dtype=np.int64)
    assert Customer.objects.filter(AnyOf("pk", ids)).count() == 2
    assert Customer.objects.filter(AnyOf("pk", [])).count() == 0


def test_sends_the_values_as_one_parameter_however_many():
    """5,000 keys as 5,000 placeholders cost a sync of 100,000 orders about 1.5 s of query
    building; as one array they cost nothing."""
    codes = [f"C{n}" for n in range(5000)]
    sql, params = Customer.objects.filter(AnyOf("external_id", codes)).query.sql_with_params()
    assert '"external_id" = ANY(%s)' in sql
    assert params == (codes,)
