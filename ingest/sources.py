"""A source's settings: whether its config may be saved (what it would reach), its webhook
token and its schedule."""

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ingest.connectors import Batch, ConnectorError, connector_for
from ingest.models import (
    Source,
)
from ingest.record_types import SOURCE_TYPES
from ingest.transform import referenced_columns

# Rows read from a source when its mappings are saved, to check the columns they name.
SAMPLE_ROWS = 20


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


def _fetches(mapping: object) -> list[dict]:
    """The fetch overrides a mapping reads with: its own and those of its join tables."""
    if not isinstance(mapping, dict):
        return []
    fetches = [mapping.get("fetch", {})]
    tables = mapping.get("tables", {})
    if isinstance(tables, dict):
        fetches += [table.get("fetch") for table in tables.values() if isinstance(table, dict)]
    return [fetch for fetch in fetches if isinstance(fetch, dict)]


def source_config_refusal(*, kind: str, config: dict, mappings: dict) -> str | None:
    """Why a source with these settings may not be saved, or ``None``: its connector is built
    for the config and for each ``fetch`` override of its mappings and of their join tables,
    which checks every setting and every host, file and secret name against what sources may
    reach (the secrets' values are not needed yet)."""
    any_secret: defaultdict[str, str] = defaultdict(str)
    configs = [config] + [
        {**config, **fetch} for mapping in mappings.values() for fetch in _fetches(mapping)
    ]
    try:
        for each in configs:
            connector_for(kind, each, secrets=any_secret)
    except ConnectorError as error:
        return str(error)
    return None


@dataclass
class SampleCheck:
    """What the first rows of a source say of its mappings: ``errors`` (a column a mapping
    names is not there), ``notes`` (what could not be checked: a source not reachable now)."""

    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def source_sample_check(*, kind: str, config: dict, mappings: dict) -> SampleCheck:
    """Check that every column the (already checked) mappings read is in the first
    ``SAMPLE_ROWS`` rows of the source and of its join tables. A source or table that cannot be
    read now is noted, not refused: it may be down, or only fed by uploads."""
    check = SampleCheck()
    samples: dict[str, set[str] | str] = {}  # by fetch: columns, or why none were read

    def columns(fetch: dict) -> set[str] | str:
        key = json.dumps(fetch, sort_keys=True, default=str)
        if key not in samples:
            samples[key] = _sample_columns(kind, {**config, **fetch})
        return samples[key]

    for record_type, mapping in mappings.items():
        spec = SOURCE_TYPES[record_type]
        tables = mapping.get("tables", {})
        for where, column, table in referenced_columns(spec, mapping):
            fetch = mapping.get("fetch", {}) if table is None else tables[table]["fetch"]
            found = columns(fetch)
            if isinstance(found, str):
                note = gettext(
                    "{record_type}: {what} not checked against the source: {why}"
                ).format(
                    record_type=record_type,
                    what=gettext("the table {table}").format(table=table)
                    if table
                    else gettext("columns"),
                    why=found,
                )
                if note not in check.notes:
                    check.notes.append(note)
            elif column not in found:
                check.errors.append(
                    gettext(
                        "{record_type}: {field} reads the column {column!r}, which the first rows "
                        "of {table} do not have (they have: {columns})."
                    ).format(
                        record_type=record_type,
                        field=where,
                        column=column,
                        table=table or gettext("the source"),
                        columns=", ".join(sorted(found)) or "—",
                    )
                )
    return check


def _sample_columns(kind: str, config: dict) -> set[str] | str:
    """The columns of a source's first rows, or why they could not be read."""
    try:
        first = source_first_rows(kind=kind, config=config, count=SAMPLE_ROWS)
    except ConnectorError as error:
        return str(error)
    if first is None or not first.rows:
        return gettext("it gave no rows.")
    return {str(name) for row in first.rows for name in row}


def source_first_rows(*, kind: str, config: dict, count: int) -> Batch | None:
    """The first ``count`` rows of a source as its connector gives them (``None``: no rows);
    a REST source is asked once, without a sync's retries, since a person waits."""
    if kind == "rest":
        config = {**config, "max_retries": 0}
    batches = connector_for(kind, config).batches(since=None, batch_size=count)
    try:
        return next(iter(batches), None)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # a SQL connection or a file is released now, not when collected
