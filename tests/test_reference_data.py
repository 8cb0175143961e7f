"""A transactional test empties every table when it ends; the reference data the migrations
wrote (roles, the indicator catalog, the default schemes) is written again for the tests after
it (tests/conftest.py). In one process the two tests run in this order."""

import pytest
from django.contrib.auth.models import Group

from indicators.models import IndicatorDefinition, WeightScheme


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_writes_something():
    Group.objects.create(name="emptied afterwards")


@pytest.mark.django_db(transaction=True)
def test_the_reference_data_is_back_after_it():
    assert not Group.objects.filter(name="emptied afterwards").exists()
    assert Group.objects.exists() and IndicatorDefinition.objects.exists()
    assert WeightScheme.objects.exists()


@pytest.mark.django_db
def test_and_for_a_test_in_a_transaction_too():
    assert IndicatorDefinition.objects.exists() and WeightScheme.objects.exists()
