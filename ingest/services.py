"""Syncs: pulling a source batch by batch from its committed cursors, pushes (webhook), uploads
and replays of rejected rows, each as a SyncRun; the months they touched are announced
(``ingest.signals.records_changed``) for rescoring."""

from contextlib import suppress

from celery.exceptions import Retry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from frames.locks import advisory_lock, advisory_unlock
from ingest.batches import batch_commit
from ingest.connectors import ConnectorError, connector_for
from ingest.models import (
    RejectedRow,
    Source,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from ingest.records import (
    SYNC_ORDER,
    KnownIds,
    MappingError,
    mapping_check,
)
from ingest.signals import records_changed
from org.periods import Period

DEFAULT_BATCH_SIZE = 5000
# PostgreSQL advisory lock key base for syncing a source (plus its id).
SOURCE_LOCK_BASE = 7_400_000


class SyncBusy(Exception):
    """Another sync of the same source is running."""


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
    if not advisory_lock(key, session=True):
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
        advisory_unlock(key)
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
