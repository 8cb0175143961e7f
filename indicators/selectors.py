"""Reads for indicators and weight schemes, the record frames calculators work on, and who may
change the catalog (the one place that decides it)."""

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, connections, models
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from indicators.calculators.base import (
    COUNTED_PER_EMPLOYEE,
    FRAME_COLUMNS,
    INDEXED_BY_ID,
    RecordFrames,
)
from indicators.models import (
    ALL_LEVELS,
    ChangeReason,
    ChecklistElement,
    ComplianceRule,
    IndicatorDefinition,
    SchemeMatrix,
    SchemeStatus,
    SchemeWeight,
    Tier,
    WeightScheme,
)
from indicators.records import FIRST_CONTACT, NODE_ON_TIME, nodes_due, tickets_resolved
from indicators.weights import TIERS_MATRIX, matrix_outcome
from indicators.wording import inconsistency_message, matrix_label, saaty_label
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
from org.calendar import period_window
from org.models import Customer, Employee, Level, Role
from org.periods import Period
from org.selectors import user_display_name, user_role


def catalog_editable_by(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Only admins change indicators, the reply checklist and weight schemes; everyone signed in
    reads the indicators."""
    return user_role(user) == Role.ADMIN


def indicators_active() -> QuerySet[IndicatorDefinition]:
    return IndicatorDefinition.objects.filter(is_active=True)


def checklist_active() -> list[tuple[str, list[ComplianceRule]]]:
    """The reply checklist as the manual shows it: each element with its active rules."""
    rules = list(ComplianceRule.objects.filter(is_active=True))
    return [
        (str(label), [rule for rule in rules if rule.element == element])
        for element, label in ChecklistElement.choices
    ]


def scheme_get_for_user(*, user: AbstractBaseUser, scheme_id: int) -> WeightScheme:
    """The scheme, for admins only; 404 otherwise (schemes are not public before activation)."""
    if not catalog_editable_by(user):
        raise Http404
    scheme = WeightScheme.objects.filter(pk=scheme_id).first()
    if scheme is None:
        raise Http404
    return scheme


def _in_force(level: str, on: dt.date) -> Q:
    return Q(
        level=level,
        status__in=[SchemeStatus.ACTIVE, SchemeStatus.RETIRED],
        effective_from__lte=on,
    )


def scheme_in_force(*, level: str, on: dt.date) -> WeightScheme | None:
    """The scheme that weighs ``level`` on the date ``on``: the latest-effective activated scheme
    of that level, else of all levels. Retired schemes stay in force for the dates before their
    successor took over, so past periods keep their weights."""
    for candidate_level in (level, ALL_LEVELS):
        scheme = (
            WeightScheme.objects.filter(_in_force(candidate_level, on))
            .order_by("-effective_from", "-version")
            .first()
        )
        if scheme is not None:
            return scheme
    return None


@dataclass(frozen=True)
class ManualEntry:
    indicator: IndicatorDefinition
    weights: dict[str, float | None]  # level → global weight in the scheme in force, or None


def indicator_manual(*, on: dt.date) -> list[ManualEntry]:
    """Every active indicator with its global weight, per level, in the schemes in force on
    ``on``."""
    schemes = {level: scheme_in_force(level=level, on=on) for level in Level.values}
    scheme_ids = {scheme.id for scheme in schemes.values() if scheme is not None}
    weight_of: dict[tuple[int, int], float] = {
        (scheme_id, indicator_id): weight
        for scheme_id, indicator_id, weight in SchemeWeight.objects.filter(
            scheme_id__in=scheme_ids
        ).values_list("scheme_id", "indicator_id", "global_weight")
    }
    entries = []
    for indicator in indicators_active():
        weights = {
            level: weight_of.get((scheme.id, indicator.id)) if scheme else None
            for level, scheme in schemes.items()
        }
        entries.append(ManualEntry(indicator=indicator, weights=weights))
    return entries


def scheme_versions(level: str) -> QuerySet[WeightScheme]:
    return WeightScheme.objects.filter(level=level).select_related("created_by")


@dataclass(frozen=True)
class Change:
    when: dt.datetime
    who: str  # the user's full name or username; empty when the change came from a migration
    what: str
    subject: str
    reason: str


def _reason_label(reason: str | None) -> str:
    if reason in ChangeReason.values:
        return str(ChangeReason(reason).label)
    return reason or ""


def scheme_changes(scheme: WeightScheme) -> list[Change]:
    """Who changed what in a scheme and its judgments, newest first."""
    scheme_records = scheme.history.select_related("history_user")
    matrix_records = SchemeMatrix.history.filter(scheme_id=scheme.id).select_related("history_user")
    changes = [
        Change(
            when=record.history_date,
            who=user_display_name(record.history_user),
            what=record.get_history_type_display(),
            subject=str(record.get_status_display()),
            reason=_reason_label(record.history_change_reason),
        )
        for record in scheme_records
    ] + [
        Change(
            when=record.history_date,
            who=user_display_name(record.history_user),
            what=record.get_history_type_display(),
            subject=f"{record.get_matrix_display()} · {record.expert}",
            reason=_reason_label(record.history_change_reason),
        )
        for record in matrix_records
    ]
    return sorted(changes, key=lambda change: change.when, reverse=True)


def _field_of(model: type[models.Model], path: str) -> models.Field:
    """The model field a ``values_list`` path such as ``order__merchandiser_id`` ends at."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _typed(frame: pd.DataFrame, model: type[models.Model]) -> pd.DataFrame:
    """Columns as the calculators expect them: instants as UTC datetimes, dates as datetimes."""
    for column in frame.columns:
        field = _field_of(model, column)
        if isinstance(field, models.DateTimeField):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        elif isinstance(field, models.DateField):
            frame[column] = pd.to_datetime(frame[column])
    return frame


# Reads of a period run side by side on this many connections (see ``_frames``).
PARALLEL_READS = 6
EPOCH_DAY = "date '1970-01-01'"
# Stands for NULL in integer arrays, so every element has the same width on the wire (and is
# how PostgreSQL sends -infinity as a timestamp).
MISSING_INT = np.iinfo(np.int64).min
# PostgreSQL counts timestamps in microseconds from 2000-01-01 UTC.
POSTGRES_EPOCH_US = 946_684_800 * 1_000_000
WHOLE_NUMBER_FIELDS = (
    models.DateTimeField,
    models.DateField,
    models.IntegerField,
    models.ForeignKey,
    models.BooleanField,
)


def _as_array_sql(field: models.Field, column: str) -> str:
    """A column aggregated into one array: numbers as PostgreSQL's binary array (``array_send``,
    NULLs replaced so elements have a fixed width) that numpy reads without a Python object per
    value; instants as PostgreSQL keeps them (NULL as -infinity, the lowest int8), dates as days
    since 1970; long texts (text columns) as their lengths then their bytes; short texts as a
    plain array."""
    if isinstance(field, models.TextField):
        # Long texts (follow-up messages): every length, then all the bytes in one piece, which
        # become an Arrow string array without a Python object per text.
        return (
            f"array_send(array_agg(coalesce(octet_length({column}), -1)::int8))"
            f" || coalesce(convert_to(string_agg({column}, ''), 'UTF8'), ''::bytea)"
        )
    if isinstance(field, models.DateTimeField):
        # Sent as stored (microseconds since 2000, an 8-byte integer on the wire): converting
        # to epoch seconds goes through numeric, which costs the database more than the read.
        return f"array_send(array_agg(coalesce({column}, '-infinity'::timestamptz)))"
    if isinstance(field, models.DateField):
        number = f"({column} - {EPOCH_DAY})::int8"
    elif isinstance(field, models.BooleanField):
        number = f"{column}::int4::int8"
    elif isinstance(field, WHOLE_NUMBER_FIELDS):
        number = f"{column}::int8"
    elif isinstance(field, (models.FloatField, models.DecimalField)):
        return f"array_send(array_agg(coalesce({column}::float8, 'NaN'::float8)))"
    else:
        return f"array_agg({column})"
    return f"array_send(array_agg(coalesce({number}, {MISSING_INT})))"


def _binary_numbers(payload: bytes | None, kind: str) -> np.ndarray:
    """A one-dimensional PostgreSQL binary array of int8 (``kind`` "i") or float8 ("f") without
    NULLs: a 20-byte header, then per element a 4-byte length and 8 bytes, big-endian."""
    if not payload or len(payload) <= 12:  # NULL (no rows) or an empty array
        return np.array([], dtype=np.int64 if kind == "i" else float)
    layout = np.dtype([("length", ">i4"), ("value", f">{kind}8")])
    return np.frombuffer(payload, dtype=layout, offset=20)["value"].astype(f"{kind}8")


def _stamps(whole: np.ndarray, unit: str) -> np.ndarray:
    """Whole ``unit``s since 1970 as ``datetime64[ns]``, NaT where missing."""
    missing = whole == MISSING_INT
    stamps = np.where(missing, 0, whole).astype(f"datetime64[{unit}]").astype("datetime64[ns]")
    stamps[missing] = np.datetime64("NaT")
    return stamps


def _arrow_strings(payload: bytes | None) -> pd.arrays.ArrowStringArray:
    """Texts sent as the lengths' binary array followed by their bytes (see ``_as_array_sql``),
    as a pandas string column backed by Arrow; a length of -1 is a NULL."""
    if not payload:
        return pd.array([], dtype="string[pyarrow]")
    count = int.from_bytes(payload[12:16], "big")  # the array header's element count
    header = 20 + 12 * count
    lengths = _binary_numbers(payload[:header], "i")
    missing = lengths < 0
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(np.where(missing, 0, lengths), out=offsets[1:])
    validity = pa.array(~missing).buffers()[1] if missing.any() else None
    texts = pa.StringArray.from_buffers(
        count,
        pa.py_buffer(offsets),
        pa.py_buffer(memoryview(payload)[header:]),
        validity,
        int(missing.sum()),
    )
    return pd.arrays.ArrowStringArray(texts)


def _from_array(field: models.Field, values: bytes | list | None) -> np.ndarray | pd.Index:
    if isinstance(field, models.TextField):
        return _arrow_strings(values)
    if isinstance(field, (models.FloatField, models.DecimalField)):
        return _binary_numbers(values, "f")
    if not isinstance(field, WHOLE_NUMBER_FIELDS):
        return np.array(values or [], dtype=object)
    whole = _binary_numbers(values, "i")
    if isinstance(field, models.DateTimeField):
        since_1970 = np.where(whole == MISSING_INT, MISSING_INT, whole + POSTGRES_EPOCH_US)
        return pd.DatetimeIndex(_stamps(since_1970, "us")).tz_localize("UTC")
    if isinstance(field, models.DateField):
        return pd.DatetimeIndex(_stamps(whole, "D"))
    if isinstance(field, models.BooleanField):
        return whole == 1
    missing = whole == MISSING_INT
    return np.where(missing, np.nan, whole) if missing.any() else whole


def _postgres_frame(queryset: QuerySet, columns: list[str]) -> pd.DataFrame:
    """One query that returns each column as a single binary array: hundreds of thousands of
    rows arrive as a few arrays instead of one message per row, and need no text parsing."""
    aliases = {f"c{position}": F(column) for position, column in enumerate(columns)}
    sql, params = queryset.values(**aliases).query.sql_with_params()
    fields = [_field_of(queryset.model, column) for column in columns]
    outer = ", ".join(
        _as_array_sql(field, f"q.c{position}") for position, field in enumerate(fields)
    )
    statement = f"SELECT {outer} FROM ({sql}) AS q"
    connection.ensure_connection()
    started = time.monotonic()
    # Binary results need psycopg's own cursor (Django's binds client-side, in text).
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, params, binary=True)
        arrays = cursor.fetchone()
    if connection.queries_logged:
        # Logged like Django's own queries, so debugging tools and query-count tests see it.
        connection.queries_log.append(
            {"sql": statement % tuple(params), "time": f"{time.monotonic() - started:.3f}"}
        )
    return pd.DataFrame(
        {
            column: _from_array(field, values)
            for column, field, values in zip(columns, fields, arrays, strict=True)
        }
    )


def queryset_frame(
    queryset: QuerySet, columns: list[str], index: str | None = None
) -> pd.DataFrame:
    """The queryset's ``columns`` (field paths) as a DataFrame of the same names, read in one
    query: on PostgreSQL as one binary array per column."""
    queryset = queryset.order_by()  # models' default orderings would only cost a sort
    if connection.vendor == "postgresql":
        frame = _postgres_frame(queryset, columns)
    else:
        rows = queryset.values_list(*columns)
        frame = _typed(pd.DataFrame.from_records(list(rows), columns=columns), queryset.model)
    return frame.set_index(index) if index else frame


def record_frames(*, period: Period, employee_ids: list[int] | None = None) -> RecordFrames:
    """Everything the calculators need for ``period``: one query per record type.

    Rows are read generously (for instance orders of the previous period too, for retention);
    each calculator decides by its own stated rule which of them count. ``employee_ids`` limits
    the roster (and the records) to those people; by default the roster is every active employee
    of a scored team.
    """
    window = period_window(period)
    start, end, previous = window.start, window.end, window.previous_start
    roster = Employee.objects.filter(is_active=True, team__is_scored=True)
    if employee_ids is not None:
        roster = Employee.objects.filter(id__in=employee_ids)
    # Records of a part of the company are filtered by its roster (a subquery: cheaper to send
    # and plan than thousands of ids); for everybody, calculators keep the roster's rows.
    people = roster.values("id")

    def of_roster(queryset: QuerySet, field: str) -> QuerySet:
        return queryset if employee_ids is None else queryset.filter(**{f"{field}__in": people})

    reads = {
        "employees": roster,
        "customers": of_roster(Customer.objects, "orders__merchandiser_id").distinct(),
        "orders": of_roster(Order.objects, "merchandiser_id").filter(
            Q(submitted_at__gte=previous, submitted_at__lt=end)
            | Q(delivered_at__gte=start, delivered_at__lt=end)
        ),
        # A node counts in the period its deadline falls in (see ``RecordFrames.node_counts``);
        # the drill-down lists them by the same rule (``indicators.records``).
        "node_counts": of_roster(OrderNode.objects, "order__merchandiser_id")
        .filter(nodes_due(window))
        .values(merchandiser_id=F("order__merchandiser_id"))
        .annotate(due=Count("id"), on_time=Count("id", filter=NODE_ON_TIME)),
        "follow_ups": of_roster(FollowUp.objects, "employee_id").filter(
            occurred_at__gte=start, occurred_at__lt=end
        ),
        "feedback": of_roster(Feedback.objects, "employee_id").filter(
            submitted_at__gte=start, submitted_at__lt=end
        ),
        "exceptions": of_roster(ExceptionCase.objects, "handler_id").filter(
            detected_at__gte=start, detected_at__lt=end
        ),
        "ticket_counts": of_roster(Ticket.objects, "employee_id")
        .filter(tickets_resolved(window))
        .values("employee_id")
        .annotate(resolved=Count("id"), first_contact=Count("id", filter=FIRST_CONTACT)),
        "suggestions": of_roster(Suggestion.objects, "employee_id").filter(
            decided_at__gte=start, decided_at__lt=end
        ),
        "trainings": of_roster(TrainingRecord.objects, "employee_id").filter(
            due_on__gte=period.start, due_on__lt=period.end
        ),
        "peer_reviews": of_roster(PeerReview.objects, "reviewee_id").filter(
            period__gte=period.start, period__lt=period.end
        ),
        "compliance_rules": ComplianceRule.objects.filter(is_active=True),
    }
    frames = _frames(reads)
    frames["employees"] = frames["employees"].sort_index()
    return RecordFrames(**frames)


def _read(name: str, queryset: QuerySet) -> pd.DataFrame:
    """One record frame, with the columns ``FRAME_COLUMNS`` gives it."""
    columns = FRAME_COLUMNS[name]
    if name in COUNTED_PER_EMPLOYEE:  # one row per person: nothing to gain from arrays
        rows = queryset.order_by().values_list(*columns)
        return pd.DataFrame.from_records(list(rows), columns=columns)
    return queryset_frame(queryset, columns, "id" if name in INDEXED_BY_ID else None)


def _frames(reads: dict[str, QuerySet]) -> dict[str, pd.DataFrame]:
    """Each read as a frame. On PostgreSQL, outside a transaction, the reads run side by side on
    their own connections (the database works on them in parallel); inside a transaction they
    must share its connection to see its data, so they run one after the other."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {name: _read(name, queryset) for name, queryset in reads.items()}

    def read_on_own_connection(name: str, queryset: QuerySet) -> pd.DataFrame:
        try:
            return _read(name, queryset)
        finally:
            connections.close_all()  # this thread's connection, opened for this read

    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        futures = {
            name: pool.submit(read_on_own_connection, name, queryset)
            for name, queryset in reads.items()
        }
        return {name: future.result() for name, future in futures.items()}


@dataclass(frozen=True)
class EditorCell:
    row: int
    column: int
    value: str  # as on Saaty's scale: "3", "1/5"


@dataclass(frozen=True)
class EditorMatrix:
    key: str
    label: str
    items: list[str]  # labels, in matrix order
    cells: list[EditorCell]  # the upper triangle
    weights: list[float]  # of this expert's judgments
    cr: float
    consistent: bool
    combined: dict[str, object]  # the scheme's stored figures for all experts together
    revise: str  # the judgment to revise first, in words; empty when consistent


def matrix_items(scheme: WeightScheme, key: str) -> list[str] | None:
    """What one matrix of the scheme compares (codes), or ``None`` if it has no such matrix."""
    record = SchemeMatrix.objects.filter(scheme=scheme, matrix=key).only("items").first()
    return record.items if record else None


def scheme_experts(scheme: WeightScheme) -> list[str]:
    return sorted(set(scheme.matrices.values_list("expert", flat=True)))


def scheme_editor(scheme: WeightScheme, expert: str) -> list[EditorMatrix]:
    """One expert's matrices of a scheme as the weight editor shows them, tiers first. A new
    expert starts from equal judgments over the scheme's items."""
    names = {indicator.code: indicator.name for indicator in IndicatorDefinition.objects.all()}
    tier_names = {tier.value: str(tier.label) for tier in Tier}
    order = [TIERS_MATRIX, *Tier.values]
    records: dict[str, SchemeMatrix] = {}
    for record in SchemeMatrix.objects.filter(scheme=scheme).order_by("expert"):
        if record.expert == expert or record.matrix not in records:
            records[record.matrix] = record
    matrices = []
    for key in sorted(records, key=order.index):
        record = records[key]
        n = len(record.items)
        judgments = record.judgments if record.expert == expert else np.ones((n, n)).tolist()
        outcome = matrix_outcome(record.matrix, record.items, [judgments])
        matrices.append(
            EditorMatrix(
                key=record.matrix,
                label=matrix_label(record.matrix),
                items=[tier_names.get(item) or names.get(item, item) for item in record.items],
                cells=[
                    EditorCell(row=i, column=j, value=saaty_label(judgments[i][j]))
                    for i in range(n)
                    for j in range(i + 1, n)
                ],
                weights=[float(weight) for weight in outcome.result.weights],
                cr=outcome.result.cr,
                consistent=outcome.result.consistent,
                combined=scheme.consistency.get(record.matrix, {}),
                revise="" if outcome.result.consistent else inconsistency_message(outcome, names),
            )
        )
    return matrices
