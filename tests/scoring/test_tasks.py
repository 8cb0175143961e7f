"""Score-run tasks as Celery delivers them: at least once, in a chord on real workers."""

import logging
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django.db import connections
from django.test import override_settings

from perf.celery import app
from scoring import services, tasks
from scoring.chunks import score_chunk_write
from scoring.models import EmployeeScore, IndicatorScore, RunStatus, ScoreRun
from scoring.publish import score_run_finalise
from scoring.runs import ChunksPending
from tests.clock import LAST_MONTH
from tests.scoring.test_pipeline import _month_of_work


@pytest.fixture
def two_teams(org_chart):
    """East (3 people) and south (2) with a month of orders each: two chunks of a team each."""
    for key, hours in [("east_a", 1), ("east_b", 20), ("east_manager", 6), ("south_a", 3)]:
        _month_of_work(org_chart[key], LAST_MONTH, hours)
    return org_chart


def _published() -> dict[str, tuple[float | None, str, int | None]]:
    return {
        score.employee.name: (score.total, score.grade, score.company_rank)
        for score in EmployeeScore.objects.filter(
            is_current=True, period_start=LAST_MONTH.start
        ).select_related("employee")
    }


def _reference() -> dict[str, tuple[float | None, str, int | None]]:
    """The results of one clean run in this process (then dropped)."""
    run = services.compute_period(LAST_MONTH)
    published = _published()
    EmployeeScore.objects.filter(run=run).update(is_current=False)
    return published


@pytest.mark.django_db
@pytest.mark.parametrize("eager", [True, False], ids=["inline", "workers"])
def test_a_run_task_delivered_again_while_the_run_runs_leaves_it_alone(two_teams, eager):
    reference = _reference()
    run = services.score_run_create(period=LAST_MONTH)
    chunks = services.score_run_plan(run, chunk_size=1)  # the first delivery planned it

    with override_settings(CELERY_TASK_ALWAYS_EAGER=eager):
        tasks.score_run_task.run(run.id)  # the second delivery

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.error == ""
    for team_ids in chunks:
        score_chunk_write(run, team_ids)
    score_run_finalise(run)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert _published() == reference


@pytest.mark.django_db
def test_chunks_and_the_finalisation_delivered_twice_write_each_row_once(two_teams):
    reference = _reference()
    run = services.score_run_create(period=LAST_MONTH)
    east, south = services.score_run_plan(run, chunk_size=1)

    assert score_chunk_write(run, east) == 3
    assert score_chunk_write(run, east) == 0  # a duplicate: nothing written again
    run.refresh_from_db()
    assert (run.chunks_done, run.chunks_total, run.status) == (1, 2, RunStatus.RUNNING)
    # The duplicate counted twice in the chord, which finalises before south is written: the
    # finalisation waits (the task retries) and the run goes on.
    with pytest.raises(ChunksPending, match="1 of 2 chunks"):
        score_run_finalise(run)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING

    assert score_chunk_write(run, south) == 2
    score_run_finalise(run)
    score_run_finalise(run)  # the finalisation delivered twice

    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.employees) == (RunStatus.SUCCEEDED, 2, 5)
    assert _published() == reference
    assert EmployeeScore.objects.filter(run=run).count() == 5
    assert (
        IndicatorScore.objects.filter(employee_score__run=run).count()
        == IndicatorScore.objects.filter(employee_score__run=run)
        .values("employee_score", "indicator")
        .distinct()
        .count()
    )


@pytest.fixture
def celery_worker(monkeypatch, settings):
    """A real Celery worker in a thread, on an in-memory broker and result store: tasks go
    through messages, chords and their callbacks as in production. Yields the names of the
    tasks the worker ran, with the thread each ran in."""
    settings.PERF_SCORE_CHUNK_EMPLOYEES = 1  # a chunk per team
    # Celery reads Django's settings under their CELERY_ names.
    for key, value in [
        ("CELERY_TASK_ALWAYS_EAGER", False),
        ("CELERY_BROKER_URL", "memory://"),
        ("CELERY_RESULT_BACKEND", "cache+memory://"),
    ]:
        monkeypatch.setitem(app.conf, key, value)
    _connection_pools_dropped()
    ran: list[tuple[str, int]] = []

    def record(task, **_):
        ran.append((task.name, threading.get_ident()))

    def close_connections(**_):
        connections.close_all()  # the worker's thread opened its own

    task_prerun.connect(record, weak=False)
    task_postrun.connect(close_connections, weak=False)
    # Celery's worker set-up takes over the root logger (its handlers, and the level "error"
    # for the rest of the process): later tests on this worker would read no warning in caplog.
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    try:
        with (
            override_settings(CELERY_TASK_ALWAYS_EAGER=False),
            start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
        ):
            yield ran
    finally:
        root.setLevel(root_level)
        root.handlers[:] = root_handlers
        task_prerun.disconnect(record)
        task_postrun.disconnect(close_connections)
        _connection_pools_dropped()


def _connection_pools_dropped() -> None:
    """Celery keeps its broker connections in pools made on first use, with the broker of that
    moment: forget them, so messages go to the broker now configured (as after a fork). Kombu
    keeps each pool in a registry of its own, where a later user finds it open."""
    app._pool = None
    app.amqp._producer_pool = None


def _wait_for(run: ScoreRun, seconds: float = 60) -> ScoreRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.pk} still {run.status} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_the_production_chord_scores_in_chunks_on_a_worker_even_when_delivered_twice(
    two_teams, celery_worker
):
    reference = _reference()
    run = services.score_run_create(period=LAST_MONTH)

    tasks.score_run_task.delay(run.id)
    tasks.score_run_task.delay(run.id)  # Celery's at-least-once delivery

    run = _wait_for(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.chunks_total, run.chunks_done, run.employees) == (2, 2, 5)
    assert run.progress == 100
    assert _published() == reference
    # All of it went through the worker: the run twice, a chunk per team, one finalisation.
    assert sorted(name.rsplit(".", 1)[1] for name, _ in celery_worker) == [
        "score_chunk_task",
        "score_chunk_task",
        "score_finalise_task",
        "score_run_task",
        "score_run_task",
    ]
    assert threading.get_ident() not in {thread for _, thread in celery_worker}
