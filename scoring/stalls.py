"""Healing score runs whose worker died (kill -9, out of memory): the sweep beat runs every
``PERF_SWEEP_SECONDS``.

A running run writes a heartbeat at each chunk and at its finalisation (``frames.heartbeat``).
One silent for longer than ``PERF_RUN_STALL_SECONDS`` (well above a chunk's time), or queued and
not taken by any worker for ``PERF_QUEUED_STALL_SECONDS`` (a run of a range from when the one
before it finished), is taken for dead: its hidden rows are dropped and it is queued again, the
first time; the second time it is failed with the reason, and the runs of a range waiting behind
it with it. The published results stay current throughout. A worker that was only slow finds its
run taken back and drops what it was writing (``RunOvertaken``).
"""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from frames.heartbeat import Swept, silent_runs
from frames.queue import QueueUnavailable, task_enqueue
from scoring.models import ACTIVE_RUN_STATUSES, RunStatus, ScoreRun
from scoring.runs import hidden_scores_delete
from scoring.services import runs_not_started, score_run_fail

logger = logging.getLogger(__name__)


def score_runs_sweep(*, now: dt.datetime | None = None) -> Swept:
    """Queue again (once) or fail the runs whose worker stopped; see the module's docstring.
    Runs whose row another transaction holds (a chunk or a finalisation committing) are alive
    and skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        stalled = list(
            _stalled(now).select_for_update(skip_locked=True, of=("self",)).order_by("pk")
        )
        again = [run for run in stalled if run.requeues == 0]
        ScoreRun.objects.filter(pk__in=[run.pk for run in again]).update(
            status=RunStatus.QUEUED,
            requeues=F("requeues") + 1,
            heartbeat_at=now,
            started_at=None,
            progress=0,
            chunks_done=0,
            chunks_written=[],
        )
        hidden_scores_delete(again)
        if again:
            transaction.on_commit(partial(_requeued_enqueue, [run.pk for run in again]))
    failed = [run for run in stalled if run.requeues > 0]
    for run in failed:
        score_run_fail(run, _stalled_reason(run), attempt=run.requeues)
    behind = _followers_fail(failed)
    for run in again:
        logger.warning("Score run %s stalled (its worker stopped): queued again", run.pk)
    for run in failed:
        logger.warning("Score run %s stalled again: failed", run.pk)
    return Swept(requeued=[run.pk for run in again], failed=[run.pk for run in failed] + behind)


def _stalled(now: dt.datetime):
    """Active runs silent for longer than their stall limit."""
    queued_limit = now - dt.timedelta(seconds=settings.PERF_QUEUED_STALL_SECONDS)
    return silent_runs(
        ScoreRun,
        now=now,
        running=RunStatus.RUNNING,
        running_seconds=settings.PERF_RUN_STALL_SECONDS,
        queued=RunStatus.QUEUED,
        queued_seconds=settings.PERF_QUEUED_STALL_SECONDS,
        # A run of a range waits for the one before it: counted from when that one finished.
        queued_also=Q(follows__isnull=True) | Q(follows__finished_at__lt=queued_limit),
    )


def _stalled_reason(run: ScoreRun) -> str:
    if run.status == RunStatus.QUEUED:
        return gettext(
            "Not run: no worker took it within %(seconds)d seconds, twice. The previous results "
            "stay current; start it again once the workers run."
        ) % {"seconds": settings.PERF_QUEUED_STALL_SECONDS}
    return gettext(
        "Interrupted: its worker stopped (no sign of life for %(seconds)d seconds), and again "
        "after it was queued once more. The previous results stay current."
    ) % {"seconds": settings.PERF_RUN_STALL_SECONDS}


def _followers_fail(failed: list[ScoreRun]) -> list[int]:
    """The runs of a range waiting behind failed ones would wait for ever: failed with them
    (never planned, they wrote nothing)."""
    behind: list[int] = []
    waiting = [run.pk for run in failed]
    while waiting:
        waiting = list(
            ScoreRun.objects.filter(status=RunStatus.QUEUED, follows__in=waiting).values_list(
                "pk", flat=True
            )
        )
        ScoreRun.objects.filter(pk__in=waiting, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            error=gettext("Not run: a run before it in the range failed."),
            finished_at=timezone.now(),
        )
        behind.extend(waiting)
    return behind


def _requeued_enqueue(run_ids: list[int]) -> None:
    """Hand the runs queued again to the workers: a run of a range with the runs still waiting
    behind it, in order; any other run alone. With the task queue down they fail saying so."""
    from scoring.tasks import score_run_task, score_runs_in_order_task

    behind = dict(
        ScoreRun.objects.filter(status__in=ACTIVE_RUN_STATUSES, follows__isnull=False).values_list(
            "follows_id", "id"
        )
    )
    in_range = set(
        ScoreRun.objects.filter(pk__in=run_ids, follows__isnull=False).values_list("pk", flat=True)
    )
    for run_id in run_ids:
        chain = [run_id]
        while chain[-1] in behind:
            chain.append(behind[chain[-1]])
        try:
            if len(chain) > 1 or run_id in in_range:
                task_enqueue(score_runs_in_order_task, chain)
            else:
                task_enqueue(score_run_task, run_id)
        except QueueUnavailable as down:
            runs_not_started(list(ScoreRun.objects.filter(pk__in=chain)), down)
