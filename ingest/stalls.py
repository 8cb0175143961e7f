"""Healing syncs whose worker died (kill -9, out of memory): the sweep beat runs every
``PERF_SWEEP_SECONDS`` (``scoring.tasks.stalled_runs_sweep``).

A sync writes a heartbeat at each batch it commits (``ingest.batches``) and each record type it
starts. One running and silent for longer than ``PERF_SYNC_STALL_SECONDS``, or queued and not
taken by any worker for ``PERF_QUEUED_STALL_SECONDS``, is taken for dead. A pull is queued again
once (it resumes after the last batch committed: nothing is lost or doubled); the second time,
or for a push, an upload or a replay (whose rows are gone with the process that had them), the
run is failed with the reason. The batches committed before stay either way.
"""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from frames.heartbeat import Swept, silent_runs
from frames.queue import QueueUnavailable, task_enqueue
from ingest.models import ACTIVE_SYNC_STATUSES, PULL_TRIGGERS, SyncRun, SyncStatus

logger = logging.getLogger(__name__)


def sync_runs_sweep(*, now: dt.datetime | None = None) -> Swept:
    """Queue again (a pull, once) or fail the syncs whose worker stopped; see the module's
    docstring. Runs whose row another transaction holds (a batch committing) are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        stalled = list(_stalled(now).select_for_update(skip_locked=True).order_by("pk"))
        again = [run.pk for run in stalled if run.requeues == 0 and run.trigger in PULL_TRIGGERS]
        failed = [run for run in stalled if run.pk not in again]
        SyncRun.objects.filter(pk__in=again).update(
            status=SyncStatus.QUEUED, requeues=F("requeues") + 1, heartbeat_at=now, record_type=""
        )
        for pull in (True, False):
            SyncRun.objects.filter(
                pk__in=[run.pk for run in failed if (run.trigger in PULL_TRIGGERS) == pull],
                status__in=ACTIVE_SYNC_STATUSES,
            ).update(
                status=SyncStatus.FAILED,
                error=_stalled_reason(pull=pull),
                record_type="",
                finished_at=now,
            )
        if again:
            transaction.on_commit(partial(_requeued_enqueue, again))
    for run_id in again:
        logger.warning("Sync run %s stalled (its worker stopped): queued again", run_id)
    for run in failed:
        logger.warning("Sync run %s stalled: failed", run.pk)
    return Swept(requeued=again, failed=[run.pk for run in failed])


def _stalled(now: dt.datetime):
    """Active syncs silent for longer than their stall limit."""
    return silent_runs(
        SyncRun,
        now=now,
        running=SyncStatus.RUNNING,
        running_seconds=settings.PERF_SYNC_STALL_SECONDS,
        queued=SyncStatus.QUEUED,
        queued_seconds=settings.PERF_QUEUED_STALL_SECONDS,
    )


def _stalled_reason(*, pull: bool) -> str:
    if pull:
        return gettext(
            "Interrupted: its worker stopped (no sign of life for %(seconds)d seconds), and "
            "again after it was queued once more. The batches committed before are kept; the "
            "next sync resumes after them."
        ) % {"seconds": settings.PERF_SYNC_STALL_SECONDS}
    return gettext(
        "Interrupted: the process syncing it stopped (no sign of life for %(seconds)d "
        "seconds). The batches committed before are kept; send or upload the rest again."
    ) % {"seconds": settings.PERF_SYNC_STALL_SECONDS}


def _requeued_enqueue(run_ids: list[int]) -> None:
    """Hand the pulls queued again to the workers. With the task queue down they stay queued:
    the next sweep fails them once their queued time is up."""
    from ingest.tasks import source_sync_task

    for run_id in run_ids:
        try:
            task_enqueue(source_sync_task, run_id)
        except QueueUnavailable as down:
            logger.warning("Sync run %s not queued again: the task queue is down: %s", run_id, down)
