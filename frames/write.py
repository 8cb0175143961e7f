"""DataFrames into the database in bulk: binary or CSV COPY on PostgreSQL (built column by
column with Arrow), batched multi-row INSERTs elsewhere; ids drawn ahead from a table's sequence;
bulk updates through a temporary table. Writes no history: callers that change tracked models
record it themselves."""

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

NULL = r"\N"
COPY_CHUNK_ROWS = 250_000
INSERT_CHUNK_ROWS = 20_000

# One encoder for every JSON cell (``json.dumps`` with options builds a new one per call).
JSON_LITERAL = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def _format_column(field: models.Field, values: pd.Series, *, postgres: bool) -> pd.Series:
    """A column as database literals (str) with ``None`` for NULL.

    Times arrive as epoch seconds (float, NaN for none) and are stored to the second, in UTC:
    with an explicit offset for PostgreSQL, naive for SQLite (which is how Django stores them).
    """
    missing = values.isna().to_numpy()
    if isinstance(field, models.DateTimeField):
        seconds = _stored_seconds(values)
        stamps = np.datetime_as_string(
            np.where(missing, 0, seconds).astype("datetime64[s]"), unit="s"
        )
        text = pd.Series(stamps, index=values.index).str.replace("T", " ", regex=False)
        if postgres:
            text = text + "+00:00"
    elif isinstance(field, models.DateField):
        text = values.map(lambda day: day.isoformat() if not pd.isna(day) else None)
    elif isinstance(field, models.JSONField):
        text = _json_texts(values)
    elif isinstance(field, models.BooleanField):
        text = values.astype(bool).map({True: "1", False: "0"})
    elif isinstance(field, models.DecimalField):
        text = decimal_texts(values, field.decimal_places)
    elif isinstance(field, (models.IntegerField, models.ForeignKey, models.AutoField)):
        text = values.astype("Int64").astype(str)
    elif isinstance(field, models.FloatField) and postgres:
        # Left as numbers: to_csv formats them in C, and writes NaN as NULL.
        return values.astype(float)
    else:
        text = values.astype(str)
    return text.astype(object).where(~missing, None)


def instants_as_stored(values: pd.Series) -> pd.Series:
    """Instants (datetimes or epoch seconds) as a bulk write stores them: UTC, to the second,
    NaT for none. What compares or hashes rows before writing them (a sync batch against the
    stored records, the ledger) reads them so, to agree with what the database gives back."""
    seconds = _stored_seconds(values)
    missing = np.isnan(seconds)
    # Whole seconds as integers: pandas reads float seconds through a rounding that can raise
    # an overflow the numbers never had (a sync failed so now and then).
    whole = np.where(missing, 0, seconds).astype(np.int64).astype("datetime64[s]")
    stamps = pd.to_datetime(np.where(missing, np.datetime64("NaT"), whole), utc=True).as_unit("ns")
    return pd.Series(stamps, index=values.index)


def decimal_texts(values: pd.Series, places: int) -> pd.Series:
    """Numbers (floats or Decimals) as the text of a decimal of ``places`` places, which is what
    PostgreSQL then holds (``None`` for none). A number rounding to zero from below reads
    "0.00", not "-0.00": the database has no negative zero, and the ledger hashes this text."""

    def text(number: Any) -> str | None:
        if pd.isna(number):
            return None
        written = f"{number:.{places}f}"
        return written[1:] if written[0] == "-" and not written.strip("-0.") else written

    return values.map(text)


def _stored_seconds(values: pd.Series) -> npt.NDArray[np.float64]:
    """Instants as the whole epoch seconds they are stored with, floored (NaN for none), given
    as numbers already (generated tables) or as datetimes (synced rows, rows read back from
    the database; floored before they become floats, which would round 59.9999999 s up)."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return cast(
            "npt.NDArray[np.float64]", np.floor(values.to_numpy(dtype=float, na_value=np.nan))
        )
    # Without the cache pandas builds for repeated values: it costs more than it saves here.
    stamps = pd.to_datetime(values, utc=True, cache=False).dt.floor("s")
    seconds = (stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return cast("npt.NDArray[np.float64]", seconds.to_numpy(dtype=float, na_value=np.nan))


def _missing_stamps(model: type[models.Model], frame: pd.DataFrame) -> list[str]:
    """The model's created/updated stamps the frame has no column for (``_literal_frame``
    stamps them now)."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname in ("created_at", "updated_at") and f.attname not in frame
    ]


def _literal_frame(
    model: type[models.Model], frame: pd.DataFrame, *, postgres: bool
) -> pd.DataFrame:
    """The frame's columns that are concrete fields of ``model``, as database literals."""
    now = timezone.now().timestamp()
    frame = frame.copy()
    for stamp in _missing_stamps(model, frame):
        frame[stamp] = now
    fields = [f for f in model._meta.concrete_fields if f.attname in frame.columns]
    return pd.DataFrame(
        {f.column: _format_column(f, frame[f.attname], postgres=postgres) for f in fields}
    )


def _chunks(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


# PostgreSQL types the binary COPY path writes, as big-endian numpy types.
BINARY_TYPES = {
    "smallint": ">i2",
    "integer": ">i4",
    "bigint": ">i8",
    "double precision": ">f8",
    "boolean": "u1",
}
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
BINARY_TRAILER = b"\xff\xff"


# Text, JSON, date and time columns in binary COPY: their kind, by PostgreSQL column type.
BINARY_VARIABLE = {
    "text": "text",
    "jsonb": "jsonb",
    "date": "date",
    "timestamp with time zone": "timestamptz",
}
NULL_CELL = pa.scalar(b"\xff\xff\xff\xff", pa.large_binary())  # a length of -1: NULL
JSONB_VERSION = pa.scalar(b"\x01", pa.large_binary())  # jsonb's binary form: it, then the text
JOINED = pa.scalar(b"", pa.large_binary())  # the separator of cells joined into a row
POSTGRES_EPOCH_DAY = 10_957  # 2000-01-01, where PostgreSQL counts dates from
POSTGRES_EPOCH_SECOND = POSTGRES_EPOCH_DAY * 86_400  # and times (in microseconds) from


def _binary_types(model: type[models.Model], columns: list[str]) -> list[str] | None:
    """Each column's binary COPY kind (a big-endian numpy type, or text, jsonb, date or
    timestamptz), or ``None`` if any column has another type (decimals: those go as CSV)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    kinds: list[str | None] = []
    for column in columns:
        db_type = fields[column].db_type(connection)
        if db_type.startswith("varchar"):
            db_type = "text"
        kinds.append(BINARY_TYPES.get(db_type) or BINARY_VARIABLE.get(db_type))
    # Without a None, every kind is a str.
    return None if None in kinds else cast("list[str]", kinds)


def _as_binary(values: np.ndarray) -> pa.Array:
    """Each element of a numpy array of fixed-width records as its raw bytes."""
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(values.dtype.itemsize), len(values), [None, pa.py_buffer(values)]
    )
    return fixed.cast(pa.large_binary())


def _fixed_cells(values: np.ndarray, kind: str) -> pa.Array:
    """Length-prefixed cells of fixed-width values (big-endian ``kind``)."""
    table = np.empty(len(values), dtype=[("length", ">i4"), ("value", kind)])
    table["length"] = np.dtype(kind).itemsize
    table["value"] = values
    return _as_binary(table)


def _json_texts(values: pd.Series) -> pd.Series:
    """Each value as JSON text. A value object shared by many rows (the same suggestions or the
    same not-measured reasons for thousands of people) is encoded once: the Series keeps every
    object alive meanwhile, so an object's id names it for the whole loop."""
    encoded: dict[int, str] = {}
    texts = []
    for value in values.tolist():
        key = id(value)
        if key not in encoded:
            encoded[key] = JSON_LITERAL.encode(value)
        texts.append(encoded[key])
    return pd.Series(texts, index=values.index, dtype=object)


def _binary_cells(values: pd.Series, kind: str) -> pa.Array:
    """One column as binary COPY cells: each its 4-byte length (-1 for NULL) and its bytes."""
    missing = values.isna().to_numpy()
    if kind in ("text", "jsonb"):
        texts = _json_texts(values) if kind == "jsonb" else values.map(str)
        encoded = pa.array(texts.where(~missing, None), type=pa.large_string())
        encoded = encoded.cast(pa.large_binary())
        if kind == "jsonb":
            encoded = pc.binary_join_element_wise(JSONB_VERSION, encoded, JOINED)
        lengths = pc.binary_length(encoded).fill_null(0).to_numpy().astype(">i4")
        cells = pc.binary_join_element_wise(_as_binary(lengths), encoded, JOINED)
    elif kind == "timestamptz":
        # Whole seconds, as the text path stores them (``instants_as_stored`` agrees).
        seconds = _stored_seconds(values)
        whole = np.where(missing, 0, seconds - POSTGRES_EPOCH_SECOND).astype(np.int64)
        cells = _fixed_cells(whole * 1_000_000, ">i8")
    elif kind == "date":
        days = pd.to_datetime(values.where(~missing, None)).to_numpy("datetime64[D]")
        whole = np.where(missing, 0, days.astype(np.int64) - POSTGRES_EPOCH_DAY)
        cells = _fixed_cells(whole, ">i4")
    else:
        cells = _fixed_cells((values.astype(float).fillna(0) if missing.any() else values), kind)
    return pc.if_else(pa.array(missing), NULL_CELL, cells) if missing.any() else cells


def _binary_copy_payload(frame: pd.DataFrame, kinds: list[str]) -> bytes:
    """Rows in PostgreSQL's binary COPY format, built column by column with Arrow: per row a
    field count, then per field its length (-1 for NULL) and its bytes."""
    count = _as_binary(np.full(len(frame), len(kinds), dtype=">i2"))
    cells = [_binary_cells(frame[column], kind) for column, kind in zip(frame, kinds, strict=True)]
    rows = pc.binary_join_element_wise(count, *cells, JOINED)
    _, offsets, data = rows.buffers()
    start, end = np.frombuffer(offsets, dtype=np.int64)[[rows.offset, rows.offset + len(rows)]]
    return BINARY_HEADER + bytes(memoryview(data)[start:end]) + BINARY_TRAILER


def ids_reserve(model: type[models.Model], count: int) -> np.ndarray | None:
    """``count`` ids drawn from the table's id sequence (PostgreSQL), so rows can be written with
    their ids known beforehand; ``None`` where the database has no sequence to draw from."""
    if connection.vendor != "postgresql" or count == 0:
        return None
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


@dataclass(frozen=True)
class BulkLoad:
    """A frame's rows made ready to write (``frame_bulk_prepare``): the statements with their
    data, so the formatting can happen while the connection is busy with something else."""

    model: type[models.Model]
    rows: int
    copies: list[tuple[str, bytes | str]] = field(default_factory=list)  # PostgreSQL
    inserts: list[tuple[str, list[tuple[object, ...]]]] = field(default_factory=list)  # elsewhere
    reset_sequence: bool = False


def frame_bulk_prepare(
    model: type[models.Model], frame: pd.DataFrame, *, ids_reserved: bool = False
) -> BulkLoad:
    """``frame``'s rows (columns named by field attname) as statements for ``bulk_load_run``:
    COPY on PostgreSQL (binary for frames of numbers only), batched multi-row INSERTs
    elsewhere. Makes no query."""
    if frame.empty:
        return BulkLoad(model, 0)
    postgres = connection.vendor == "postgresql"
    table = model._meta.db_table
    stored = [f.attname for f in model._meta.concrete_fields if f.attname in frame.columns]
    # Only when ids were given (not drawn from the sequence): resetting the sequence to the
    # highest visible id while others insert would hand out their ids a second time.
    reset_sequence = postgres and "id" in frame.columns and not ids_reserved
    # Binary COPY skips formatting and parsing text; only decimals still go as CSV.
    binary = _binary_types(model, stored) if postgres else None
    if binary is not None:
        missing_stamps = _missing_stamps(model, frame)
        if missing_stamps:
            frame = frame.assign(**dict.fromkeys(missing_stamps, timezone.now().timestamp()))
            stored += missing_stamps
            binary += ["timestamptz"] * len(missing_stamps)
        columns = ", ".join(connection.ops.quote_name(c) for c in stored)
        sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)"
        payload = _binary_copy_payload(frame[stored], binary)
        return BulkLoad(model, len(frame), copies=[(sql, payload)], reset_sequence=reset_sequence)
    load = BulkLoad(model, len(frame), reset_sequence=reset_sequence)
    for chunk in _chunks(frame, COPY_CHUNK_ROWS if postgres else INSERT_CHUNK_ROWS):
        literals = _literal_frame(model, chunk, postgres=postgres)
        columns = ", ".join(connection.ops.quote_name(c) for c in literals.columns)
        if postgres:
            buffer = io.StringIO()
            literals.to_csv(buffer, header=False, index=False, na_rep=NULL)
            sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
            load.copies.append((sql, buffer.getvalue()))
        else:
            marks = ", ".join(["%s"] * len(literals.columns))
            load.inserts.append(
                (
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    list(literals.itertuples(index=False, name=None)),
                )
            )
    return load


def bulk_load_run(load: BulkLoad) -> int:
    """Write prepared rows; returns how many. A refused row raises Django's IntegrityError (a
    constraint) or DataError (a value its column cannot hold)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, payload in load.copies:
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                copy.write(payload)
        for sql, rows in load.inserts:
            cursor.executemany(sql, rows)
        if load.reset_sequence:
            for statement in connection.ops.sequence_reset_sql(no_style(), [load.model]):
                cursor.execute(statement)
    return load.rows


def frame_bulk_load(
    model: type[models.Model], frame: pd.DataFrame, *, ids_reserved: bool = False
) -> int:
    """Insert every row of ``frame`` (columns named by field attname) into ``model``'s table.

    COPY on PostgreSQL, batched multi-row INSERTs elsewhere; ids given in the frame are kept and the
    id sequence is moved past them (without ids, the database numbers the rows). Returns the
    number of rows written. Writes no history: for records this is an initial load (a record's
    history starts with its first change); score rows have their run as their record.
    """
    return bulk_load_run(frame_bulk_prepare(model, frame, ids_reserved=ids_reserved))


def frame_bulk_update(model: type[models.Model], frame: pd.DataFrame) -> int:
    """Set the frame's columns (field attnames) on the rows named by its ``id`` column.

    On PostgreSQL: COPY into a temporary table, then one ``UPDATE … FROM``; elsewhere Django's
    ``bulk_update``. Writes no history (used for derived results, whose run is their record).
    """
    if frame.empty:
        return 0
    fields = [column for column in frame.columns if column != "id"]
    if connection.vendor != "postgresql":
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        objects = [model(id=int(row.pop("id")), **row) for row in rows]
        model.objects.bulk_update(objects, fields, batch_size=INSERT_CHUNK_ROWS)
        return len(objects)
    table = model._meta.db_table
    literals = _literal_frame(model, frame, postgres=True)
    columns = [connection.ops.quote_name(column) for column in literals.columns]
    staging = connection.ops.quote_name(f"{table}_update")
    assignments = ", ".join(
        f"{column} = {staging}.{column}" for column in columns if column != '"id"'
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _stage(cursor, staging, f"SELECT {', '.join(columns)} FROM {table}", literals)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} WHERE {table}.id = {staging}.id"
        )
        # Dropped now, not only at commit: an enclosing transaction may update again.
        cursor.execute(f"DROP TABLE {staging}")
    return len(frame)


def _stage(cursor: Any, staging: str, shape: str, literals: pd.DataFrame) -> None:
    """A temporary table ``staging`` with the columns ``shape`` (a query) selects, and none of
    their constraints, filled with the literal rows by COPY."""
    cursor.execute(f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS {shape} WITH NO DATA")
    columns = ", ".join(connection.ops.quote_name(column) for column in literals.columns)
    buffer = io.StringIO()
    literals.to_csv(buffer, header=False, index=False, na_rep=NULL)
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(
            f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def frame_check_failures(model: type[models.Model], frame: pd.DataFrame) -> dict[object, str]:
    """The rows of ``frame`` (columns named by field attname) that break a CHECK constraint of
    ``model``'s table, each with the name of the first it breaks (by name), as the database
    itself judges them: one COPY into a temporary table without constraints and one query over
    the definitions PostgreSQL holds. For a writer whose batch was refused: the rows a check
    refuses are found at once, not by one statement after another. Nothing elsewhere than on
    PostgreSQL; a value no column of its type can hold raises as the write did."""
    if connection.vendor != "postgresql" or frame.empty:
        return {}
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname",
            [table],
        )
        checks = [
            (name, definition.removeprefix("CHECK ").removesuffix(" NOT VALID"))
            for name, definition in cursor.fetchall()
        ]
        if not checks:
            return {}
        staging = connection.ops.quote_name(f"{table}_checked")
        literals = _literal_frame(model, frame, postgres=True)
        literals.insert(0, "_position", np.arange(len(literals)))
        with transaction.atomic():
            _stage(cursor, staging, f'SELECT 0::bigint AS "_position", * FROM {table}', literals)
            # A check holds unless its condition is false (NULL passes, as in the table).
            judged = ", ".join(f"(%s, {condition.replace('%', '%%')})" for _, condition in checks)
            cursor.execute(
                f'SELECT DISTINCT ON ("_position") "_position", name FROM {staging}, '
                f"LATERAL (VALUES {judged}) AS judged(name, holds) "
                f'WHERE holds IS FALSE ORDER BY "_position", name',
                [name for name, _ in checks],
            )
            failures = cursor.fetchall()
            cursor.execute(f"DROP TABLE {staging}")
    return {frame.index[position]: name for position, name in failures}
