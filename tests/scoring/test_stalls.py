"""Runs that heal: the sweep queues a run whose worker stopped again once, then fails it
(dropping its hidden rows); one active run per period and scope, a second request joining it;
every step a no-op when repeated, a run's state only moving forward. (The same on real worker
processes killed with kill -9: tests/test_healing.py.)"""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone, translation

from scoring import services
from scoring.chunks import score_chunk_write
from scoring.models import EmployeeScore, RunStatus, ScoreRun
from scoring.publish import score_run_finalise
from scoring.stalls import score_runs_sweep
from tests.clock import LAST_MONTH, months_ago
from tests.scoring.test_tasks import two_teams  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The sweep words its reasons in the language active where it runs: English here, where
    the tests read them."""
    with translation.override("en"):
        yield


STALL = dt.timedelta(seconds=300)  # PERF_RUN_STALL_SECONDS's default


def _hidden(run: ScoreRun) -> int:
    return EmployeeScore.objects.filter(run=run, is_current=False).count()


def test_a_run_whose_worker_stopped_is_queued_again_once_and_then_succeeds(
    two_teams,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    run = services.score_run_create(period=LAST_MONTH)
    east, _south = services.score_run_plan(run, chunk_size=1)
    score_chunk_write(run, east)  # then the worker was killed
    assert _hidden(run) == 3

    # Silent for less than its stall limit: left alone.
    assert score_runs_sweep(now=timezone.now() + STALL / 2).requeued == []
    with django_capture_on_commit_callbacks(execute=True):  # the task runs inline here
        swept = score_runs_sweep(now=timezone.now() + STALL + dt.timedelta(seconds=1))

    assert swept.requeued == [run.pk] and swept.failed == []
    run.refresh_from_db()
    assert (run.status, run.requeues, run.error) == (RunStatus.SUCCEEDED, 1, "")
    assert EmployeeScore.objects.filter(run=run, is_current=True).count() == 5
    assert _hidden(run) == 0


def test_a_run_stalled_again_is_failed_with_the_reason_and_its_hidden_rows_dropped(
    two_teams,  # noqa: F811
):
    previous = services.compute_period(LAST_MONTH)
    run = services.score_run_create(period=LAST_MONTH)
    ScoreRun.objects.filter(pk=run.pk).update(requeues=1)  # queued again once already
    east, _south = services.score_run_plan(run, chunk_size=1)
    score_chunk_write(run, east)

    swept = score_runs_sweep(now=timezone.now() + STALL + dt.timedelta(seconds=1))

    assert swept == type(swept)(requeued=[], failed=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker stopped" in run.error
    assert not EmployeeScore.objects.filter(run=run).exists()
    # The published results stay what they were.
    assert EmployeeScore.objects.filter(run=previous, is_current=True).count() == 5
    # A late chunk or finalisation of the dead attempt changes nothing.
    assert score_chunk_write(run, _south) == 0
    score_run_finalise(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker stopped" in run.error


def test_a_slow_worker_whose_run_was_taken_back_writes_nothing(two_teams):  # noqa: F811
    run = services.score_run_create(period=LAST_MONTH)
    east, _south = services.score_run_plan(run, chunk_size=1)
    score_runs_sweep(now=timezone.now() + STALL + dt.timedelta(seconds=1))  # queued again
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED

    assert score_chunk_write(run, east) == 0  # the old attempt's chunk
    assert _hidden(run) == 0


def test_the_waiting_runs_of_a_range_count_from_the_one_before_and_fail_with_it(history):
    runs = services.periods_rescore(
        periods=[months_ago(3), months_ago(2), LAST_MONTH], reason="range", in_order=True
    )
    assert [run.follows for run in runs] == [None, runs[0], runs[1]]
    now, hour = timezone.now(), dt.timedelta(hours=1)
    ScoreRun.objects.filter(pk=runs[0].pk).update(
        status=RunStatus.SUCCEEDED, finished_at=now + 1.5 * hour
    )
    with override_settings(PERF_QUEUED_STALL_SECONDS=3600):
        # Two hours on, the second has waited only half an hour since the first finished.
        assert score_runs_sweep(now=now + 2 * hour).requeued == []
        # Three hours on, it has not started for an hour and a half: queued again (the third
        # waits behind it still), and, never taken, failed the next time with the third.
        assert score_runs_sweep(now=now + 3 * hour).requeued == [runs[1].pk]
        swept = score_runs_sweep(now=now + 4.5 * hour)
    assert swept.failed == [runs[1].pk, runs[2].pk]
    statuses = [ScoreRun.objects.get(pk=run.pk).status for run in runs]
    assert statuses == [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.FAILED]


@pytest.fixture
def history(org_chart):
    return org_chart


def test_a_second_request_joins_the_active_run_of_the_period_and_scope(two_teams):  # noqa: F811
    east = two_teams["teams"]["east"]
    (first,) = services.periods_rescore(periods=[LAST_MONTH], reason="a sync")
    (second,) = services.periods_rescore(periods=[LAST_MONTH], reason="an appeal")
    (team_run,) = services.periods_rescore(periods=[LAST_MONTH], reason="x", team=east)
    assert second == first and team_run != first
    # The database holds it even against a request that did not look first.
    with pytest.raises(IntegrityError), transaction.atomic():
        services.score_run_create(period=LAST_MONTH)

    services.score_run_plan(first, chunk_size=1)  # running now: still joined
    (third,) = services.periods_rescore(periods=[LAST_MONTH], reason="HR")
    assert third == first
    assert ScoreRun.objects.filter(period_start=LAST_MONTH.start, team=None).count() == 1


def test_the_api_answers_a_second_request_with_the_running_runs_id(as_user, two_teams):  # noqa: F811
    client = as_user("hr")
    period = f"{LAST_MONTH.start:%Y-%m}"
    first = client.post("/api/v1/score-runs/", {"period": period}, content_type="application/json")
    again = client.post("/api/v1/score-runs/", {"period": period}, content_type="application/json")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]


def test_a_failed_run_keeps_its_state_and_error_whatever_comes_late(two_teams):  # noqa: F811
    run = services.score_run_create(period=LAST_MONTH)
    chunks = services.score_run_plan(run, chunk_size=1)
    assert services.score_run_fail(run, "first reason")
    assert not services.score_run_fail(run, "second reason")  # a duplicate failure
    for team_ids in chunks:
        assert score_chunk_write(run, team_ids) == 0
    score_run_finalise(run)
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "first reason")
    assert not EmployeeScore.objects.filter(run=run).exists()


def test_a_request_joining_a_run_that_has_read_its_records_has_the_period_scored_again(
    two_teams,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    run = services.score_run_create(period=LAST_MONTH)
    chunks = services.score_run_plan(run, chunk_size=1)
    for team_ids in chunks:
        score_chunk_write(run, team_ids)  # records read
    (joined,) = services.periods_rescore(periods=[LAST_MONTH], reason="records changed")
    assert joined == run

    with django_capture_on_commit_callbacks(execute=True):  # the next run runs inline here
        score_run_finalise(run)

    runs = list(ScoreRun.objects.filter(period_start=LAST_MONTH.start).order_by("pk"))
    assert [(each.status, each.again) for each in runs] == [
        (RunStatus.SUCCEEDED, True),
        (RunStatus.SUCCEEDED, False),
    ]
    assert f"run {run.pk}" in runs[1].reason
    assert EmployeeScore.objects.filter(run=runs[1], is_current=True).count() == 5
