"""A month still running is scored provisionally: the month so far, kept beside the published
results, never current, graded, ranked or on a plan. The nightly job publishes a month only once
it has ended; HR and admins may still publish any period on purpose (the API, the runs page)."""

import datetime as dt

import pytest
import time_machine

from dashboards.selectors.periods import scored_periods
from scoring import services, tasks
from scoring.chunks import score_chunk_write
from scoring.models import EmployeeScore, IndicatorScore, RunStatus, ScoreRun, ScoreState
from scoring.publish import score_run_finalise
from scoring.signals import scores_published
from tests.clock import LAST_MONTH, THIS_MONTH, at
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def _work(employee, day: dt.datetime, response_hours: float, csat: int = 4) -> None:
    """Five orders, ratings, follow-ups and tickets, all on ``day`` (the minimum volume of the
    rates and means), the orders confirmed ``response_hours`` after the customer's click."""
    customer = CustomerFactory()
    for _ in range(5):
        confirmed = day + dt.timedelta(hours=response_hours)
        OrderFactory(
            merchandiser=employee,
            customer=customer,
            submitted_at=day,
            source_created_at=day,
            confirmed_at=confirmed,
            shipped_at=confirmed + dt.timedelta(hours=2),
            delivered_at=confirmed + dt.timedelta(hours=3),
            status="delivered",
        )
    FeedbackFactory.create_batch(
        5, employee=employee, customer=customer, csat=csat, comment="", submitted_at=day
    )
    FollowUpFactory.create_batch(5, employee=employee, customer=customer, occurred_at=day)
    TicketFactory.create_batch(
        5,
        employee=employee,
        customer=customer,
        opened_at=day,
        resolved_at=day + dt.timedelta(hours=1),
    )


@pytest.fixture
def east_at_work(org_chart):
    """East's three people worked last month and on the 1st of this one (one fast, one slow
    and vetoed on CSAT 3, their manager in between); south did nothing."""
    for key, hours, csat in [("east_a", 1, 5), ("east_b", 20, 3), ("east_manager", 6, 4)]:
        _work(org_chart[key], at(LAST_MONTH, 10, 9), hours, csat)
        _work(org_chart[key], at(THIS_MONTH, 1, 9), hours, csat)
    return org_chart


def _rows(period, **where) -> dict[str, EmployeeScore]:
    return {
        score.employee.name: score
        for score in EmployeeScore.objects.filter(period_start=period.start, **where)
        .select_related("employee", "run")
        .order_by("employee_id")
    }


def _assert_unranked(rows: dict[str, EmployeeScore]) -> None:
    """Provisional rows: not current, no grade, rank, percentile or plan, whatever the totals."""
    for name, score in rows.items():
        assert score.run.provisional, name
        assert not score.is_current, name
        assert (score.grade, score.team_rank, score.company_rank) == ("", None, None), name
        assert (score.team_percentile, score.company_percentile) == (None, None), name
        assert score.improvement_plan is False, name


def test_the_nightly_job_on_the_2nd_publishes_last_month_and_only_scores_this_one_so_far(
    east_at_work, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(at(THIS_MONTH, 2, 2, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_ids = tasks.score_recent_months()

    runs = {run.period_start: run for run in ScoreRun.objects.filter(pk__in=run_ids)}
    last, this = runs[LAST_MONTH.start], runs[THIS_MONTH.start]
    assert (last.status, last.provisional) == (RunStatus.SUCCEEDED, False)
    assert (this.status, this.provisional) == (RunStatus.SUCCEEDED, True)
    # Last month, which has ended: published, graded and ranked as before.
    published = _rows(LAST_MONTH, is_current=True)
    assert {name: s.company_rank for name, s in published.items() if s.is_scored} == {
        "王芳": 1,
        "陈主管": 2,
        "李强": 3,
    }
    assert all(s.grade for s in published.values() if s.is_scored)
    # This month: nothing published, nothing graded, ranked or put on a plan...
    assert not EmployeeScore.objects.filter(period_start=THIS_MONTH.start, is_current=True).exists()
    so_far = _rows(THIS_MONTH)
    assert set(so_far) == {"王芳", "李强", "陈主管", "赵主管", "刘洋"}
    _assert_unranked(so_far)
    # ... though the month so far is scored and explained, the veto included.
    assert so_far["王芳"].state == ScoreState.SCORED and so_far["王芳"].total > 0
    assert so_far["王芳"].total > so_far["李强"].total
    assert so_far["李强"].vetoes == ["csat"] and so_far["李强"].total <= 59
    assert so_far["刘洋"].state == ScoreState.NO_ACTIVITY
    assert so_far["王芳"].explanation["en"]
    # The pages' period list knows last month only.
    assert [p.period for p in scored_periods()] == [LAST_MONTH]


def test_the_nightly_job_on_a_month_without_data_yet_grades_nobody(
    org_chart, django_capture_on_commit_callbacks
):
    """The case seen: on the 2nd, before any record of the month, everyone came out D with an
    improvement plan."""
    with (
        time_machine.travel(at(THIS_MONTH, 2, 2, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.score_recent_months()

    so_far = _rows(THIS_MONTH)
    assert so_far and {s.state for s in so_far.values()} == {ScoreState.NO_ACTIVITY}
    _assert_unranked(so_far)
    assert not EmployeeScore.objects.filter(improvement_plan=True).exists()


def test_on_the_1st_the_month_just_ended_is_published(
    east_at_work, django_capture_on_commit_callbacks
):
    next_month = THIS_MONTH.next()
    with (
        time_machine.travel(at(next_month, 1, 2, 30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.score_recent_months()

    assert {
        run.period_start: run.provisional
        for run in ScoreRun.objects.filter(status=RunStatus.SUCCEEDED)
    } == {THIS_MONTH.start: False, next_month.start: True}
    assert _rows(THIS_MONTH, is_current=True)["王芳"].company_rank == 1


def test_a_sync_of_this_month_scores_it_provisionally_and_hr_may_publish_it(
    east_at_work, as_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # What a sync (records changed) or an approved appeal asks for.
        (so_far,) = services.periods_rescore(periods=[THIS_MONTH], reason="records changed")
    so_far.refresh_from_db()
    assert so_far.provisional and so_far.status == RunStatus.SUCCEEDED
    _assert_unranked(_rows(THIS_MONTH))

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("hr").post(
            "/api/v1/score-runs/", {"period": THIS_MONTH.label}, content_type="application/json"
        )
    assert response.status_code == 202 and response.json()["provisional"] is False
    published = _rows(THIS_MONTH, is_current=True)
    assert published["王芳"].company_rank == 1 and published["王芳"].grade
    # The published results replace the month so far they are newer than.
    assert not EmployeeScore.objects.filter(run=so_far).exists()
    assert [p.period for p in scored_periods()] == [THIS_MONTH]


def test_a_range_started_on_the_runs_page_publishes_the_month_still_running(
    east_at_work, as_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("hr").post(
            "/scoring/runs/range/", {"first": LAST_MONTH.label, "last": THIS_MONTH.label}
        )
    assert response.status_code == 302
    assert not ScoreRun.objects.filter(provisional=True).exists()
    assert _rows(THIS_MONTH, is_current=True)["王芳"].company_rank == 1


def test_each_provisional_run_replaces_the_month_so_far_and_leaves_the_published_alone(
    east_at_work,
):
    published = services.compute_period(THIS_MONTH)  # HR published the month mid-way
    before = {n: (s.total, s.grade, s.company_rank) for n, s in _rows(THIS_MONTH).items()}
    announced = []

    def listen(run, **_):
        announced.append(run.pk)

    scores_published.connect(listen, dispatch_uid="test:provisional")
    try:
        first = services.score_run_create(period=THIS_MONTH, provisional=True)
        services.score_run_compute(first)  # one chunk: the whole company
        second = services.score_run_create(period=THIS_MONTH, provisional=True)
        # As the workers do: a team a chunk, then the finalisation.
        for team_ids in services.score_run_plan(second, chunk_size=1):
            score_chunk_write(second, team_ids)
        score_run_finalise(second)
    finally:
        scores_published.disconnect(dispatch_uid="test:provisional")

    second.refresh_from_db()
    assert second.status == RunStatus.SUCCEEDED and second.chunks_total == 2
    assert announced == []  # nothing was published
    # Only the newest month so far is kept; the published results are untouched.
    assert not EmployeeScore.objects.filter(run=first).exists()
    current = _rows(THIS_MONTH, is_current=True)
    assert {n: (s.total, s.grade, s.company_rank) for n, s in current.items()} == before
    assert {s.run_id for s in current.values()} == {published.pk}
    so_far = _rows(THIS_MONTH, run=second)
    _assert_unranked(so_far)
    assert {n: s.total for n, s in so_far.items()} == {n: t for n, (t, _, _) in before.items()}
    assert IndicatorScore.objects.filter(employee_score__run=second).exists()


def test_the_scorecard_api_keeps_the_month_so_far_apart_and_labelled(
    east_at_work, as_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.periods_rescore(periods=[THIS_MONTH], reason="nightly")
    run.refresh_from_db()
    client = as_user("east_a")
    me = east_at_work["east_a"].id

    assert client.get("/api/v1/scores/", {"period": THIS_MONTH.label}).json() == []
    assert client.get(f"/api/v1/scores/{me}/", {"period": THIS_MONTH.label}).status_code == 404
    so_far = client.get(f"/api/v1/scores/{me}/", {"period": THIS_MONTH.label, "provisional": 1})
    assert so_far.status_code == 200
    body = so_far.json()
    assert body["provisional"] is True
    assert dt.datetime.fromisoformat(body["as_of"]) == run.started_at
    assert body["total"] > 0 and body["grade"] == "" and body["company_rank"] is None
    assert body["indicators"]
    # Nobody else's, as for published scores.
    colleague = east_at_work["east_b"].id
    assert (
        client.get(
            f"/api/v1/scores/{colleague}/", {"period": THIS_MONTH.label, "provisional": "true"}
        ).status_code
        == 404
    )
    bad = client.get(f"/api/v1/scores/{me}/", {"period": THIS_MONTH.label, "provisional": "maybe"})
    assert bad.status_code == 400 and "provisional" in bad.json()


def test_a_month_so_far_counts_as_scored_for_nothing_a_closed_period_guards(east_at_work):
    """Closed periods guard published results only; a scheme's activation rescores only
    published periods."""
    from scoring.closing import periods_scored, scored_periods_between

    run = services.score_run_create(period=THIS_MONTH, provisional=True)
    services.score_run_compute(run)
    assert periods_scored([THIS_MONTH]) == set()
    assert scored_periods_between(LAST_MONTH.start, None) == []
