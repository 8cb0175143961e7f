"""The demo and bench company: generated (``demo.seed``) and loaded through the real ingestion
pipeline and sources, with the demo logins."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models, transaction

from demo.seed.activity import generate
from demo.seed.company import Company, Scale
from demo.seed.sources import (
    CRM_MAPPINGS,
    CRM_SOURCE,
    ERP_MAPPINGS,
    ERP_SOURCE,
    crm_workbook_write,
    erp_database_write,
)
from frames.write import frame_bulk_load
from ingest.ledger import ledger_adopt
from ingest.models import (
    ExceptionCase,
    Feedback,
    FollowUp,
    Order,
    OrderNode,
    PeerReview,
    Source,
    SourceKind,
    Suggestion,
    SyncTrigger,
    Ticket,
    TrainingRecord,
)
from ingest.services import source_sync, sync_run_create
from ingest.sources import source_schedule_set
from org.calendar import add_working_hours
from org.models import Customer, Employee, Role, Team

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
    ids, like data that predates the ledger, and then adopted by the ledger as they are.
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
        tables["order_nodes"] = _nodes_due(tables["order_nodes"])
        for key in ("teams", "employees"):  # the people records are attributed to
            report.counts[key] = frame_bulk_load(TABLE_MODELS[key], tables.pop(key))
        if synced:
            report.counts.update(_demo_sources_sync(company, sources_dir, seed=seed))
            tables = _synced_ids(tables, company)
        for key, frame in tables.items():
            if key not in synced:
                report.counts[key] = frame_bulk_load(TABLE_MODELS[key], frame)
        if synced:
            # The demo verifies clean: what it loaded in bulk is entered in the ledger as it is.
            ledger_adopt(actor="seed")
        managers = employees.loc[employees["is_manager"], ["team_id", "id"]]
        teams = list(Team.objects.filter(id__in=managers["team_id"].tolist()))
        manager_of = dict(zip(managers["team_id"], managers["id"], strict=True))
        for team in teams:
            team.manager_id = int(manager_of[team.pk])
        Team.objects.bulk_update(teams, ["manager"])
    return report


def _nodes_due(nodes: pd.DataFrame) -> pd.DataFrame:
    """The generated nodes with their deadlines in the company calendar's working time, as a
    synced node gets them (the generator reads no database, so not the company's days)."""
    starts = pd.to_datetime(nodes["started_at"], unit="s", utc=True)
    due = add_working_hours(starts, nodes["threshold_hours"])
    return nodes.assign(due_at=(due - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1))


def _demo_sources_sync(company: Company, directory: Path | None, *, seed: int) -> dict[str, int]:
    """Write the demo's ERP database and CRM export, register them as sources (synced hourly
    and nightly) and sync both; returns the record counts that arrived."""
    directory = Path(directory or Path(settings.PERF_IMPORT_ROOT) / "demo")
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
