"""Celery tasks for scoring: take ids, call one service, return.

A run is split by team into chunks that run in parallel (a chord); the chord's callback ranks
the company and publishes the results. Every step may be delivered twice (Celery delivers at
least once): a second delivery of the run, of a chunk or of the finalisation leaves the running
run alone. The retry policy (transient errors only) is ``perf.celery``'s; any other error fails
the run and leaves the previous results in place.
"""

import logging
from contextlib import suppress

from celery import chord, shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from frames.queue import QueueUnavailable, task_enqueue
from ingest.stalls import sync_runs_sweep
from org.periods import Period
from scoring.chunks import score_chunk_write
from scoring.closing import ClosedPolicy
from scoring.models import ScoreRun
from scoring.publish import score_run_finalise
from scoring.runs import ChunksPending, RunNotQueued
from scoring.services import (
    periods_rescore,
    runs_not_started,
    score_run_compute,
    score_run_fail,
    score_run_plan,
)
from scoring.stalls import score_runs_sweep

# A finalisation that comes before its chunks are all written (a chunk delivered twice counts
# twice in the chord) waits this long and looks again, up to a task time limit in all.
CHUNKS_PENDING_WAIT = 10
logger = logging.getLogger(__name__)


@shared_task
def score_chunk_task(run_id: int, team_ids: list[int]) -> int:
    return score_chunk_write(ScoreRun.objects.get(pk=run_id), team_ids)


@shared_task(bind=True)
def score_finalise_task(self, _chunk_results: list[int], run_id: int) -> int:
    run = ScoreRun.objects.get(pk=run_id)
    try:
        score_run_finalise(run)
    except ChunksPending as pending:
        raise self.retry(
            exc=pending,
            countdown=CHUNKS_PENDING_WAIT,
            max_retries=settings.CELERY_TASK_TIME_LIMIT // CHUNKS_PENDING_WAIT,
        ) from pending
    return run.employees


@shared_task
def score_fail_task(request, exc, traceback, run_id: int, attempt: int | None = None) -> None:
    """Error callback of a run's chord: the run failed, unless it was queued again since this
    chord's ``attempt`` began (then the new attempt is the run's)."""
    score_run_fail(ScoreRun.objects.get(pk=run_id), exc, attempt=attempt)


@shared_task(bind=True)
def score_run_task(self, run_id: int) -> None:
    """Run a queued score run: split by team across the workers (inline when eager). A run
    that is no longer queued was planned by an earlier delivery of this task: nothing to do."""
    run = ScoreRun.objects.get(pk=run_id)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        with suppress(RunNotQueued):
            score_run_compute(run)
        return
    try:
        chunks = score_run_plan(run, chunk_size=settings.PERF_SCORE_CHUNK_EMPLOYEES)
    except RunNotQueued:
        return
    except self.autoretry_for:
        raise  # the plan rolled back: the run is still queued for the retry
    except Exception as exc:
        score_run_fail(run, exc)
        raise
    chord(score_chunk_task.s(run_id, team_ids) for team_ids in chunks)(
        score_finalise_task.s(run_id).on_error(score_fail_task.s(run_id, run.requeues))
    )


@shared_task
def score_runs_in_order_task(run_ids: list[int]) -> None:
    """Run queued runs one after the other, in the order given (oldest period first, so
    adaptive targets build up in order): the first here, all its chunks in this worker, then
    the rest as a new task, each with its own time limit. A failed run records its error and
    the next ones still run. A run no longer queued was taken by an earlier delivery of this
    task, which hands on the rest: this one stops, or two chains would race."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Inline: a loop, not a chain of nested eager calls (240 periods would overflow).
        for run_id in run_ids:
            if not _run_in_order(run_id):
                return
        return
    if run_ids and _run_in_order(run_ids[0]) and run_ids[1:]:
        try:
            task_enqueue(score_runs_in_order_task, run_ids[1:])
        except QueueUnavailable as down:
            runs_not_started(list(ScoreRun.objects.filter(pk__in=run_ids[1:])), down)


def _run_in_order(run_id: int) -> bool:
    """Score one run of an ordered series here; False when another delivery has it."""
    try:
        score_run_compute(
            ScoreRun.objects.get(pk=run_id), chunk_size=settings.PERF_SCORE_CHUNK_EMPLOYEES
        )
    except RunNotQueued:
        return False
    except Exception:  # failed and recorded on the run; the series goes on
        logger.exception("Score run %s failed; the next periods are scored still", run_id)
    return True


@shared_task
def score_recent_months() -> list[int]:
    """Nightly: the previous month scored and published again (late data and approved
    corrections still land in it) and the current one, still running, scored provisionally:
    the month so far, not published, graded, ranked or paid (``periods_rescore``)."""
    current = Period.containing(timezone.localdate())
    runs = periods_rescore(
        periods=[current.previous(), current],
        reason=gettext("Nightly run"),
        closed=ClosedPolicy.RECORD,  # the previous month may have closed: said, not applied
    )
    return [run.id for run in runs]


@shared_task
def stalled_runs_sweep() -> dict[str, list[int]]:
    """Beat's sweep (every ``PERF_SWEEP_SECONDS``): syncs and score runs whose worker stopped,
    queued again once, then failed with the reason (``ingest.stalls``, ``scoring.stalls``)."""
    syncs = sync_runs_sweep()
    runs = score_runs_sweep()
    return {
        "syncs_requeued": syncs.requeued,
        "syncs_failed": syncs.failed,
        "runs_requeued": runs.requeued,
        "runs_failed": runs.failed,
    }
