"""The record types a source can feed (and those entered otherwise but ledgered alike): each
one's model, the natural key an upsert matches on, how its relations are looked up, the fields
perf derives, and the instant that places a record in a scoring period."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from ingest.models import (
    ORDER_QUALITY_RULES,
    ExceptionCase,
    Feedback,
    FollowUp,
    Order,
    OrderNode,
    PeerReview,
    Suggestion,
    Ticket,
    TimeOrderRule,
    TrainingRecord,
)
from org.calendar import add_working_hours, company_zone
from org.import_files import COLUMN_LABELS
from org.models import Customer, Employee
from org.periods import Period
from org.reasons import Reason

# Fields perf maintains itself: never mapped, never part of a record's canonical content (the
# data-quality flags follow from the content, by rules that may change).
OWN_FIELDS = {"id", "created_at", "updated_at", "quality_flags"}


@dataclass(frozen=True)
class Lookup:
    """How a relation's target is found from a source value: by one of ``fields`` of ``model``."""

    model: type[models.Model]
    fields: tuple[str, ...]
    scoped_by_source: bool = False  # orders are unique per source, not globally


def _node_due(frame: pd.DataFrame) -> pd.DataFrame:
    """A node is due its threshold of working time after it started (days off skipped)."""
    return frame.assign(due_at=add_working_hours(frame["started_at"], frame["threshold_hours"]))


def _node_limits(frame: pd.DataFrame) -> Iterator[tuple[pd.Series, str, Reason]]:
    """A threshold longer than the company's longest node (``PERF_NODE_MAX_HOURS``) is an entry
    error."""
    limit = settings.PERF_NODE_MAX_HOURS
    hours = pd.to_numeric(frame["threshold_hours"], errors="coerce")
    yield (
        hours > limit,
        "threshold_hours",
        Reason(
            gettext_noop(
                "longer than the longest node threshold this company allows ({hours} hours)"
            ),
            {"hours": limit},
        ),
    )


@dataclass(frozen=True)
class RecordType:
    """A kind of record a source can feed: its model, the key an upsert matches on, its relations
    and the fields perf derives from others."""

    key: str
    label: str
    model: type[models.Model]
    natural_key: tuple[str, ...]
    lookups: dict[str, Lookup] = field(default_factory=dict)
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    derived: tuple[str, ...] = ()
    # The company's limits on values (settings): per check, the rows outside, field and reason.
    limits: Callable[[pd.DataFrame], Iterator[tuple[pd.Series, str, Reason]]] | None = None
    # Rules on the order of times from different parties: broken, the record is kept, flagged.
    quality_rules: tuple[TimeOrderRule, ...] = ()
    # The instant that places a record in a scoring period (none: the record is not scored).
    period_field: str | None = None

    def fields(self) -> list[models.Field]:
        """The model's fields a mapping may fill, by name."""
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name not in OWN_FIELDS and f.name not in self.derived
        ]

    def content_fields(self) -> list[models.Field]:
        """The fields that make up a record's canonical content, sorted by column name."""
        fields = [f for f in self.model._meta.concrete_fields if f.name not in OWN_FIELDS]
        return sorted(fields, key=lambda f: f.attname)


_EMPLOYEE = Lookup(Employee, ("employee_no", "user__username"))
_CUSTOMER = Lookup(Customer, ("external_id", "name"))
_ORDER = Lookup(Order, ("external_id",), scoped_by_source=True)
# Feedback, follow-ups and tickets belong to a person and a customer, and may name an order.
_PERSON_CUSTOMER_ORDER = {"employee": _EMPLOYEE, "customer": _CUSTOMER, "order": _ORDER}

RECORD_TYPES: dict[str, RecordType] = {
    record.key: record
    for record in [
        RecordType(
            "customer",
            gettext_lazy("Customers"),
            Customer,
            ("external_id",),
        ),
        RecordType(
            "order",
            gettext_lazy("Orders"),
            Order,
            ("source", "external_id"),
            {"merchandiser": _EMPLOYEE, "customer": _CUSTOMER},
            period_field="submitted_at",
            quality_rules=ORDER_QUALITY_RULES,
        ),
        RecordType(
            "order_node",
            gettext_lazy("Order process nodes"),
            OrderNode,
            ("order", "node"),
            {"order": _ORDER},
            derive=_node_due,
            limits=_node_limits,
            derived=("due_at",),
            period_field="due_at",
        ),
        RecordType(
            "feedback",
            gettext_lazy("Customer feedback"),
            Feedback,
            ("source", "external_id"),
            _PERSON_CUSTOMER_ORDER,
            period_field="submitted_at",
        ),
        RecordType(
            "follow_up",
            gettext_lazy("Follow-ups"),
            FollowUp,
            ("source", "external_id"),
            _PERSON_CUSTOMER_ORDER,
            period_field="occurred_at",
        ),
        RecordType(
            "ticket",
            gettext_lazy("Tickets"),
            Ticket,
            ("source", "external_id"),
            _PERSON_CUSTOMER_ORDER,
            period_field="opened_at",
        ),
    ]
}
# People (and the teams their paths name) from an HRIS: mapped like the others but written by the
# people import (``ingest.people``), with its rules. Not a record: neither appealed nor scored by
# itself, and not ledgered, since django-simple-history already keeps every change to people
# and teams with who and when. Teams have no type of their own: a team is a name and a place
# in the tree, which the paths on people rows give; a team list would only add empty teams.
PEOPLE_TYPE = RecordType("employee", gettext_lazy("Employees"), Employee, ("employee_no",))
# Everything a source mapping may feed.
SOURCE_TYPES: dict[str, RecordType] = {PEOPLE_TYPE.key: PEOPLE_TYPE, **RECORD_TYPES}
# A source's record types sync in this order, so relations find what they point to (people
# first: an order's merchandiser is found in the same sync).
SYNC_ORDER = list(SOURCE_TYPES)
# Records no source mapping feeds (bulk loads, the admin): neither synced nor appealed, but
# scored, so the ledger covers them like the others.
ENTERED_TYPES: dict[str, RecordType] = {
    key: RecordType(
        key, model._meta.verbose_name_plural, model, ("source", "external_id"), period_field=when
    )
    for key, model, when in [
        ("exception_case", ExceptionCase, "detected_at"),
        ("suggestion", Suggestion, "submitted_at"),
        ("training", TrainingRecord, "due_on"),
        ("peer_review", PeerReview, "period"),
    ]
}
LEDGERED_RECORD_TYPES = {**RECORD_TYPES, **ENTERED_TYPES}
RECORD_TYPE_OF_MODEL = {record.model: record for record in LEDGERED_RECORD_TYPES.values()}


def field_label(record_type: str, field_name: str) -> str:
    """A field of a record type as people call it (its verbose name; a people import column's
    label); what is no field (a refusal of the whole row) as it is."""
    if record_type == PEOPLE_TYPE.key:
        return str(COLUMN_LABELS.get(field_name, field_name))
    spec = SOURCE_TYPES.get(record_type)
    try:
        return str(spec.model._meta.get_field(field_name).verbose_name) if spec else field_name
    except FieldDoesNotExist:
        return field_name


def record_period(record: models.Model) -> Period | None:
    """The month (company time) a record is scored in, by its record type's period field;
    ``None`` for records not scored by time (customers) or without that instant."""
    field_name = RECORD_TYPE_OF_MODEL[type(record)].period_field
    instant = getattr(record, field_name) if field_name else None
    if instant is None:
        return None
    if not isinstance(instant, dt.datetime):  # a day (training due dates, reviewed months)
        return Period.containing(instant)
    return Period.containing(timezone.localtime(instant, company_zone()).date())


def months_of(spec: RecordType, frame: pd.DataFrame, zone: ZoneInfo) -> set[str]:
    """The months (``YYYY-MM``, company time) the records fall in for scoring."""
    if spec.period_field is None or frame.empty:
        return set()
    local = pd.to_datetime(frame[spec.period_field], utc=True).dropna().dt.tz_convert(zone)
    months = pd.unique(local.dt.year * 100 + local.dt.month)
    return {f"{month // 100:04d}-{month % 100:02d}" for month in months}
