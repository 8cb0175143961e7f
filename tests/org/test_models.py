import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.factories import CustomerFactory, EmployeeFactory, TeamFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory", "field", "value", "message"),
    [
        (EmployeeFactory, "level", "expert", "Level must be junior, intermediate or senior."),
        (CustomerFactory, "tier", "gold", "Tier must be VIP, key account or regular."),
    ],
)
def test_unknown_choices_are_refused(factory, field, value, message):
    record = factory()
    setattr(record, field, value)
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    assert field in refused.value.message_dict  # the form error names the field
    with pytest.raises(ValidationError, match=message):
        record.validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


@pytest.mark.django_db
def test_a_team_cannot_be_its_own_parent():
    team = TeamFactory()
    team.parent = team
    with pytest.raises(ValidationError, match="A team cannot be its own parent"):
        team.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        team.save()


@pytest.mark.django_db
def test_employee_numbers_and_customer_ids_are_unique():
    employee = EmployeeFactory(employee_no="E1")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployeeFactory(employee_no="E1", team=employee.team)
    CustomerFactory(external_id="C1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(external_id="C1")
