"""A sync run's course: begun, ended (succeeded, or failed with the message), and warned about
what went wrong after it had ended (the records committed, what follows them not done).

Its state only moves forward (queued → running → succeeded or failed), each step a guarded
UPDATE: a second delivery of its task, or a worker the sweep had given up on, never changes a
finished run's state or error. Two steps go back, each on purpose: the sweep queues a pull whose
worker died again once (``ingest.stalls``), and the task's own retry after a transient failure
takes up the run that attempt failed.
"""

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from ingest.models import ACTIVE_SYNC_STATUSES, SyncRun, SyncStatus


def sync_run_begin(run: SyncRun, *, take_over: bool = False, reopen_failed: bool = False) -> bool:
    """Mark the queued run running; returns False (and changes nothing) when it is not queued:
    another delivery has it, or it finished. ``take_over``: also a run left running, for a pull
    that holds its source's lock (whoever ran it before is gone); ``reopen_failed``: also a
    failed run, for the task's retry after a transient failure."""
    statuses = [SyncStatus.QUEUED]
    if take_over:
        statuses.append(SyncStatus.RUNNING)
    if reopen_failed:
        statuses.append(SyncStatus.FAILED)
    now = timezone.now()
    try:
        with transaction.atomic():
            begun = SyncRun.objects.filter(pk=run.pk, status__in=statuses).update(
                status=SyncStatus.RUNNING,
                started_at=Coalesce("started_at", now),
                finished_at=None,
                error="",
                heartbeat_at=now,
            )
    except IntegrityError:
        return False  # a failed pull reopened while another pull of the source is active
    run.refresh_from_db()
    return bool(begun)


def sync_run_end(run: SyncRun, *, error: str = "") -> None:
    """The unfinished run finished: succeeded, or failed with ``error``. A run finished already
    (by another delivery, or failed by the sweep) is left as it is."""
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk, status__in=ACTIVE_SYNC_STATUSES).update(
        status=SyncStatus.FAILED if error else SyncStatus.SUCCEEDED,
        error=error[:4000],
        record_type="",
        finished_at=now,
        heartbeat_at=now,
    )
    run.refresh_from_db()


def sync_run_warn(run: SyncRun, warning: str) -> None:
    """Something after the run's records were committed failed: the run keeps its status and
    its page and API say what (the latest warning)."""
    run.warning = warning[:4000]
    SyncRun.objects.filter(pk=run.pk).update(warning=run.warning)
