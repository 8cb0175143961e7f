"""What can be appealed: which fields of which records, whose records they are, which indicators
a change to them moves, and how a claimed value is read."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ingest.record_types import RECORD_TYPES
from ingest.values import value_texts
from org.calendar import company_zone
from org.fields import PERIOD_YEARS, in_scored_years
from org.models import Employee


@dataclass(frozen=True)
class Appealable:
    """A record type's appealable fields and the indicators each field feeds (the person a
    record counts for is ``ingest.describe.RECORD_PERSON``'s)."""

    fields: dict[str, tuple[str, ...]]


SUBJECTS: dict[str, Appealable] = {
    "order": Appealable(
        fields={
            "confirmed_at": ("order_response_time",),
            "submitted_at": ("order_response_time", "order_volume"),
            "delivered_at": ("order_accuracy", "complaint_return_rate"),
            "merchandiser": ("order_volume", "order_response_time", "order_entry_accuracy"),
            "entry_errors": ("order_entry_accuracy",),
            "fulfilment_error": ("order_accuracy",),
            "has_complaint": ("complaint_return_rate",),
            "is_returned": ("complaint_return_rate",),
        },
    ),
    "order_node": Appealable(
        fields={"completed_at": ("node_on_time_rate",), "started_at": ("node_on_time_rate",)},
    ),
    "feedback": Appealable(
        fields={"employee": ("csat", "customer_sentiment"), "csat": ("csat",)},
    ),
    "follow_up": Appealable(
        fields={"employee": ("follow_up_count", "process_compliance")},
    ),
    "ticket": Appealable(
        fields={
            "employee": ("first_contact_resolution",),
            "contacts_until_resolved": ("first_contact_resolution",),
            "resolved_at": ("first_contact_resolution",),
        },
    ),
}


def field_for_indicator(record_type: str, indicator_code: str) -> str | None:
    """The field of a record to contest when the record was counted for an indicator (the first
    of the record type's appealable fields that feeds it)."""
    subject = SUBJECTS.get(record_type)
    if subject is None:
        return None
    return next((f for f, codes in subject.fields.items() if indicator_code in codes), None)


class SubjectError(ValueError):
    """The subject or the claimed value cannot be appealed as given; the message says why."""


def subject_field(record_type: str, field_name: str) -> models.Field:
    """The model field an appeal contests, or ``SubjectError`` in words (never the raw names
    the request carried)."""
    if record_type not in SUBJECTS:
        raise SubjectError(_("This kind of record cannot be appealed."))
    if field_name not in SUBJECTS[record_type].fields:
        raise SubjectError(
            _("{record_type}: this field cannot be appealed.").format(
                record_type=capfirst(RECORD_TYPES[record_type].model._meta.verbose_name)
            )
        )
    return RECORD_TYPES[record_type].model._meta.get_field(field_name)


def display_value(record: models.Model, field_name: str) -> str:
    """A field's value as people read it: local times, employee numbers, yes/no (the same
    words a sync's conflicting value is shown in, ``ingest.values.value_texts``)."""
    field = record._meta.get_field(field_name)
    value = pd.Series([getattr(record, field.attname)], dtype=object)
    return str(value_texts(field, value).iloc[0])


def _named(field: models.Field, message: str) -> str:
    return _("{field}: {message}").format(field=field.verbose_name, message=message)


def parse_claimed(field: models.Field, text: str):
    """The claimed value as the field's Python value (an Employee for attributions); naive
    times are company time. Checked against what the column holds (whole numbers within its
    range, decimals within their digits, choices, times within the years perf scores), so a
    claim that is accepted can be applied. ``SubjectError`` names the field and what is wrong."""
    text = (text or "").strip()
    if isinstance(field, models.ForeignKey):
        employee = Employee.objects.filter(employee_no=text).first()
        if employee is None:
            raise SubjectError(_("No employee has the number {number!r}.").format(number=text))
        return employee
    if isinstance(field, models.DateTimeField):
        # As typed, as a datetime-local picker sends it (with or without seconds), and as
        # Chinese dates are written (2026/12/02 14:30).
        patterns = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
        for pattern in (*patterns, "%Y/%m/%d %H:%M"):
            try:
                naive = dt.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
            except ValueError:
                continue
            # The years perf scores: a time in year 1 would be stored and then break every
            # period computed from it.
            if not in_scored_years(naive):
                first, last = PERIOD_YEARS
                raise SubjectError(
                    _named(
                        field,
                        _("choose a time between {first} and {last}.").format(
                            first=first, last=last
                        ),
                    )
                )
            return timezone.make_aware(naive, company_zone())
        raise SubjectError(_("Write the time as 2026-10-08 14:30, not {text!r}.").format(text=text))
    if isinstance(field, models.BooleanField):
        truth = {"true": True, "yes": True, "是": True, "false": False, "no": False, "否": False}
        if text.lower() not in truth:
            raise SubjectError(_("Answer yes or no."))
        return truth[text.lower()]
    try:
        # to_python, then the column's own checks: null/blank, choices, the integer range of
        # the column's type, a decimal's digits, a text's length.
        return field.clean(text, None)
    except ValidationError as error:
        raise SubjectError(_named(field, " ".join(error.messages))) from error
