"""Celery tasks for scoring: take ids, call one service, return.

A run is split by team into chunks that run in parallel (a chord); the chord's callback ranks
the company and publishes the results. Retries are for lost connections only: a scoring error
is not transient, it fails the run and leaves the previous results in place.
"""

import datetime as dt

from celery import chord, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from scoring.engine.period import Period
from scoring.models import ScoreRun
from scoring.services import (
    score_chunk_write,
    score_run_fail,
    score_run_finalise,
    score_run_plan,
    score_run_start,
    score_runs_expire,
)

TRANSIENT = (OperationalError, InterfaceError)
# Employees per chunk when workers share a run. Each chunk reads its month again (filtered to
# its people), so chunks are large: at the bench company's 10,000 people, one per worker of two.
CHUNK_EMPLOYEES = 5000


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def score_chunk_task(run_id: int, team_ids: list[int]) -> int:
    return score_chunk_write(ScoreRun.objects.get(pk=run_id), team_ids)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def score_finalise_task(_chunk_results: list[int], run_id: int) -> int:
    run = ScoreRun.objects.get(pk=run_id)
    score_run_finalise(run)
    return run.employees


@shared_task
def score_fail_task(request, exc, traceback, run_id: int) -> None:
    """Error callback of a run's chord: the run failed."""
    score_run_fail(ScoreRun.objects.get(pk=run_id), exc)


@shared_task
def score_run_task(run_id: int) -> None:
    """Run a queued score run: split by team across the workers (inline when eager)."""
    run = ScoreRun.objects.get(pk=run_id)
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    try:
        chunks = score_run_plan(run, chunk_size=None if eager else CHUNK_EMPLOYEES)
        if eager:
            for team_ids in chunks:
                score_chunk_write(run, team_ids)
            score_run_finalise(run)
            return
    except Exception as exc:
        score_run_fail(run, exc)
        raise
    chord(score_chunk_task.s(run_id, team_ids) for team_ids in chunks)(
        score_finalise_task.s(run_id).on_error(score_fail_task.s(run_id))
    )


@shared_task
def score_recent_months() -> list[int]:
    """Nightly: recompute the previous month and the current one for the whole company."""
    current = Period.containing(timezone.localdate())
    return score_periods_task([current.previous().label, current.label])


@shared_task
def score_periods_task(period_labels: list[str]) -> list[int]:
    """Recompute the given periods for the whole company (after a sync or an approved
    correction)."""
    return [score_run_start(period=Period.parse(label)).id for label in period_labels]


@shared_task
def expire_stuck_runs() -> int:
    """Fail runs left unfinished by a stopped worker (twice the task time limit)."""
    return score_runs_expire(older_than=dt.timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT))
