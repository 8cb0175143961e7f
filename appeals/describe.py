"""What an appeal is about, in the words a person would use: the record as
``ingest.describe`` names it, the field's name and its value; an indicator by its name in the
reader's language. Never a table name, a field name or a row id (issue 19, point 1).

Reads only (a selector module): one query per record type however many appeals are described.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from appeals.models import Appeal
from appeals.subjects import SUBJECTS
from ingest.describe import SubjectText, record_text, records_read, type_text
from ingest.record_types import RECORD_TYPES
from org.models import Employee
from org.selectors import employees_visible_to


def field_label(record_type: str, field_name: str) -> str:
    """The contested field's name as the reader's language says it."""
    field = RECORD_TYPES[record_type].model._meta.get_field(field_name)
    return str(field.verbose_name)


def value_text(
    record_type: str, field_name: str, text: str, people: dict[str, str] | None = None
) -> str:
    """A field's value as stored on an appeal (``subjects.display_value``'s text) in words:
    yes/no, a person by name and number, "not recorded" for nothing."""
    if not text:
        return _("not recorded")
    field = RECORD_TYPES[record_type].model._meta.get_field(field_name)
    if isinstance(field, models.BooleanField):
        truth = {"true": _("yes"), "false": _("no")}
        return truth.get(text.lower(), text)
    if isinstance(field, models.ForeignKey) and field.related_model is Employee:
        name = (people or {}).get(text)
        return f"{name} ({text})" if name else text
    return text


def indicator_text(appeal: Appeal) -> SubjectText:
    return SubjectText(f"{appeal.indicator.name} · {appeal.period_start:%Y-%m}")


@dataclass(frozen=True)
class AppealText:
    """An appeal as read on a page or in a message: its subject, the value when filed and the
    claimed one, in words."""

    subject: SubjectText
    current: str
    claimed: str

    @property
    def line(self) -> str:
        return self.subject.line(self.current)


def appeals_describe(
    appeals: Iterable[Appeal], viewer: AbstractBaseUser | None = None
) -> dict[int, AppealText]:
    """Appeal id → its text. One query per record type named and one for the people
    attributions name, however many appeals (the list of 200 costs at most six).

    A person an attribution names is named only if the appeal is about them or ``viewer`` may
    see them (nobody else for a message sent to several people); anyone else is their employee
    number alone, so that claiming a number never reveals whose it is."""
    appeals = list(appeals)
    of_records = [
        appeal
        for appeal in appeals
        if appeal.record_type in SUBJECTS and appeal.record_id is not None
    ]
    records = records_read((appeal.record_type, appeal.record_id) for appeal in of_records)
    numbers = {value for a in of_records for value in (a.current_value, a.claimed_value)}
    people = {}
    if numbers - {""}:
        seen = employees_visible_to(viewer) if viewer is not None else Employee.objects.none()
        concerned = {appeal.employee_id for appeal in appeals}
        people = dict(
            Employee.objects.filter(employee_no__in=numbers - {""})
            .filter(Q(pk__in=seen.values("pk")) | Q(pk__in=concerned))
            .values_list("employee_no", "name")
        )
    texts = {}
    for appeal in appeals:
        if appeal.indicator_id is not None:
            texts[appeal.pk] = AppealText(
                indicator_text(appeal),
                appeal.current_value or _("not measured"),
                appeal.claimed_value,
            )
            continue
        record = records.get(appeal.record_type, {}).get(appeal.record_id)
        subject = (
            record_text(appeal.record_type, record)
            if record is not None
            else type_text(appeal.record_type)
        )
        kind, name = appeal.record_type, appeal.field_name
        texts[appeal.pk] = AppealText(
            SubjectText(subject.record, field_label(kind, name), subject.context),
            value_text(kind, name, appeal.current_value, people),
            value_text(kind, name, appeal.claimed_value, people),
        )
    return texts


def appeal_describe(appeal: Appeal, viewer: AbstractBaseUser) -> AppealText:
    return appeals_describe([appeal], viewer)[appeal.pk]
