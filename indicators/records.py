"""The records behind one person's number on one indicator: what its drill-down lists.

Which records count, the value each carries, which ones hurt and how they are ordered is the
calculator's own rule (``indicators.calculators.COUNTED``, stated next to each calculator). This
module only says, per calculator key, where one person's records of a period are read from, and
runs that same rule on them. It also holds the two rules the database applies itself, because
the calculators get those records counted rather than one by one (``record_frames``): which
process nodes are due in a period and on time, which tickets were resolved at first contact.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from django.db import models
from django.db.models import BooleanField, Case, Count, DurationField, F, Q, Value, When
from django.db.models.functions import Coalesce, Least

from indicators.calculators import COUNTED
from indicators.calculators.base import FRAME_COLUMNS, INDEXED_BY_ID, Counted, RecordFrames
from indicators.models import ComplianceRule
from indicators.readings import feedback_readings_assign
from ingest.models import (
    ExceptionCase,
    Feedback,
    FollowUp,
    Order,
    OrderNode,
    PeerReview,
    Suggestion,
    Ticket,
    TrainingRecord,
)
from org.models import Customer
from org.periods import Window

# A node is due in the period its deadline (start + threshold) falls in, counted once the
# deadline has passed; it is on time when completed by then (still open: late).
NODE_ON_TIME = Q(completed_at__lte=F("due_at"))
FIRST_CONTACT = Q(contacts_until_resolved=1)


# The model behind each record frame a counted rule names (``Counted.frame``).
FRAME_MODELS: dict[str, type[models.Model]] = {
    "orders": Order,
    "nodes": OrderNode,
    "follow_ups": FollowUp,
    "feedback": Feedback,
    "exceptions": ExceptionCase,
    "tickets": Ticket,
    "suggestions": Suggestion,
    "trainings": TrainingRecord,
    "peer_reviews": PeerReview,
}


def nodes_due(window: Window) -> Q:
    return Q(due_at__gte=window.start, due_at__lt=window.cutoff)


def tickets_resolved(window: Window) -> Q:
    return Q(resolved_at__gte=window.start, resolved_at__lt=window.end)


def _between(name: str, start: object, end: object) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _judged(condition: Q) -> Case:
    """``condition`` as a column, false (not null) where a field it reads is null."""
    true = When(condition, then=Value(True))
    return Case(true, default=Value(False), output_field=BooleanField())


@dataclass(frozen=True)
class RecordRead:
    """Where one person's records for a rule come from: the model, the field naming the person,
    which of their records a period's rule looks at (generously: the rule decides), columns the
    database computes, frames the rule reads besides (per person), and display columns that
    order the rows the rule leaves tied."""

    record_type: str  # as ``ingest.record_types.RECORD_TYPES`` names it, for "appeal this"
    model: type[models.Model]
    person: str
    window: Callable[[Window], Q]
    computed: dict[str, models.Expression | F] = field(default_factory=dict)
    also: dict[str, Callable[[int], models.QuerySet]] = field(default_factory=dict)
    tiebreak: tuple[str, ...] = ()
    # The rule's worst-first order as the database can sort it, for a rule that judges each
    # record alone (keeps every record read, adds columns from its own fields): a page is then
    # read with ORDER BY … LIMIT, not as every record of the period (``counted_records_page``).
    ranked: Callable[[Window], list[models.OrderBy]] | None = None


_ORDERS_SUBMITTED = RecordRead(
    "order", Order, "merchandiser_id", lambda w: _between("submitted_at", w.start, w.end)
)
_ORDERS_DELIVERED = RecordRead(
    "order", Order, "merchandiser_id", lambda w: _between("delivered_at", w.start, w.end)
)
_FEEDBACK = RecordRead(
    "feedback", Feedback, "employee_id", lambda w: _between("submitted_at", w.start, w.end)
)
_FOLLOW_UPS = RecordRead(
    "follow_up", FollowUp, "employee_id", lambda w: _between("occurred_at", w.start, w.end)
)


def _customer_orders(**more: object) -> RecordRead:
    """Orders of this period and the previous one, listed per customer."""
    return RecordRead(
        "customer",
        Order,
        "merchandiser_id",
        lambda w: _between("submitted_at", w.previous_start, w.end),
        tiebreak=("customer__name",),
        **more,
    )


def _nodes_worst_first(window: Window) -> list[models.OrderBy]:
    """``efficiency.NODES_DUE``'s order: late nodes first, the latest first (late by the hours
    from the deadline to completion, or to the cutoff while still open), then by deadline."""
    cutoff = Value(window.cutoff.to_pydatetime())
    late_by = Case(
        When(NODE_ON_TIME, then=Value(dt.timedelta(0))),
        default=Least(Coalesce("completed_at", cutoff), cutoff) - F("due_at"),
        output_field=DurationField(),
    )
    return [F("on_time").asc(), late_by.desc(), F("due_at").asc(), F("id").asc()]


READS: dict[str, RecordRead] = {
    "order_volume": _ORDERS_SUBMITTED,
    "follow_up_count": _FOLLOW_UPS,
    "order_entry_accuracy": _ORDERS_SUBMITTED,
    "order_response_time": _ORDERS_SUBMITTED,
    "node_on_time_rate": RecordRead(
        "order_node",
        OrderNode,
        "order__merchandiser_id",
        nodes_due,
        computed={"merchandiser_id": F("order__merchandiser_id"), "on_time": _judged(NODE_ON_TIME)},
        ranked=_nodes_worst_first,
    ),
    "exception_handling_hours": RecordRead(
        "exception_case",
        ExceptionCase,
        "handler_id",
        lambda w: _between("detected_at", w.start, w.end),
    ),
    "first_contact_resolution": RecordRead(
        "ticket",
        Ticket,
        "employee_id",
        tickets_resolved,
        computed={"first_contact": _judged(FIRST_CONTACT)},
    ),
    "csat": _FEEDBACK,
    "order_accuracy": _ORDERS_DELIVERED,
    "complaint_return_rate": _ORDERS_DELIVERED,
    "customer_sentiment": _FEEDBACK,
    "process_compliance": RecordRead(
        "follow_up",
        FollowUp,
        "employee_id",
        lambda w: _between("occurred_at", w.start, w.end),
        also={"compliance_rules": lambda _person: ComplianceRule.objects.filter(is_active=True)},
    ),
    "customer_repeat_rate": _customer_orders(),
    "long_customer_growth": _customer_orders(
        also={
            "customers": lambda person: Customer.objects.filter(
                orders__merchandiser_id=person
            ).distinct()
        }
    ),
    "accepted_suggestions": RecordRead(
        "suggestion", Suggestion, "employee_id", lambda w: _between("decided_at", w.start, w.end)
    ),
    "training_completion": RecordRead(
        "training_record",
        TrainingRecord,
        "employee_id",
        lambda w: _between("due_on", w.first_day, w.end_day),
    ),
    "collaboration_360": RecordRead(
        "peer_review",
        PeerReview,
        "reviewee_id",
        lambda w: _between("period", w.first_day, w.end_day),
    ),
}


@dataclass(frozen=True)
class CountedRecord:
    """One record (or customer) an indicator counted: the columns asked for, as the database
    gave them, plus those the rule added (``value``, ``late_by``, ``missing``…), and whether it
    pulls the number down."""

    record_type: str
    record_id: int
    values: dict[str, object]
    hurts: bool


def _frame(name: str, queryset: models.QuerySet) -> pd.DataFrame:
    columns = FRAME_COLUMNS[name]
    frame = pd.DataFrame.from_records(list(queryset.values_list(*columns)), columns=columns)
    return frame.set_index("id") if name in INDEXED_BY_ID else frame


def _hurts(counted: Counted, rows: pd.DataFrame, target: float | None) -> pd.Series:
    """Whether each row pulls the number down: by the rule, or for a mean, by being worse
    than the person's target (never without a target)."""
    if counted.worse and target is None:
        return pd.Series(False, index=rows.index)
    if counted.worse == "above":
        return rows["value"] > target
    if counted.worse == "below":
        return rows["value"] < target
    if "hurts" in rows:
        return rows["hurts"].astype(bool)
    return pd.Series(False, index=rows.index)


def _queryset(read: RecordRead, employee_id: int, window: Window) -> models.QuerySet:
    """One person's records a period's rule looks at, with the columns the database computes."""
    return (
        read.model.objects.filter(**{read.person: employee_id})
        .filter(read.window(window))
        .annotate(**read.computed)
    )


def _counted(
    *,
    rows: list[dict],
    columns: list[str],
    counted: Counted,
    read: RecordRead,
    employee_id: int,
    window: Window,
    target: float | None,
    ordered: bool,
) -> list[CountedRecord]:
    """The rule run on ``rows`` (read with ``columns``), each record with the columns the rule
    adds and whether it hurts; worst first unless the rows came ``ordered`` already."""
    frames = {
        counted.frame: pd.DataFrame.from_records(rows, columns=columns),
        **{name: _frame(name, make(employee_id)) for name, make in read.also.items()},
    }
    if counted.frame == "feedback":
        frames["feedback"] = feedback_readings_assign(frames["feedback"])
    employees = pd.DataFrame({"team_id": [None], "level": [None]}, index=[employee_id])
    listed = counted.records(RecordFrames(employees=employees, **frames), window)
    listed = listed.assign(hurts=_hurts(counted, listed, target))
    by_key = {}
    for row in rows:
        by_key.setdefault(row[counted.key], row)
    if not ordered:
        listed = _ordered(listed, counted, read, by_key)
    added = [name for name in listed.columns if name not in columns]
    # Column lists zipped rather than ``to_dict("records")``: a 5,000-node drill-down spends
    # half its time here otherwise.
    extras = zip(*(listed[name].tolist() for name in added), strict=True)
    return [
        CountedRecord(
            record_type=read.record_type,
            record_id=int(key),
            values={**by_key[key], **dict(zip(added, extra, strict=True))},
            hurts=bool(extra[added.index("hurts")]),
        )
        for key, extra in zip(listed[counted.key].tolist(), extras, strict=True)
    ]


def _columns(counted: Counted, fields: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(["id", *FRAME_COLUMNS[counted.frame], *fields]))


def counted_records_read(
    *,
    calculator: str,
    employee_id: int,
    window: Window,
    target: float | None,
    fields: Sequence[str] = (),
) -> list[CountedRecord] | None:
    """The records the calculator ``calculator`` counted for one person in the window, worst
    first, each with ``fields`` (model lookups: ``customer__name``) besides the rule's own
    columns; ``None`` for a calculator without a rule here (a custom one). The caller has
    decided the user may see this person. One query, and one per frame the rule reads besides.
    """
    counted, read = COUNTED.get(calculator), READS.get(calculator)
    if counted is None or read is None:
        return None
    columns = _columns(counted, fields)
    rows = list(_queryset(read, employee_id, window).values(*columns))
    return _counted(
        rows=rows,
        columns=columns,
        counted=counted,
        read=read,
        employee_id=employee_id,
        window=window,
        target=target,
        ordered=False,
    )


@dataclass(frozen=True)
class RecordPage:
    """A page of the records counted, worst first, among ``matched`` of ``total`` records (all
    of them when nothing is searched); ``page`` is the one read (a page past the last reads the
    last)."""

    records: list[CountedRecord]
    total: int
    matched: int
    page: int


def _text_lookups(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    """The lookups among ``fields`` that end on a text field (those a search looks in)."""
    texts = []
    for lookup in fields:
        current, target = model, None
        for part in lookup.split("__"):
            target = current._meta.get_field(part)
            current = target.related_model or current
        if isinstance(target, models.CharField | models.TextField):
            texts.append(lookup)
    return texts


def counted_records_page(
    *,
    calculator: str,
    employee_id: int,
    window: Window,
    target: float | None,
    fields: Sequence[str],
    search: str,
    page: int,
    size: int,
) -> RecordPage | None:
    """The page ``page`` (of ``size``) of the records ``counted_records_read`` lists, among those
    whose text ``fields`` contain ``search`` (ignoring case; all when empty), with the database
    sorting worst first and reading only the page: one query counts, one reads the page. ``None``
    where the rule's order is not one the database can sort (``RecordRead.ranked``)."""
    counted, read = COUNTED.get(calculator), READS.get(calculator)
    if counted is None or read is None or read.ranked is None:
        return None
    records = _queryset(read, employee_id, window)
    matching = Q()
    if search:
        for lookup in _text_lookups(read.model, fields):
            matching |= Q(**{f"{lookup}__icontains": search})
    sizes = records.aggregate(total=Count("id"), matched=Count("id", filter=matching))
    pages = max(1, -(-sizes["matched"] // size))
    page = min(page, pages)
    columns = _columns(counted, fields)
    rows = list(
        records.filter(matching)
        .order_by(*read.ranked(window))
        .values(*columns)[(page - 1) * size : page * size]
    )
    listed = _counted(
        rows=rows,
        columns=columns,
        counted=counted,
        read=read,
        employee_id=employee_id,
        window=window,
        target=target,
        ordered=True,
    )
    return RecordPage(listed, total=sizes["total"], matched=sizes["matched"], page=page)


def _ordered(
    listed: pd.DataFrame, counted: Counted, read: RecordRead, by_key: dict
) -> pd.DataFrame:
    """The rows worst first, by the rule's order, then the read's display tie-breaks."""
    for name in read.tiebreak:
        if name not in listed:
            listed = listed.assign(**{name: [by_key[key][name] for key in listed[counted.key]]})
    order = [*counted.order, *read.tiebreak]
    if not order or listed.empty:
        return listed
    return listed.sort_values(
        [name.lstrip("-") for name in order],
        ascending=[not name.startswith("-") for name in order],
        kind="stable",
    )
