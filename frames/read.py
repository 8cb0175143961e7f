"""Querysets into DataFrames: on PostgreSQL each column arrives as one binary array (numbers
without text parsing, long texts as their lengths and one byte string made into an Arrow
column), several reads side by side on their own connections; elsewhere through
``values_list``."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import F, QuerySet


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


# Reads of a period run side by side on this many connections (see ``frames_read``).
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


def _from_array(field: models.Field, values: bytes | list[Any] | None) -> np.ndarray | pd.Index:
    if isinstance(field, models.TextField):
        return _arrow_strings(cast("bytes | None", values))  # a bytea (see _as_array_sql)
    if isinstance(field, (models.FloatField, models.DecimalField)):
        return _binary_numbers(cast("bytes | None", values), "f")  # an array_send bytea
    if not isinstance(field, WHOLE_NUMBER_FIELDS):
        # Through a Series: JSON lists of one length would otherwise make a 2-D array.
        return pd.Series(values or [], dtype=object).to_numpy()
    whole = _binary_numbers(cast("bytes | None", values), "i")  # an array_send bytea
    if isinstance(field, models.DateTimeField):
        since_1970 = np.where(whole == MISSING_INT, MISSING_INT, whole + POSTGRES_EPOCH_US)
        return pd.DatetimeIndex(_stamps(since_1970, "us")).tz_localize("UTC")
    if isinstance(field, models.DateField):
        return pd.DatetimeIndex(_stamps(whole, "D"))
    if isinstance(field, models.BooleanField):
        known = whole != MISSING_INT
        if known.all():
            return whole == 1
        # An unknown flag (a field no source fills) stays unknown, never false.
        flags = (whole == 1).astype(object)
        flags[~known] = None
        return flags
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
    assert arrays is not None  # an aggregate without GROUP BY always returns one row
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
    try:
        frame = _postgres_frame(queryset, columns) if connection.vendor == "postgresql" else None
    except EmptyResultSet:
        # A filter that can match nothing (``__in=[]``) compiles to no SQL; Django's own
        # reading below answers it with no rows and no query.
        frame = None
    if frame is None:
        rows = queryset.values_list(*columns)
        frame = _typed(pd.DataFrame.from_records(list(rows), columns=columns), queryset.model)
    return frame.set_index(index) if index else frame


def frames_read(
    reads: dict[str, QuerySet], read: Callable[[str, QuerySet], pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Each of ``reads`` as a frame, by ``read(name, queryset)``. On PostgreSQL, outside a
    transaction, the reads run side by side on their own connections (the database works on
    them in parallel); inside a transaction they must share its connection to see its data, so
    they run one after the other."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {name: read(name, queryset) for name, queryset in reads.items()}

    def read_on_own_connection(name: str, queryset: QuerySet) -> pd.DataFrame:
        try:
            return read(name, queryset)
        finally:
            connections.close_all()  # this thread's connection, opened for this read

    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        futures = {
            name: pool.submit(read_on_own_connection, name, queryset)
            for name, queryset in reads.items()
        }
        return {name: future.result() for name, future in futures.items()}
