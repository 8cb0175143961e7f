"""Syncs: pulling a source batch by batch from its committed cursors, pushes (webhook), uploads
and replays of rejected rows, each as a SyncRun; the months they touched are announced
(``ingest.signals.records_changed``) for rescoring."""

import uuid
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from frames.heartbeat import heartbeat
from frames.locks import advisory_lock, advisory_unlock
from frames.queue import QueueUnavailable
from ingest.batches import batch_commit
from ingest.connectors import ConnectorError, connector_for
from ingest.handover import sync_run_hand_over
from ingest.joins import SourceTables
from ingest.models import (
    ACTIVE_SYNC_STATUSES,
    PULL_TRIGGERS,
    RejectedRow,
    Source,
    SyncRun,
    SyncTrigger,
)
from ingest.people import people_commit
from ingest.record_types import PEOPLE_TYPE, SYNC_ORDER, RecordType
from ingest.records import KnownIds, MappingError, mapping_check
from ingest.runs import sync_run_begin, sync_run_end, sync_run_warn
from ingest.signals import records_changed
from ingest.transform import tables_read
from org.periods import Period

DEFAULT_BATCH_SIZE = 5000
# PostgreSQL advisory lock key base for syncing a source (plus its id).
SOURCE_LOCK_BASE = 7_400_000


class SyncBusy(Exception):
    """The run is not this delivery's to sync: another process syncs its source (another
    delivery of the same task, as a rule), or the run has finished."""


def sync_run_open(
    *,
    source: Source,
    trigger: str = SyncTrigger.SCHEDULE,
    user: AbstractBaseUser | None = None,
    record_type: str = "",
) -> tuple[SyncRun, bool]:
    """A new queued run (True), or, for a pull of a source whose pull is queued or running, that
    one, joined (False): one pull per source at a time (``syncrun_one_active_pull``; two
    requests at once race on it, and the loser joins the winner's run once it commits)."""
    for _attempt in range(2):  # the active pull may finish between the insert and the look-up
        if trigger in PULL_TRIGGERS:
            active = SyncRun.objects.filter(
                source=source, trigger__in=PULL_TRIGGERS, status__in=ACTIVE_SYNC_STATUSES
            ).first()
            if active is not None:
                return active, False
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on
                run = SyncRun.objects.create(
                    source=source, trigger=trigger, triggered_by=user, record_type=record_type
                )
            return run, True
        except IntegrityError:
            continue
    raise SyncBusy(gettext("Another sync of this source is running."))


def sync_run_create(
    *,
    source: Source,
    trigger: str = SyncTrigger.SCHEDULE,
    user: AbstractBaseUser | None = None,
    record_type: str = "",
) -> SyncRun:
    """A new queued run, or the source's active pull when this is a pull (``sync_run_open``)."""
    run, _created = sync_run_open(
        source=source, trigger=trigger, user=user, record_type=record_type
    )
    return run


def sync_run_start(
    *, source: Source, trigger: str = SyncTrigger.MANUAL, user: AbstractBaseUser | None = None
) -> SyncRun:
    """Queue a pull of the source, handed over (``sync_run_hand_over``) once the transaction
    commits; the commit raises ``QueueUnavailable`` when the task queue cannot be reached. A
    pull of the source already queued or running is joined: its run is returned."""
    from ingest.tasks import source_sync_task

    run, created = sync_run_open(source=source, trigger=trigger, user=user)
    if created:
        transaction.on_commit(partial(sync_run_hand_over, run, source_sync_task, run.pk))
    return run


def source_sync_now(*, source: Source, user: AbstractBaseUser) -> SyncRun:
    """Queue a manual pull of the source and return its run, queued: the workers pull it (or,
    when tasks run inline, a thread of this process), and its page follows it. With the task
    queue down this raises ``QueueUnavailable`` (the run is failed with that reason)."""
    with transaction.atomic():
        run = sync_run_start(source=source, trigger=SyncTrigger.MANUAL, user=user)
    run.refresh_from_db()
    return run


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


def source_sync(
    run: SyncRun, *, batch_size: int = DEFAULT_BATCH_SIZE, retrying: bool = False
) -> SyncRun:
    """Pull every record type the source maps, batch by batch from its committed cursors.

    A connector failure marks the run failed with the message, keeping every batch committed so
    far (and the cursor after them): the next run, or the task's retry (``retrying``), resumes
    there. Raises ``SyncBusy`` (changing nothing) when another process syncs the source or the
    run has finished; a run left running by a worker that died is taken over (the source's lock
    is free, so nobody syncs it).
    """
    source = run.source
    key = _sync_locked(run)
    try:
        if not sync_run_begin(run, take_over=True, reopen_failed=retrying):
            raise SyncBusy(gettext("This sync run has finished already."))
        tables = _source_tables(source)
        try:
            for record_type in _mapped_types(source):
                heartbeat(SyncRun, run.pk)
                mapping = source.mappings[record_type]
                spec = mapping_check(record_type, mapping)
                SyncRun.objects.filter(pk=run.pk).update(record_type=record_type)
                connector = connector_for(
                    source.kind, {**source.config, **mapping.get("fetch", {})}
                )
                since = Source.objects.get(pk=source.pk).cursors.get(record_type)
                batches = connector.batches(since=since, batch_size=batch_size)
                if spec is PEOPLE_TYPE:
                    _people_pull(run, spec, mapping, batches)
                    continue
                tables_read(spec, mapping, tables)
                known = KnownIds()
                for batch in batches:
                    batch_commit(
                        run=run,
                        spec=spec,
                        mapping=mapping,
                        rows=batch.rows,
                        row_numbers=range(batch.first_row, batch.first_row + len(batch.rows)),
                        cursor_field=mapping.get("cursor_field"),
                        known=known,
                        tables=tables,
                    )
        except Exception as error:
            sync_run_end(run, error=str(error) or type(error).__name__)
            raise
        sync_run_end(run)
    finally:
        advisory_unlock(key)
    run.refresh_from_db()
    return run


def _source_tables(source: Source) -> SourceTables:
    """The tables the source's joins read: each read once for the whole sync or push."""
    return SourceTables(kind=source.kind, config=source.config)


def _people_pull(run: SyncRun, spec: RecordType, mapping: dict, batches) -> None:
    """People arrive whole before they are written: a manager may come in a later batch than
    the people reporting to them (an HRIS holds thousands of people, not millions)."""
    rows, row_numbers = [], []
    for batch in batches:
        rows.extend(batch.rows)
        row_numbers.extend(range(batch.first_row, batch.first_row + len(batch.rows)))
    people_commit(
        run=run,
        spec=spec,
        mapping=mapping,
        rows=rows,
        row_numbers=row_numbers,
        cursor_field=mapping.get("cursor_field"),
    )


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
    spec, mapping = _push_mapping(source, record_type)
    run = sync_run_create(source=source, trigger=trigger, user=user)
    return _rows_push(run, spec=spec, mapping=mapping, rows=rows, first_row=first_row)


def _push_mapping(source: Source, record_type: str) -> tuple[RecordType, dict]:
    """The source's mapping for ``record_type``, checked; ``MappingError`` otherwise."""
    mapping = source.mappings.get(record_type)
    if mapping is None:
        raise MappingError(
            gettext("The source {source} has no mapping for {record_type}.").format(
                source=source.name, record_type=record_type
            )
        )
    return mapping_check(record_type, mapping), mapping


def _rows_push(
    run: SyncRun,
    *,
    spec: RecordType,
    mapping: dict,
    rows: list[dict],
    first_row: int,
    begun: bool = False,
) -> SyncRun:
    if not begun:
        sync_run_begin(run)
    SyncRun.objects.filter(pk=run.pk).update(record_type=spec.key)
    error = ""
    if spec is PEOPLE_TYPE:  # in one piece, as a pull's people are
        people_commit(
            run=run,
            spec=spec,
            mapping=mapping,
            rows=rows,
            row_numbers=range(first_row, first_row + len(rows)),
        )
    else:
        tables = _source_tables(run.source)
        try:
            tables_read(spec, mapping, tables)
            for start in range(0, max(len(rows), 1), DEFAULT_BATCH_SIZE):
                chunk = rows[start : start + DEFAULT_BATCH_SIZE]
                batch_commit(
                    run=run,
                    spec=spec,
                    mapping=mapping,
                    rows=chunk,
                    row_numbers=range(first_row + start, first_row + start + len(chunk)),
                    tables=tables,
                )
        except (ConnectorError, MappingError) as failure:
            # A table the mapping's joins read could not be: the run fails saying so, keeping
            # the batches committed before.
            error = str(failure)
    sync_run_end(run, error=error)
    run.refresh_from_db()
    run_records_announce(run)
    return run


def run_records_announce(run: SyncRun) -> None:
    """Tell the layers above which months the run changed records in (scoring rescores them,
    pages showing them are retired). The records are committed by then: whatever fails among
    those listeners is logged (by the signal) and shown on the run as a warning, which leaves
    the run succeeded."""
    if not run.periods:
        return
    periods = [Period.parse(label) for label in run.periods]
    answers = records_changed.send_robust(
        sender=SyncRun,
        periods=periods,
        reason=gettext("%(trigger)s of %(source)s (sync run %(run)s)")
        % {"trigger": run.get_trigger_display(), "source": run.source, "run": run.pk},
    )
    failures = [answer for _receiver, answer in answers if isinstance(answer, Exception)]
    if failures:
        warning = gettext(
            "The records were synced, but updating the scores and pages of the months they "
            "changed (%(periods)s) failed: %(error)s. Rescore those months once the cause is "
            "fixed."
        ) % {
            "periods": ", ".join(run.periods),
            "error": "; ".join(str(failure) or type(failure).__name__ for failure in failures),
        }
        sync_run_warn(run, warning)


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
    rows, first_row = _file_rows(content, filename)
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
    sync_run_begin(run)
    tables = _source_tables(source)
    try:
        for record_type in _mapped_types(source):
            rows = list(pending.filter(record_type=record_type))
            if not rows:
                continue
            mapping = source.mappings[record_type]
            spec = mapping_check(record_type, mapping)
            commit = people_commit if spec is PEOPLE_TYPE else partial(batch_commit, tables=tables)
            with transaction.atomic():
                commit(
                    run=run,
                    spec=spec,
                    mapping=mapping,
                    rows=[row.raw for row in rows],
                    row_numbers=[row.row_number for row in rows],
                )
                RejectedRow.objects.filter(pk__in=[row.pk for row in rows]).update(
                    resolved=True, replayed_by=run
                )
    except (MappingError, ConnectorError) as error:
        sync_run_end(run, error=str(error))
        raise
    sync_run_end(run)
    run.refresh_from_db()
    run_records_announce(run)
    return run


def _file_rows(content: bytes, filename: str) -> tuple[list[dict], int]:
    """An uploaded file's rows and the number of its first data row (as Excel shows it)."""
    connector = connector_for("file", {"upload": content, "filename": filename})
    rows, first_row = [], None
    for batch in connector.batches(since=None, batch_size=DEFAULT_BATCH_SIZE):
        first_row = batch.first_row if first_row is None else first_row
        rows.extend(batch.rows)
    return rows, first_row or 2


# ---- large uploads: synced by a worker, the page following the run ---------------------------


def _upload_storage() -> FileSystemStorage:
    """Where large uploads wait for their worker: the private folder (never served), which the
    web and worker processes share."""
    return FileSystemStorage(location=Path(settings.PERF_PRIVATE_MEDIA_ROOT) / "uploads")


def upload_accept(
    *, source: Source, record_type: str, upload: File, user: AbstractBaseUser | None = None
) -> SyncRun:
    """Sync an uploaded file: in this request up to ``PERF_UPLOAD_INLINE_MAX_BYTES`` (the run
    comes back finished), larger ones by a worker (the run comes back queued; its page follows
    it). Raises ``ConnectorError`` or ``MappingError`` for a small file that cannot be read or
    a record type the source cannot take, and ``QueueUnavailable`` when a large one cannot be
    handed over (its run failed with that reason, the file deleted)."""
    if upload.size <= settings.PERF_UPLOAD_INLINE_MAX_BYTES:
        return upload_sync(
            source=source,
            record_type=record_type,
            content=upload.read(),
            filename=upload.name,
            user=user,
        )
    return upload_sync_start(source=source, record_type=record_type, upload=upload, user=user)


def upload_sync_start(
    *, source: Source, record_type: str, upload: File, user: AbstractBaseUser | None = None
) -> SyncRun:
    """Keep the file in the private upload folder and queue its sync, handed to the workers
    when the transaction commits (to a background thread when tasks run inline)."""
    _push_mapping(source, record_type)  # refused now, before anything is kept
    with transaction.atomic():
        run = sync_run_create(
            source=source, trigger=SyncTrigger.UPLOAD, user=user, record_type=record_type
        )
        suffix = Path(upload.name).suffix.lower()
        stored = _upload_storage().save(f"run-{run.pk}-{uuid.uuid4().hex}{suffix}", upload)
        transaction.on_commit(partial(_upload_hand_over, run, stored, upload.name))
    run.refresh_from_db()
    return run


def _upload_hand_over(run: SyncRun, stored: str, filename: str) -> None:
    from ingest.tasks import upload_sync_task

    try:
        sync_run_hand_over(run, upload_sync_task, run.pk, stored, filename)
    except QueueUnavailable:
        _upload_storage().delete(stored)
        raise


def upload_file_sync(*, run_id: int, stored: str, filename: str) -> SyncRun:
    """Sync a kept upload into its queued run, then delete the file. A file that cannot be read
    or a mapping that no longer fits fails the run with the message; a run no longer queued (a
    second delivery of the task) is left alone."""
    run = SyncRun.objects.select_related("source").get(pk=run_id)
    storage = _upload_storage()
    record_type = run.record_type
    if not sync_run_begin(run):
        return run  # another delivery has it (and its file), or it finished
    try:
        spec, mapping = _push_mapping(run.source, record_type)
        with storage.open(stored, "rb") as file:
            content = file.read()
        storage.delete(stored)  # read: not kept a moment longer than needed
        rows, first_row = _file_rows(content, filename)
        return _rows_push(
            run, spec=spec, mapping=mapping, rows=rows, first_row=first_row, begun=True
        )
    except (ConnectorError, MappingError) as error:
        sync_run_end(run, error=str(error))
        return run
    except Exception as error:
        sync_run_end(run, error=str(error) or type(error).__name__)
        raise
    finally:
        storage.delete(stored)  # whatever happened (nothing when already deleted)
