"""Celery tasks for ingestion: take ids, call one service, return.

A source that is unavailable (or the database lost) is retried by the policy every task shares
(``perf.celery``); each attempt resumes from the cursor of the last committed batch. A source
that cannot work as it is set up fails its run at once, the message on the run's page. The
months the sync touched are rescored afterwards.
"""

from celery import shared_task

from ingest.connectors import ConnectorError, SourceUnavailable
from ingest.models import Source, SyncRun, SyncStatus, SyncTrigger
from ingest.records import MappingError
from ingest.services import (
    SyncBusy,
    run_records_announce,
    source_sync,
    sync_run_create,
    upload_file_sync,
)


@shared_task
def source_sync_task(run_id: int) -> dict[str, int]:
    """Pull one source for a queued (or, on retry, failed) run, then rescore what changed."""
    run = SyncRun.objects.select_related("source").get(pk=run_id)
    if run.status == SyncStatus.SUCCEEDED:
        return {}
    try:
        run = source_sync(run)
    except SyncBusy as busy:
        SyncRun.objects.filter(pk=run_id).update(status=SyncStatus.FAILED, error=str(busy))
        return {}
    except SourceUnavailable:
        raise  # retried
    except (ConnectorError, MappingError):
        return {}  # the run has recorded the message; another attempt would fail the same way
    run_records_announce(run)
    return {"created": run.created, "updated": run.updated, "rejected": run.rejected}


@shared_task
def upload_sync_task(run_id: int, stored: str, filename: str) -> dict[str, int]:
    """Sync a large uploaded file kept for its queued run; the file is deleted afterwards."""
    run = upload_file_sync(run_id=run_id, stored=stored, filename=filename)
    return {"created": run.created, "updated": run.updated, "rejected": run.rejected}


@shared_task
def source_sync_scheduled(source_id: int) -> int | None:
    """Beat's entry point for a source's schedule: a new run, unless the source is disabled."""
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return None
    run = sync_run_create(source=source, trigger=SyncTrigger.SCHEDULE)
    source_sync_task.delay(run.pk)
    return run.pk
