"""A person's critical-incident log as people read it (a selector module).

Each incident reads as its day, its note, who noted it and the record it concerns in words
(``ingest.describe``): one query per kind of record however many incidents. A manager names the
record by the number the company knows it by (an order number, a ticket number), never by
perf's id; the number is looked up among the person's own records only."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ingest.describe import RECORD_PERSON, record_text, records_read, type_text
from ingest.record_types import LEDGERED_RECORD_TYPES
from org.models import Employee
from org.selectors import person_name
from reviews.errors import ReviewRefused
from reviews.models import Incident

# The kinds of record an incident names by number: those that count for one person and carry
# the company's number (a process node is its order's).
NUMBERED_KINDS = [kind for kind in RECORD_PERSON if kind != "order_node"]


@dataclass(frozen=True)
class IncidentLine:
    id: int
    day: dt.date
    note: str
    author: str
    record: str  # the record it concerns, in words; "" for none


def incident_lines(incidents: Iterable[Incident]) -> list[IncidentLine]:
    """The incidents as read on a page, in the order given (read them with
    ``author__employee``)."""
    incidents = list(incidents)
    records = records_read(
        (incident.record_type, incident.record_id)
        for incident in incidents
        if incident.record_type and incident.record_id is not None
    )
    lines = []
    for incident in incidents:
        record = ""
        if incident.record_type:
            found = records.get(incident.record_type, {}).get(incident.record_id)
            subject = (
                record_text(incident.record_type, found)
                if found is not None
                else type_text(incident.record_type)
            )
            record = subject.line()
        lines.append(
            IncidentLine(
                incident.pk, incident.day, incident.note, person_name(incident.author), record
            )
        )
    return lines


def record_id_by_number(employee: Employee, record_type: str, number: str) -> int:
    """The id of the person's record of that kind carrying that number, or a refusal naming
    the number's field. Another person's record with the number is not found, as in appeals."""
    model = LEDGERED_RECORD_TYPES[record_type].model
    ids = list(
        model.objects.filter(
            **{RECORD_PERSON[record_type]: employee}, external_id=number
        ).values_list("pk", flat=True)[:2]
    )
    if not ids:
        raise ReviewRefused(
            _("{name} has no {kind} numbered {number}.").format(
                name=employee.name, kind=model._meta.verbose_name, number=number
            ),
            field="record_number",
        )
    if len(ids) > 1:
        raise ReviewRefused(
            _(
                "Two sources each have a {kind} numbered {number}; "
                "leave the record out and say which in the note."
            ).format(kind=model._meta.verbose_name, number=number),
            field="record_number",
        )
    return ids[0]
