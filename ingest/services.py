"""Writes of operational records: bulk loading of generated or imported tables; the demo seed."""

import datetime as dt
import hashlib
import io
import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from celery.exceptions import Retry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ingest.connectors import ConnectorError, connector_for
from ingest.models import (
    ExceptionCase,
    Feedback,
    FollowUp,
    LedgerAction,
    LedgerEntry,
    Order,
    OrderNode,
    PeerReview,
    RejectedRow,
    Source,
    SourceKind,
    Suggestion,
    SyncRun,
    SyncStatus,
    SyncTrigger,
    Ticket,
    TrainingRecord,
)
from ingest.records import (
    GENESIS_HASH,
    RECORD_TYPE_OF_MODEL,
    SYNC_ORDER,
    KnownIds,
    MappingError,
    RecordType,
    Rejections,
    canonical_contents,
    content_hash,
    entry_hash,
    field_default,
    mapping_check,
    months_of,
    record_period,
    record_values,
    relations_resolve,
    rows_validate,
)
from ingest.seed.company import Company, Scale, generate
from ingest.seed.sources import (
    CRM_MAPPINGS,
    CRM_SOURCE,
    ERP_MAPPINGS,
    ERP_SOURCE,
    crm_workbook_write,
    erp_database_write,
)
from ingest.signals import records_changed
from org.calendar import period_is_closed
from org.models import Customer, Employee, Role, Team
from org.periods import Period
from org.signals import pages_stale

NULL = r"\N"
COPY_CHUNK_ROWS = 250_000
INSERT_CHUNK_ROWS = 20_000

TABLE_MODELS: dict[str, type[models.Model]] = {
    "teams": Team,
    "employees": Employee,
    "customers": Customer,
    "orders": Order,
    "order_nodes": OrderNode,
    "follow_ups": FollowUp,
    "feedback": Feedback,
    "exceptions": ExceptionCase,
    "tickets": Ticket,
    "suggestions": Suggestion,
    "trainings": TrainingRecord,
    "peer_reviews": PeerReview,
}


# One encoder for every JSON cell (``json.dumps`` with options builds a new one per call).
JSON_LITERAL = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def _format_column(field: models.Field, values: pd.Series, *, postgres: bool) -> pd.Series:
    """A column as database literals (str) with ``None`` for NULL.

    Times arrive as epoch seconds (float, NaN for none) and are stored to the second, in UTC:
    with an explicit offset for PostgreSQL, naive for SQLite (which is how Django stores them).
    """
    missing = values.isna().to_numpy()
    if isinstance(field, models.DateTimeField):
        seconds = np.floor(_epoch_seconds(values))
        stamps = np.datetime_as_string(
            np.where(missing, 0, seconds).astype("datetime64[s]"), unit="s"
        )
        text = pd.Series(stamps, index=values.index).str.replace("T", " ", regex=False)
        if postgres:
            text = text + "+00:00"
    elif isinstance(field, models.DateField):
        text = values.map(lambda day: day.isoformat() if not pd.isna(day) else None)
    elif isinstance(field, models.JSONField):
        text = values.map(JSON_LITERAL.encode)
    elif isinstance(field, models.BooleanField):
        text = values.astype(bool).map({True: "1", False: "0"})
    elif isinstance(field, models.DecimalField):
        text = values.map(lambda x: f"{x:.{field.decimal_places}f}" if not pd.isna(x) else None)
    elif isinstance(field, (models.IntegerField, models.ForeignKey, models.AutoField)):
        text = values.astype("Int64").astype(str)
    elif isinstance(field, models.FloatField) and postgres:
        # Left as numbers: to_csv formats them in C, and writes NaN as NULL.
        return values.astype(float)
    else:
        text = values.astype(str)
    return text.astype(object).where(~missing, None)


def _epoch_seconds(values: pd.Series) -> np.ndarray:
    """Instants as epoch seconds (NaN for none), given as numbers already (generated tables) or
    as datetimes (synced rows, rows read back from the database)."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    stamps = pd.to_datetime(values, utc=True)
    seconds = (stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    return seconds.to_numpy(dtype=float, na_value=np.nan)


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


# Text, JSON and date columns in binary COPY: their kind, by PostgreSQL column type.
BINARY_VARIABLE = {"text": "text", "jsonb": "jsonb", "date": "date"}
NULL_CELL = pa.scalar(b"\xff\xff\xff\xff", pa.large_binary())  # a length of -1: NULL
JSONB_VERSION = pa.scalar(b"\x01", pa.large_binary())  # jsonb's binary form: it, then the text
JOINED = pa.scalar(b"", pa.large_binary())  # the separator of cells joined into a row
POSTGRES_EPOCH_DAY = 10_957  # 2000-01-01, where PostgreSQL counts dates from


def _binary_types(model: type[models.Model], columns: list[str]) -> list[str] | None:
    """Each column's binary COPY kind (a big-endian numpy type, or text, jsonb or date), or
    ``None`` if any column has another type (timestamps, decimals: those go as CSV)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    kinds = []
    for column in columns:
        db_type = fields[column].db_type(connection)
        if db_type.startswith("varchar"):
            db_type = "text"
        kinds.append(BINARY_TYPES.get(db_type) or BINARY_VARIABLE.get(db_type))
    return None if None in kinds else kinds


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


def _binary_cells(values: pd.Series, kind: str) -> pa.Array:
    """One column as binary COPY cells: each its 4-byte length (-1 for NULL) and its bytes."""
    missing = values.isna().to_numpy()
    if kind in ("text", "jsonb"):
        texts = values.map(JSON_LITERAL.encode if kind == "jsonb" else str)
        encoded = pa.array(texts.where(~missing, None), type=pa.large_string())
        encoded = encoded.cast(pa.large_binary())
        if kind == "jsonb":
            encoded = pc.binary_join_element_wise(JSONB_VERSION, encoded, JOINED)
        lengths = pc.binary_length(encoded).fill_null(0).to_numpy().astype(">i4")
        cells = pc.binary_join_element_wise(_as_binary(lengths), encoded, JOINED)
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
    inserts: list[tuple[str, list[tuple]]] = field(default_factory=list)  # elsewhere
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
    # Rows without timestamps (score rows): binary COPY skips formatting and parsing text.
    # (Timestamps, decimals and the created/updated stamps ``_literal_frame`` adds go as CSV.)
    binary = None
    if postgres and not _missing_stamps(model, frame):
        binary = _binary_types(model, stored)
    if binary is not None:
        columns = ", ".join(connection.ops.quote_name(c) for c in stored)
        sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)"
        payload = _binary_copy_payload(frame[stored], binary)
        return BulkLoad(model, len(frame), copies=[(sql, payload)])
    load = BulkLoad(
        model,
        len(frame),
        # Only when ids were given (not drawn from the sequence): resetting the sequence to the
        # highest visible id while others insert would hand out their ids a second time.
        reset_sequence=postgres and "id" in frame.columns and not ids_reserved,
    )
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
    """Write prepared rows; returns how many. A refused row raises Django's IntegrityError."""
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
    buffer = io.StringIO()
    literals.to_csv(buffer, header=False, index=False, na_rep=NULL)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} WHERE {table}.id = {staging}.id"
        )
        # Dropped now, not only at commit: an enclosing transaction may update again.
        cursor.execute(f"DROP TABLE {staging}")
    return len(frame)


DEMO_PASSWORD = "perf-demo-2026"


@dataclass
class SeedReport:
    """What a seed wrote: row counts per table, each person's style, the demo logins."""

    scale: str
    seed: int
    months: list[dt.date]
    counts: dict[str, int] = field(default_factory=dict)
    styles: pd.Series | None = None


class AlreadySeeded(Exception):
    """The database already holds employees; seeding would mix two companies."""


def _demo_logins(company: Company) -> dict[int, tuple[Role, str]]:
    """employee id -> (role, username) for the named demo accounts."""
    employees = company.employees
    first_team = company.teams.loc[company.teams["kind"] == "merchandising", "id"].iloc[0]
    in_first_team = employees["team_id"] == first_team
    manager = employees.loc[in_first_team & employees["is_manager"], "id"].iloc[0]
    styles = company.styles.reindex(employees["employee_no"]).to_numpy()
    improving = employees.loc[in_first_team & (styles == "improving"), "id"].iloc[0]
    hr = employees.loc[employees["team_id"] == company.teams["id"].max(), "id"].iloc[0]
    return {
        int(manager): (Role.MANAGER, "manager"),
        int(improving): (Role.MERCHANDISER, "merchandiser"),
        int(hr): (Role.HR, "hr"),
    }


def _user_accounts(company: Company, password_hash: str) -> pd.Series:
    """One account per employee (the named demo ones included) and an admin account; returns the
    user id of each employee id."""
    User = get_user_model()
    named = _demo_logins(company)
    scored_team = company.teams.set_index("id")["is_scored"]
    accounts = []
    for row in company.employees.itertuples(index=False):
        role, username = named.get(row.id, (None, row.employee_no.lower()))
        if role is None:
            role = (
                Role.MANAGER
                if row.is_manager
                else (Role.MERCHANDISER if scored_team[row.team_id] else Role.HR)
            )
        accounts.append((row.id, username, row.name, role))
    User.objects.bulk_create(
        [User(username=u, first_name=name, password=password_hash) for _, u, name, _ in accounts]
    )
    user_ids = dict(
        User.objects.filter(username__in=[a[1] for a in accounts]).values_list("username", "pk")
    )
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=user_ids[username], group_id=groups[role.value].pk)
            for _, username, _, role in accounts
        ]
    )
    admin = User.objects.create(
        username="admin",
        first_name="系统管理员",
        password=password_hash,
        is_staff=True,
        is_superuser=True,
    )
    admin.groups.add(groups[Role.ADMIN.value])
    return pd.Series({employee_id: user_ids[username] for employee_id, username, _, _ in accounts})


def company_seed(
    *, scale: Scale, seed: int, end_month: dt.date, sources_dir: Path | None = None
) -> SeedReport:
    """Generate a company and write it: teams, people (with accounts when the scale asks),
    customers and all operational records. Refuses (``AlreadySeeded``) when employees exist.

    For a scale that goes ``through_sources`` (the demo), customers and orders are written to an
    ERP database and feedback to a CRM workbook in ``sources_dir``, both registered as sources
    and synced (so they are in the ledger); the other records are bulk-loaded against the synced
    ids, like data that predates the ledger.
    """
    if Employee.objects.exists():
        raise AlreadySeeded
    company = generate(scale=scale, seed=seed, end_month=end_month)
    report = SeedReport(scale=scale.name, seed=seed, months=company.months, styles=company.styles)
    synced = {"customers", "orders", "feedback"} if scale.through_sources else set()
    with transaction.atomic():
        employees = company.employees
        if scale.with_user_accounts:
            user_ids = _user_accounts(company, make_password(DEMO_PASSWORD))
            employees = employees.assign(user_id=employees["id"].map(user_ids))
        tables = dict(company.tables(), employees=employees)
        for key in ("teams", "employees"):  # the people records are attributed to
            report.counts[key] = frame_bulk_load(TABLE_MODELS[key], tables.pop(key))
        if synced:
            report.counts.update(_demo_sources_sync(company, sources_dir, seed=seed))
            tables = _synced_ids(tables, company)
        for key, frame in tables.items():
            if key not in synced:
                report.counts[key] = frame_bulk_load(TABLE_MODELS[key], frame)
        managers = employees.loc[employees["is_manager"], ["team_id", "id"]]
        teams = list(Team.objects.filter(id__in=managers["team_id"].tolist()))
        manager_of = dict(zip(managers["team_id"], managers["id"], strict=True))
        for team in teams:
            team.manager_id = int(manager_of[team.pk])
        Team.objects.bulk_update(teams, ["manager"])
    return report


def _demo_sources_sync(company: Company, directory: Path | None, *, seed: int) -> dict[str, int]:
    """Write the demo's ERP database and CRM export, register them as sources (synced hourly
    and nightly) and sync both; returns the record counts that arrived."""
    directory = Path(directory or Path(settings.MEDIA_ROOT) / "demo-sources")
    directory.mkdir(parents=True, exist_ok=True)
    erp_path, crm_path = directory / "erp.sqlite3", directory / "crm-feedback.xlsx"
    erp_database_write(company, erp_path, seed=seed)
    crm_workbook_write(company, crm_path)
    erp = Source.objects.create(
        name=ERP_SOURCE,
        kind=SourceKind.SQL,
        config={"engine": "sqlite", "path": str(erp_path)},
        mappings=ERP_MAPPINGS,
    )
    crm = Source.objects.create(
        name=CRM_SOURCE,
        kind=SourceKind.FILE,
        config={"path": str(crm_path), "sheet": "客户评价"},
        mappings=CRM_MAPPINGS,
    )
    source_schedule_set(source=erp, crontab={"minute": "5"})
    source_schedule_set(source=crm, crontab={"minute": "15", "hour": "1"})
    for source in (erp, crm):
        run = source_sync(sync_run_create(source=source, trigger=SyncTrigger.MANUAL))
        if run.rejected:
            raise RuntimeError(f"the demo's {source.name} sync refused {run.rejected} rows")
    return {
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "feedback": Feedback.objects.count(),
    }


def _synced_ids(tables: dict[str, pd.DataFrame], company: Company) -> dict[str, pd.DataFrame]:
    """The generated tables with their order and customer ids replaced by the synced records'."""
    order_ids = company.orders.set_index("id")["external_id"].map(
        dict(Order.objects.filter(source=ERP_SOURCE).values_list("external_id", "pk"))
    )
    customer_ids = company.customers.set_index("id")["external_id"].map(
        dict(Customer.objects.values_list("external_id", "pk"))
    )
    remapped = {}
    for key, frame in tables.items():
        frame = frame.copy()
        if "order_id" in frame:
            frame["order_id"] = frame["order_id"].map(order_ids)
        if "customer_id" in frame:
            frame["customer_id"] = frame["customer_id"].map(customer_ids)
        remapped[key] = frame
    return remapped


# --- The ledger and syncs ----------------------------------------------------------------------

DEFAULT_BATCH_SIZE = 5000
# PostgreSQL advisory lock keys: appending to the ledger chain; syncing a source (plus its id).
LEDGER_LOCK = 7_310_001
SOURCE_LOCK_BASE = 7_400_000


class SyncBusy(Exception):
    """Another sync of the same source is running."""


def _advisory_lock(key: int, *, session: bool = False) -> bool:
    """Take a PostgreSQL advisory lock (SQLite serialises writers anyway). A transaction lock
    waits and lasts until commit; a session lock is only tried, and lasts until released or the
    connection closes, so a killed worker cannot leave it held."""
    if connection.vendor != "postgresql":
        return True
    function = "pg_try_advisory_lock" if session else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [key])
        granted = cursor.fetchone()[0]
    return granted is not False


def _advisory_unlock(key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def ledger_append(
    *,
    spec: RecordType,
    record_ids: Sequence[int],
    contents: Sequence[str],
    actions: Sequence[str],
    actor: str,
) -> int:
    """Append one chained entry per record: its canonical content (``canonical_contents``), the
    content's SHA-256 and the entry's hash over the previous one. Holds the ledger lock until
    the caller's transaction commits, so the chain never forks."""
    if len(record_ids) == 0:
        return 0
    _advisory_lock(LEDGER_LOCK)
    previous = (
        LedgerEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        or GENESIS_HASH
    )
    recorded_at = timezone.now().replace(microsecond=0)
    stamp = recorded_at.isoformat()
    actor = actor[:128]
    previous_hashes, content_hashes, entry_hashes = [], [], []
    for record_id, content, action in zip(record_ids, contents, actions, strict=True):
        digest = content_hash(content)
        previous_hashes.append(previous)
        previous = entry_hash(
            previous=previous,
            record_type=spec.key,
            record_id=int(record_id),
            action=action,
            content_digest=digest,
            actor=actor,
            recorded_at=stamp,
        )
        content_hashes.append(digest)
        entry_hashes.append(previous)
    frame = pd.DataFrame(
        {
            "record_type": spec.key,
            "record_id": np.asarray(record_ids, dtype=np.int64),
            "action": list(actions),
            "content": list(contents),
            "content_hash": content_hashes,
            "previous_hash": previous_hashes,
            "entry_hash": entry_hashes,
            "actor": actor,
            "recorded_at": recorded_at.timestamp(),
        }
    )
    return frame_bulk_load(LedgerEntry, frame)


def records_ledger(*, spec: RecordType, record_ids: Sequence[int], action: str, actor: str) -> int:
    """Append ledger entries for records as they now are in the database (after a change made
    through the ORM: an admin edit, a correction, records loaded in bulk)."""
    rows = record_values(spec, spec.model.objects.filter(pk__in=list(record_ids)).order_by("pk"))
    contents = canonical_contents(spec, rows)
    return ledger_append(
        spec=spec,
        record_ids=rows["id"].tolist(),
        contents=contents.tolist(),
        actions=[action] * len(rows),
        actor=actor,
    )


def record_save(
    *,
    record: models.Model,
    actor: str,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    fields: list[str] | None = None,
) -> LedgerEntry:
    """Save one record changed by a person or a correction: its history names ``user`` and
    ``reason``, and a ledger entry names ``actor`` ("user:7", "appeal:12"). Returns the entry."""
    spec = RECORD_TYPE_OF_MODEL[type(record)]
    action = LedgerAction.UPDATED if record.pk else LedgerAction.CREATED
    record._history_user = user
    record._change_reason = reason or actor
    with transaction.atomic():
        record.save(update_fields=fields) if fields and record.pk else record.save()
        records_ledger(spec=spec, record_ids=[record.pk], action=action, actor=actor)
        pages_stale.send(sender=spec.model)  # drill-downs list the record
        return LedgerEntry.objects.filter(record_type=spec.key, record_id=record.pk).latest("id")


def record_in_closed_period(record: models.Model) -> bool:
    """Whether the record falls in a period whose appeal window has passed (locked: only an
    approved appeal changes it)."""
    period = record_period(record)
    return period is not None and period_is_closed(period)


def _lookups_of(condition: models.Q) -> list[str]:
    """The lookups (``confirmed_at__gte``…) of a condition, depth first."""
    names = []
    for child in condition.children:
        names.extend(_lookups_of(child) if isinstance(child, models.Q) else [child[0]])
    return names


def _constraint_messages(model: type[models.Model]) -> dict[str, tuple[str, str]]:
    """Constraint name → (the field it is about, its message), for naming a refused row's
    problem in the user's words rather than the database's."""
    messages = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            field_name = constraint.fields[0] if constraint.fields else ""
        else:
            names = _lookups_of(constraint.condition)
            field_name = names[0].split("__")[0] if names else ""
        messages[constraint.name] = (field_name, str(constraint.get_violation_error_message()))
    return messages


def constraint_refusal(model: type[models.Model], error: Exception) -> dict[str, str]:
    text = str(error)
    for name, (field_name, message) in _constraint_messages(model).items():
        if name in text:
            return {"field": field_name, "message": message}
    return {"field": "", "message": text.splitlines()[0][:500]}


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    months: set[str] = field(default_factory=set)


def _stored_ids(spec: RecordType, frame: pd.DataFrame) -> pd.DataFrame:
    """Natural keys and ids of the stored records matching the batch's keys (one query)."""
    keys = [spec.model._meta.get_field(name).attname for name in spec.natural_key]
    queryset = spec.model.objects.order_by()
    if "source" in keys:
        # Spelled out so PostgreSQL can use the (source, external id) index, which is partial.
        queryset = queryset.exclude(external_id="")
    for key in keys:
        values = frame[key].dropna().unique().tolist()
        queryset = queryset.filter(**{f"{key}__in": values})
    return pd.DataFrame.from_records(list(queryset.values_list(*keys, "id")), columns=[*keys, "id"])


def _write_refusing_alone(
    model: type[models.Model], rows: pd.DataFrame, write: Callable[[pd.DataFrame], object]
) -> tuple[pd.DataFrame, dict[int, dict]]:
    """``write`` all rows at once or, when the database refuses the batch, one by one, so a row
    breaking a constraint is refused alone (with the constraint's message). Returns the rows
    written and the refusals by position."""
    try:
        with transaction.atomic():
            write(rows)
        return rows, {}
    except IntegrityError:
        pass
    refused = {}
    for position in rows.index:
        try:
            with transaction.atomic():
                write(rows.loc[[position]])
        except IntegrityError as error:
            refused[position] = constraint_refusal(model, error)
    return rows.drop(index=list(refused)), refused


def _insert(spec: RecordType, rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, dict]]:
    """Insert new records, each refused alone if the database refuses it."""
    ids = ids_reserve(spec.model, len(rows))
    rows = rows.drop(columns=["id"], errors="ignore")
    if ids is not None:
        rows = rows.assign(id=ids)  # known now: no need to look the new rows up afterwards
    return _write_refusing_alone(
        spec.model,
        rows,
        lambda part: frame_bulk_load(spec.model, part, ids_reserved=ids is not None),
    )


def _update(
    spec: RecordType, rows: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, dict[int, dict]]:
    """Update changed records (``columns`` of them), each refused alone if need be."""
    now = timezone.now()
    return _write_refusing_alone(
        spec.model,
        rows,
        lambda part: frame_bulk_update(spec.model, part[["id", *columns]].assign(updated_at=now)),
    )


def _history_write(spec: RecordType, rows: pd.DataFrame, reason: str, user_id: int | None) -> None:
    """Historical rows ("~") for records a sync changed, in one bulk write."""
    history = spec.model.history.model
    frame = rows.drop(columns=["id"]).assign(
        id=rows["id"],
        history_date=timezone.now().timestamp(),
        history_type="~",
        history_change_reason=reason,
        history_user_id=user_id,
        updated_at=timezone.now().timestamp(),
    )
    if "created_at" in {f.attname for f in history._meta.concrete_fields}:
        created = dict(
            spec.model.objects.filter(pk__in=rows["id"].tolist()).values_list("pk", "created_at")
        )
        frame["created_at"] = rows["id"].map(lambda pk: created[pk].timestamp())
    frame_bulk_load(history, frame)


def _batch_apply(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    raw: pd.DataFrame,
    row_numbers: Sequence[int],
    known: KnownIds,
) -> BatchOutcome:
    """Validate, upsert, ledger and quarantine one batch of raw rows, in the caller's
    transaction. ``raw`` is indexed by position in the batch."""
    source = run.source
    validated = rows_validate(spec, mapping, raw)
    relations_resolve(spec, mapping, validated, source_name=source.name, known=known)
    frame = validated.frame
    if "source" in {f.name for f in spec.fields()}:
        frame["source"] = source.name
    rejections = validated.rejections
    good = frame.drop(index=rejections.positions)
    keys = [spec.model._meta.get_field(name).attname for name in spec.natural_key]
    duplicates = good.duplicated(subset=keys, keep="last")
    good = good[~duplicates]
    outcome = BatchOutcome(unchanged=int(duplicates.sum()))

    stored = _stored_ids(spec, good) if len(good) else pd.DataFrame()
    content_columns = [f.attname for f in spec.content_fields()]
    if len(stored):
        matched = good.reset_index().merge(stored, on=keys, how="left").set_index("index")
        record_ids = matched["id"]
        existing = record_values(spec, spec.model.objects.filter(pk__in=stored["id"].tolist()))
    else:
        record_ids = pd.Series(np.nan, index=good.index)
        existing = pd.DataFrame()
    is_new = record_ids.isna()

    new = good[is_new].copy()
    for f in spec.content_fields():
        if f.attname not in new:
            new[f.attname] = field_default(f)
    new = new[content_columns]

    changed_columns = [c for c in validated.mapped + list(spec.derived) if c not in keys]
    old = good[~is_new].copy()
    old["id"] = record_ids[~is_new].astype(np.int64)
    current = existing.set_index("id", drop=False).loc[old["id"]] if len(old) else existing
    merged = current.copy()
    if len(old):
        merged.index = old.index
        for column in changed_columns:
            merged[column] = old[column].to_numpy()
        before = canonical_contents(spec, current.set_axis(old.index))
        after = canonical_contents(spec, merged)
        differs = before != after
        outcome.unchanged += int((~differs).sum())
        merged = merged[differs]

    refused = {}
    inserted, refused_new = _insert(spec, new) if len(new) else (new, {})
    refused.update(refused_new)
    updated, refused_old = _update(spec, merged, changed_columns) if len(merged) else (merged, {})
    refused.update(refused_old)
    for position, reason in refused.items():
        rejections.reasons.setdefault(int(position), []).append(reason)

    actor = f"sync:{run.pk}"
    if len(inserted):
        if "id" in inserted:
            ids = inserted["id"]
        else:
            ids = inserted[keys].merge(_stored_ids(spec, inserted), on=keys, how="left")["id"]
        ledger_append(
            spec=spec,
            record_ids=ids.tolist(),
            contents=canonical_contents(spec, inserted).tolist(),
            actions=[LedgerAction.CREATED] * len(inserted),
            actor=actor,
        )
    if len(updated):
        _history_write(spec, updated, f"sync run {run.pk}", run.triggered_by_id)
        ledger_append(
            spec=spec,
            record_ids=updated["id"].tolist(),
            contents=canonical_contents(spec, updated).tolist(),
            actions=[LedgerAction.UPDATED] * len(updated),
            actor=actor,
        )
    _rejections_keep(
        run=run,
        spec=spec,
        mapping=mapping,
        raw=raw,
        row_numbers=row_numbers,
        rejections=rejections,
    )
    outcome.created = len(inserted)
    outcome.updated = len(updated)
    zone = ZoneInfo(settings.TIME_ZONE)
    outcome.months = months_of(spec, inserted, zone) | months_of(spec, updated, zone)
    outcome.rejected = len(rejections.reasons)
    return outcome


def _json_safe(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value


def _rejections_keep(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    raw: pd.DataFrame,
    row_numbers: Sequence[int],
    rejections: Rejections,
) -> None:
    """Quarantine the refused rows as they arrived, with every reason."""
    if not rejections.reasons:
        return
    id_column = mapping.get("fields", {}).get("external_id")
    rows = []
    for position, reasons in sorted(rejections.reasons.items()):
        row = {key: _json_safe(value) for key, value in raw.loc[position].items()}
        external_id = row.get(id_column) if id_column else None
        rows.append(
            RejectedRow(
                run=run,
                record_type=spec.key,
                row_number=row_numbers[int(position)],
                external_id=str(external_id)[:128] if external_id is not None else "",
                raw=row,
                reasons=reasons,
            )
        )
    RejectedRow.objects.bulk_create(rows, batch_size=1000)


def _cursor_of(raw: pd.DataFrame, field_name: str | None) -> str | None:
    """The largest value of the cursor field in a batch, as the text the source is asked with."""
    if not field_name or field_name not in raw:
        return None
    values = raw[field_name].dropna()
    if values.empty:
        return None
    largest = values.max()
    if isinstance(largest, pd.Timestamp):
        largest = largest.to_pydatetime()
    if isinstance(largest, dt.datetime):
        return largest.isoformat(sep=" ")
    return str(largest)


def _counts_add(run: SyncRun, outcome: BatchOutcome, fetched: int) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        fetched=F("fetched") + fetched,
        created=F("created") + outcome.created,
        updated=F("updated") + outcome.updated,
        unchanged=F("unchanged") + outcome.unchanged,
        rejected=F("rejected") + outcome.rejected,
        batches=F("batches") + 1,
    )


def batch_commit(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    rows: list[dict],
    row_numbers: Sequence[int],
    cursor_field: str | None = None,
    known: KnownIds | None = None,
) -> BatchOutcome:
    """Apply one batch (``row_numbers``: each row's number as the source shows it, for the
    report) and, in the same transaction, count it on the run and move the source's cursor to
    the batch's largest ``cursor_field`` value: a sync killed after this commit resumes after
    this batch, never before."""
    raw = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    raw.index = pd.RangeIndex(len(raw))
    cursor = _cursor_of(raw, cursor_field)
    with transaction.atomic():
        outcome = _batch_apply(
            run=run,
            spec=spec,
            mapping=mapping,
            raw=raw,
            row_numbers=row_numbers,
            known=known if known is not None else KnownIds(),
        )
        _counts_add(run, outcome, len(rows))
        if outcome.months:
            locked = SyncRun.objects.select_for_update().get(pk=run.pk)
            locked.periods = sorted(set(locked.periods) | outcome.months)
            locked.save(update_fields=["periods"])
        if cursor is not None:
            source = Source.objects.select_for_update().get(pk=run.source_id)
            source.cursors = {**source.cursors, spec.key: cursor}
            source.save(update_fields=["cursors"])
    return outcome


def sync_run_create(
    *, source: Source, trigger: str = SyncTrigger.SCHEDULE, user: AbstractBaseUser | None = None
) -> SyncRun:
    return SyncRun.objects.create(source=source, trigger=trigger, triggered_by=user)


def sync_run_start(
    *, source: Source, trigger: str = SyncTrigger.MANUAL, user: AbstractBaseUser | None = None
) -> SyncRun:
    """Queue a pull of the source and hand it to the workers once the transaction commits."""
    from ingest.tasks import source_sync_task

    run = sync_run_create(source=source, trigger=trigger, user=user)
    transaction.on_commit(lambda: source_sync_task.delay(run.pk))
    return run


def source_sync_now(*, source: Source, user: AbstractBaseUser) -> SyncRun:
    """Queue a manual pull of the source and return its run as it now stands.

    With eager Celery (local runs, tests) the pull happens when the transaction below commits,
    inside this call, and a source that cannot be read raises here (as the task's request to
    retry, for a connector error). The run has recorded the failure by then, so the caller
    still gets the run and its page shows the error.
    """
    with suppress(ConnectorError, MappingError, Retry), transaction.atomic():
        run = sync_run_start(source=source, trigger=SyncTrigger.MANUAL, user=user)
    run.refresh_from_db()
    return run


def _run_begin(run: SyncRun) -> None:
    """Mark the run running; runs of the source left running by a killed worker are closed."""
    SyncRun.objects.filter(source=run.source_id, status=SyncStatus.RUNNING).exclude(
        pk=run.pk
    ).update(
        status=SyncStatus.FAILED,
        error=gettext("Interrupted: the worker stopped before the run finished."),
        finished_at=timezone.now(),
    )
    run.status = SyncStatus.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.error = ""
    run.save(update_fields=["status", "started_at", "error"])


def _run_end(run: SyncRun, *, error: str = "") -> None:
    run.refresh_from_db()
    run.status = SyncStatus.FAILED if error else SyncStatus.SUCCEEDED
    run.error = error[:4000]
    run.record_type = ""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "record_type", "finished_at"])


def _sync_locked(run: SyncRun):
    """Run the body while holding the source's sync lock; refuses (``SyncBusy``) if another
    process holds it."""
    key = SOURCE_LOCK_BASE + run.source_id
    if not _advisory_lock(key, session=True):
        raise SyncBusy(gettext("Another sync of this source is running."))
    return key


def _mapped_types(source: Source) -> list[str]:
    """The record types the source maps, in the order relations need them synced."""
    return [record_type for record_type in SYNC_ORDER if record_type in source.mappings]


def source_sync(run: SyncRun, *, batch_size: int = DEFAULT_BATCH_SIZE) -> SyncRun:
    """Pull every record type the source maps, batch by batch from its committed cursors.

    A connector failure marks the run failed with the message, keeping every batch committed so
    far (and the cursor after them): the next run, or the task's retry, resumes there.
    """
    source = run.source
    key = _sync_locked(run)
    try:
        _run_begin(run)
        try:
            for record_type in _mapped_types(source):
                mapping = source.mappings[record_type]
                spec = mapping_check(record_type, mapping)
                SyncRun.objects.filter(pk=run.pk).update(record_type=record_type)
                connector = connector_for(
                    source.kind, {**source.config, **mapping.get("fetch", {})}
                )
                since = Source.objects.get(pk=source.pk).cursors.get(record_type)
                known = KnownIds()
                for batch in connector.batches(since=since, batch_size=batch_size):
                    batch_commit(
                        run=run,
                        spec=spec,
                        mapping=mapping,
                        rows=batch.rows,
                        row_numbers=range(batch.first_row, batch.first_row + len(batch.rows)),
                        cursor_field=mapping.get("cursor_field"),
                        known=known,
                    )
        except Exception as error:
            _run_end(run, error=str(error) or type(error).__name__)
            raise
        _run_end(run)
    finally:
        _advisory_unlock(key)
    run.refresh_from_db()
    return run


def records_push(
    *,
    source: Source,
    record_type: str,
    rows: list[dict],
    trigger: str,
    user: AbstractBaseUser | None = None,
    first_row: int = 1,
) -> SyncRun:
    """Push rows (a webhook's payload, an uploaded file's rows) through the source's mapping for
    ``record_type``, with the same validation, upsert, ledger and quarantine as a pull. The
    source's cursor does not move: pushed rows are not part of its incremental read."""
    mapping = source.mappings.get(record_type)
    if mapping is None:
        raise MappingError(
            gettext("The source {source} has no mapping for {record_type}.").format(
                source=source.name, record_type=record_type
            )
        )
    spec = mapping_check(record_type, mapping)
    run = sync_run_create(source=source, trigger=trigger, user=user)
    _run_begin(run)
    SyncRun.objects.filter(pk=run.pk).update(record_type=record_type)
    for start in range(0, max(len(rows), 1), DEFAULT_BATCH_SIZE):
        chunk = rows[start : start + DEFAULT_BATCH_SIZE]
        batch_commit(
            run=run,
            spec=spec,
            mapping=mapping,
            rows=chunk,
            row_numbers=range(first_row + start, first_row + start + len(chunk)),
        )
    _run_end(run)
    run.refresh_from_db()
    run_records_announce(run)
    return run


def run_records_announce(run: SyncRun) -> None:
    """Tell the layers above which months the run changed records in (scoring rescores them)."""
    if run.periods:
        records_changed.send(
            sender=SyncRun,
            periods=[Period.parse(label) for label in run.periods],
            reason=gettext("%(trigger)s of %(source)s (sync run %(run)s)")
            % {"trigger": run.get_trigger_display(), "source": run.source, "run": run.pk},
        )


def upload_sync(
    *,
    source: Source,
    record_type: str,
    content: bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
) -> SyncRun:
    """Land the good rows of an uploaded CSV/XLSX file through the source's mapping; the bad ones
    are reported by row number (as Excel shows it) and field."""
    connector = connector_for("file", {"upload": content, "filename": filename})
    rows, first_row = [], None
    for batch in connector.batches(since=None, batch_size=DEFAULT_BATCH_SIZE):
        first_row = batch.first_row if first_row is None else first_row
        rows.extend(batch.rows)
    return records_push(
        source=source,
        record_type=record_type,
        rows=rows,
        trigger=SyncTrigger.UPLOAD,
        user=user,
        first_row=first_row or 2,
    )


def rejected_rows_replay(*, source: Source, user: AbstractBaseUser | None = None) -> SyncRun:
    """Try the source's unresolved rejected rows again (after its mapping or the reference data
    was fixed). Each replayed row is marked with this run; a row still refused is quarantined
    again in it, with today's reasons."""
    pending = RejectedRow.objects.filter(run__source=source, resolved=False).order_by("pk")
    run = sync_run_create(source=source, trigger=SyncTrigger.REPLAY, user=user)
    _run_begin(run)
    try:
        for record_type in _mapped_types(source):
            rows = list(pending.filter(record_type=record_type))
            if not rows:
                continue
            mapping = source.mappings[record_type]
            spec = mapping_check(record_type, mapping)
            with transaction.atomic():
                batch_commit(
                    run=run,
                    spec=spec,
                    mapping=mapping,
                    rows=[row.raw for row in rows],
                    row_numbers=[row.row_number for row in rows],
                )
                RejectedRow.objects.filter(pk__in=[row.pk for row in rows]).update(
                    resolved=True, replayed_by=run
                )
    except MappingError as error:
        _run_end(run, error=str(error))
        raise
    _run_end(run)
    run.refresh_from_db()
    run_records_announce(run)
    return run


def webhook_token_set(*, source: Source) -> str:
    """A new webhook token for the source: returned once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    source.webhook_token_hash = hashlib.sha256(token.encode()).hexdigest()
    source.save(update_fields=["webhook_token_hash"])
    return token


def source_schedule_set(*, source: Source, crontab: dict[str, str]) -> PeriodicTask:
    """Create or move the source's periodic sync (django-celery-beat, editable in the admin)."""
    schedule, _created = CrontabSchedule.objects.get_or_create(
        timezone=settings.TIME_ZONE, **crontab
    )
    with transaction.atomic():
        task = source.schedule or PeriodicTask(
            name=f"sync source {source.name}", task="ingest.tasks.source_sync_scheduled"
        )
        task.crontab = schedule
        task.args = json.dumps([source.pk])
        task.enabled = source.enabled
        task.save()
        if source.schedule_id != task.pk:
            source.schedule = task
            source.save(update_fields=["schedule"])
    return task
