"""What an appeal is about, in the words a person would use: the order number, the process node,
the customer, the field's name and its value, the node's deadline; an indicator by its name in
the reader's language. Never a table name, a field name or a row id (issue 19, point 1).

Reads only (a selector module): one query per record type however many appeals are described.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from appeals.models import Appeal
from appeals.subjects import SUBJECTS
from ingest.record_types import RECORD_TYPES
from org.models import Employee

# How each record type's related rows are read with it (the names it is described by).
_RELATED = {
    "order": ("customer",),
    "order_node": ("order__customer",),
    "feedback": ("customer", "order"),
    "follow_up": ("customer", "order"),
    "ticket": ("customer", "order"),
}


@dataclass(frozen=True)
class SubjectText:
    """An appeal's subject: ``record`` names the thing ("Order SO-1 · Logistics booking" or an
    indicator's name and month), ``field`` what about it is contested ("completed at"),
    ``context`` what helps judge it ("due 10-13 18:00")."""

    record: str
    field: str = ""
    context: str = ""

    def line(self, value: str = "") -> str:
        """One line: "Order SO-1 · Logistics booking · completed at 2026-10-14 16:20, due …"."""
        text = self.record
        if self.field:
            text = f"{text} · {self.field} {value}".rstrip()
        if self.context:
            text = _("{text}, {context}").format(text=text, context=self.context)
        return text


def _local(instant: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return "" if instant is None else f"{timezone.localtime(instant):{pattern}}"


def _order_name(order) -> str:
    """An order as people quote it: its number, or (entered in perf, no number) its customer
    and day."""
    if order.external_id:
        return _("Order {number}").format(number=order.external_id)
    return _("Order of {customer} on {day}").format(
        customer=order.customer.name, day=_local(order.submitted_at, "%Y-%m-%d")
    )


def record_text(record_type: str, record: models.Model) -> SubjectText:
    """The record, and the deadline it was held to where it has one (a process node)."""
    if record_type == "order":
        return SubjectText(f"{_order_name(record)} · {record.customer.name}")
    if record_type == "order_node":
        return SubjectText(
            f"{_order_name(record.order)} · {record.get_node_display()}",
            context=_("due {time}").format(time=_local(record.due_at, "%m-%d %H:%M")),
        )
    if record_type == "feedback":
        return SubjectText(
            _("Feedback from {customer}, {day}").format(
                customer=record.customer.name, day=_local(record.submitted_at)
            )
        )
    if record_type == "follow_up":
        return SubjectText(
            _("Follow-up with {customer}, {day}").format(
                customer=record.customer.name, day=_local(record.occurred_at)
            )
        )
    if record_type == "ticket":
        text = _("Ticket from {customer}, opened {day}").format(
            customer=record.customer.name, day=_local(record.opened_at)
        )
        return SubjectText(f"{text} · {record.subject}" if record.subject else text)
    return SubjectText(capfirst(str(RECORD_TYPES[record_type].label)))


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


def appeals_describe(appeals: Iterable[Appeal]) -> dict[int, AppealText]:
    """Appeal id → its text. One query per record type named and one for the people
    attributions name, however many appeals (the list of 200 costs at most six)."""
    appeals = list(appeals)
    wanted: dict[str, set[int]] = defaultdict(set)
    numbers: set[str] = set()
    for appeal in appeals:
        if appeal.record_type in SUBJECTS and appeal.record_id is not None:
            wanted[appeal.record_type].add(appeal.record_id)
            numbers |= {appeal.current_value, appeal.claimed_value}
    records = {
        record_type: RECORD_TYPES[record_type]
        .model.objects.select_related(*_RELATED.get(record_type, ()))
        .in_bulk(sorted(ids))
        for record_type, ids in wanted.items()
    }
    people = {}
    if numbers - {""}:
        people = dict(
            Employee.objects.filter(employee_no__in=numbers - {""}).values_list(
                "employee_no", "name"
            )
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
            else SubjectText(capfirst(str(RECORD_TYPES[appeal.record_type].label)))
        )
        kind, name = appeal.record_type, appeal.field_name
        texts[appeal.pk] = AppealText(
            SubjectText(subject.record, field_label(kind, name), subject.context),
            value_text(kind, name, appeal.current_value, people),
            value_text(kind, name, appeal.claimed_value, people),
        )
    return texts


def appeal_describe(appeal: Appeal) -> AppealText:
    return appeals_describe([appeal])[appeal.pk]
