"""What the appeal form shows before anything is filed: the record or indicator described, its
value now, and the claimed value's input filled with it. The record is read through the same
scope filing uses, so the form never tells whether a colleague's record exists."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils.translation import gettext as _

from appeals.access import may_file_for
from appeals.describe import value_text
from appeals.errors import AppealRefused
from appeals.subjects import SubjectError, display_value, subject_field
from indicators.models import IndicatorDefinition
from ingest.describe import SubjectText, record_person_id, record_text
from ingest.record_types import RECORD_TYPES
from org.models import Employee
from org.periods import Period
from scoring.models import EmployeeScore


def record_for_filing(user: AbstractBaseUser, record_type: str, record_id: int) -> tuple:
    """The record and the person it counts for, if the user may appeal for them. A record that
    does not exist and one outside the user's scope get the same answer."""
    if record_type not in RECORD_TYPES:
        raise AppealRefused(_("Unknown record type."), field="record_type")
    record = RECORD_TYPES[record_type].model.objects.filter(pk=record_id).first()
    employee = None
    if record is not None:
        employee = Employee.objects.filter(pk=record_person_id(record_type, record)).first()
    if employee is None or not may_file_for(user, employee):
        raise AppealRefused(_("No such record."), field="record_id")
    return record, employee


def indicator_raw_text(employee: Employee, indicator: IndicatorDefinition, period: Period) -> str:
    """The person's current raw value of the indicator in the period ("" when not measured)."""
    raw = (
        EmployeeScore.objects.filter(
            employee=employee,
            is_current=True,
            period_kind=period.kind.value,
            period_start=period.start,
            indicators__indicator=indicator,
        )
        .values_list("indicators__raw", flat=True)
        .first()
    )
    return "" if raw is None else f"{raw:g}"


@dataclass(frozen=True)
class Filing:
    subject: SubjectText
    field_label: str  # the contested field's name ("" for an indicator)
    current: str  # its value now, in words
    field: models.Field | None  # the model field (its kind picks the input)
    initial: str  # the claimed value's input, filled with today's value
    employee: Employee


def filing_context(
    *,
    user: AbstractBaseUser,
    record_type: str = "",
    record_id: int | None = None,
    field_name: str = "",
    indicator_code: str = "",
    employee: Employee | None = None,
    period: Period | None = None,
) -> Filing:
    """The form's view of the subject; ``AppealRefused`` when it cannot be appealed by the
    user (the reason the filing itself would give)."""
    if record_id is not None:
        try:
            field = subject_field(record_type, field_name)
        except SubjectError as error:
            raise AppealRefused(str(error), field="field_name") from error
        record, employee = record_for_filing(user, record_type, record_id)
        stored = display_value(record, field_name)
        initial = stored
        if isinstance(field, models.DateTimeField) and stored:
            initial = stored.replace(" ", "T")  # what a datetime-local input reads
        elif isinstance(field, models.BooleanField) and stored:
            initial = "yes" if stored == "true" else "no"
        people = {employee.employee_no: employee.name}
        return Filing(
            subject=record_text(record_type, record),
            field_label=str(field.verbose_name),
            current=value_text(record_type, field_name, stored, people),
            field=field,
            initial=initial,
            employee=employee,
        )
    indicator = IndicatorDefinition.objects.filter(code=indicator_code).first()
    if indicator is None or employee is None or period is None:
        raise AppealRefused(_("Name the person, the indicator and the period."))
    if not may_file_for(user, employee):
        raise AppealRefused(_("You may not appeal for this person."))
    current = indicator_raw_text(employee, indicator, period)
    return Filing(
        subject=SubjectText(f"{indicator.name} · {period.label}"),
        field_label="",
        current=current or _("not measured"),
        field=None,
        initial=current,
        employee=employee,
    )
