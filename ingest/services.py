"""Writes of operational records: bulk loading of generated or imported tables; the demo seed."""

import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

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
from ingest.seed.company import Company, Scale, generate
from org.models import Customer, Employee, Role, Team

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


def _format_column(field: models.Field, values: pd.Series, *, postgres: bool) -> pd.Series:
    """A column as database literals (str) with ``None`` for NULL.

    Times arrive as epoch seconds (float, NaN for none) and are stored to the second, in UTC:
    with an explicit offset for PostgreSQL, naive for SQLite (which is how Django stores them).
    """
    missing = values.isna().to_numpy()
    if isinstance(field, models.DateTimeField):
        seconds = np.floor(values.to_numpy(dtype=float, na_value=np.nan))
        stamps = np.datetime_as_string(
            np.where(missing, 0, seconds).astype("datetime64[s]"), unit="s"
        )
        text = pd.Series(stamps, index=values.index).str.replace("T", " ", regex=False)
        if postgres:
            text = text + "+00:00"
    elif isinstance(field, models.DateField):
        text = values.map(lambda day: day.isoformat() if not pd.isna(day) else None)
    elif isinstance(field, models.JSONField):
        text = values.map(lambda value: json.dumps(value, ensure_ascii=False))
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


def _literal_frame(
    model: type[models.Model], frame: pd.DataFrame, *, postgres: bool
) -> pd.DataFrame:
    """The frame's columns that are concrete fields of ``model``, as database literals."""
    now = timezone.now().timestamp()
    frame = frame.copy()
    for auto in ("created_at", "updated_at"):
        if any(f.attname == auto for f in model._meta.concrete_fields) and auto not in frame:
            frame[auto] = now
    fields = [f for f in model._meta.concrete_fields if f.attname in frame.columns]
    return pd.DataFrame(
        {f.column: _format_column(f, frame[f.attname], postgres=postgres) for f in fields}
    )


def _chunks(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


def frame_bulk_load(model: type[models.Model], frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named by field attname) into ``model``'s table.

    COPY on PostgreSQL, batched multi-row INSERTs elsewhere; ids given in the frame are kept and the
    id sequence is moved past them (without ids, the database numbers the rows). Returns the
    number of rows written. Writes no history: for records this is an initial load (a record's
    history starts with its first change); score rows have their run as their record.
    """
    if frame.empty:
        return 0
    postgres = connection.vendor == "postgresql"
    table = model._meta.db_table
    with transaction.atomic():
        for chunk in _chunks(frame, COPY_CHUNK_ROWS if postgres else INSERT_CHUNK_ROWS):
            literals = _literal_frame(model, chunk, postgres=postgres)
            columns = ", ".join(connection.ops.quote_name(c) for c in literals.columns)
            with connection.cursor() as cursor:
                if postgres:
                    buffer = io.StringIO()
                    literals.to_csv(buffer, header=False, index=False, na_rep=NULL)
                    sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
                    with cursor.cursor.copy(sql) as copy:
                        copy.write(buffer.getvalue())
                else:
                    marks = ", ".join(["%s"] * len(literals.columns))
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                        list(literals.itertuples(index=False, name=None)),
                    )
        # Only when ids were given: resetting the sequence to the highest visible id while other
        # transactions are inserting would hand out their ids a second time.
        if postgres and "id" in frame.columns:
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                    cursor.execute(statement)
    return len(frame)


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
        with cursor.cursor.copy(
            f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
        ) as copy:
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


def company_seed(*, scale: Scale, seed: int, end_month: dt.date) -> SeedReport:
    """Generate a company and write it: teams, people (with accounts when the scale asks), customers
    and all operational records. Refuses (``AlreadySeeded``) when employees already exist."""
    if Employee.objects.exists():
        raise AlreadySeeded
    company = generate(scale=scale, seed=seed, end_month=end_month)
    report = SeedReport(scale=scale.name, seed=seed, months=company.months, styles=company.styles)
    with transaction.atomic():
        employees = company.employees
        if scale.with_user_accounts:
            user_ids = _user_accounts(company, make_password(DEMO_PASSWORD))
            employees = employees.assign(user_id=employees["id"].map(user_ids))
        for key, frame in company.tables():
            frame = employees if key == "employees" else frame
            report.counts[key] = frame_bulk_load(TABLE_MODELS[key], frame)
        managers = employees.loc[employees["is_manager"], ["team_id", "id"]]
        teams = list(Team.objects.filter(id__in=managers["team_id"].tolist()))
        manager_of = dict(zip(managers["team_id"], managers["id"], strict=True))
        for team in teams:
            team.manager_id = int(manager_of[team.pk])
        Team.objects.bulk_update(teams, ["manager"])
    return report
