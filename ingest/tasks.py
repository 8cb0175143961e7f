"""Celery tasks for ingestion: take ids, call one service, return.

A pull that fails on the way (the source down, a timeout after the connector's own retries) is
retried; each attempt resumes from the cursor of the last committed batch. The months the sync
touched are rescored afterwards.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ingest.connectors import ConnectorError
from ingest.models import Source, SyncRun, SyncStatus, SyncTrigger
from ingest.services import SyncBusy, periods_rescore, source_sync, sync_run_create

TRANSIENT = (ConnectorError, OperationalError, InterfaceError)


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=30, max_retries=3)
def source_sync_task(self, run_id: int) -> dict[str, int]:
    """Pull one source for a queued (or, on retry, failed) run, then rescore what changed."""
    run = SyncRun.objects.select_related("source").get(pk=run_id)
    if run.status == SyncStatus.SUCCEEDED:
        return {}
    try:
        run = source_sync(run)
    except SyncBusy as busy:
        SyncRun.objects.filter(pk=run_id).update(status=SyncStatus.FAILED, error=str(busy))
        return {}
    periods_rescore(run)
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
