"""Records in the words a person would use: the order number, the process node, the customer, the
day, the node's deadline. Never a table name, a field name or a row id. Appeals and critical
incidents name their records with these.

Reads only (a selector module): one query per record type however many records are named.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ingest.record_types import LEDGERED_RECORD_TYPES

# How each record type's related rows are read with it (the names it is described by).
RECORD_RELATED = {
    "order": ("customer",),
    "order_node": ("order__customer",),
    "feedback": ("customer", "order"),
    "follow_up": ("customer", "order"),
    "ticket": ("customer", "order"),
}
# The path from a record to the person it counts for.
RECORD_PERSON = {
    "order": "merchandiser",
    "order_node": "order__merchandiser",
    "feedback": "employee",
    "follow_up": "employee",
    "ticket": "employee",
    "exception_case": "handler",
    "suggestion": "employee",
    "training": "employee",
    "peer_review": "reviewee",
}


@dataclass(frozen=True)
class SubjectText:
    """A record named: ``record`` names the thing ("Order SO-1 · Logistics booking" or an
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
    return type_text(record_type)


def type_text(record_type: str) -> SubjectText:
    """A record known by its kind only (it is gone, or its kind has no better name)."""
    return SubjectText(capfirst(str(LEDGERED_RECORD_TYPES[record_type].label)))


def records_read(wanted: Iterable[tuple[str, int]]) -> dict[str, dict[int, models.Model]]:
    """Record type → id → the record with the rows it is described by, for the (type, id)
    pairs given: one query per record type. Records that are gone are absent."""
    ids: dict[str, set[int]] = {}
    for record_type, record_id in wanted:
        ids.setdefault(record_type, set()).add(record_id)
    return {
        record_type: LEDGERED_RECORD_TYPES[record_type]
        .model.objects.select_related(*RECORD_RELATED.get(record_type, ()))
        .in_bulk(sorted(type_ids))
        for record_type, type_ids in ids.items()
    }


def record_person_id(record_type: str, record: models.Model) -> int | None:
    """The id of the employee the record counts for (None when it counts for nobody yet)."""
    value = record
    for step in RECORD_PERSON[record_type].split("__"):
        value = getattr(value, step)
        if value is None:
            return None
    return value.pk
