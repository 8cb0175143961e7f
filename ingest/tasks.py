"""Celery tasks for ingestion: take ids, call one service, return.

A source that is unavailable (or the database lost) is retried by the policy every task shares
(``perf.celery``); each attempt resumes from the cursor of the last committed batch. A source
that cannot work as it is set up fails its run at once, the message on the run's page. The
months the sync touched are rescored afterwards.
"""

from celery import shared_task

from ingest.connectors import ConnectorError, SourceUnavailable
from ingest.models import Source, SyncRun, SyncTrigger
from ingest.records import MappingError
from ingest.services import (
    SyncBusy,
    run_records_announce,
    source_sync,
    sync_run_open,
    upload_file_sync,
)


@shared_task(bind=True)
def source_sync_task(self, run_id: int) -> dict[str, int]:
    """Pull one source for a queued run (or, on this task's retry, the run its failed attempt
    left), then rescore what changed. A delivery that finds the source synced by another (a
    duplicate of this task, as a rule) or the run finished does nothing: the run's state is
    whoever runs it."""
    run = SyncRun.objects.select_related("source").get(pk=run_id)
    try:
        run = source_sync(run, retrying=self.request.retries > 0)
    except SyncBusy:
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
    run, created = sync_run_open(source=source, trigger=SyncTrigger.SCHEDULE)
    if created:  # a pull of the source queued or running already is joined, not sent twice
        source_sync_task.delay(run.pk)
    return run.pk
