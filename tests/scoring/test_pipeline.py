"""compute_period on the database: results, atomic replacement, schemes in force, adaptive targets,
and the API's scoping."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from frames.write import bulk_load_run
from indicators import scheme_services
from indicators.models import WeightScheme
from org.models import Employee, Level
from org.periods import Period
from scoring import chunks, publish, services
from scoring.models import (
    EmployeeScore,
    IndicatorScore,
    PersonalTarget,
    RunStatus,
    ScoreRun,
    ScoreState,
)
from scoring.runs import RunRefused
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    TicketFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = Period.parse("2026-10")


def _month_of_work(
    employee, month: Period, response_hours: float, count: int = 5, csat: int = 4
) -> None:
    """``count`` orders in ``month``, each confirmed ``response_hours`` after the customer's
    click, delivered without error; as many ratings of ``csat`` with no comment, compliant
    replies and tickets resolved at first contact (the minimum volume of the rates and means is
    5; orders alone measure 44% of a scheme's weight: too little for a total)."""
    customer = CustomerFactory()
    for day in range(count):
        submitted = dt.datetime.combine(
            month.start + dt.timedelta(days=day + 2), dt.time(9), tzinfo=SHANGHAI
        )
        confirmed = submitted + dt.timedelta(hours=response_hours)
        OrderFactory(
            merchandiser=employee,
            customer=customer,
            submitted_at=submitted,
            source_created_at=submitted,
            confirmed_at=confirmed,
            shipped_at=confirmed + dt.timedelta(days=1),
            delivered_at=confirmed + dt.timedelta(days=3),
            status="delivered",
        )
    day = dt.datetime.combine(month.start + dt.timedelta(days=19), dt.time(10), tzinfo=SHANGHAI)
    FeedbackFactory.create_batch(
        count, employee=employee, customer=customer, csat=csat, comment="", submitted_at=day
    )
    FollowUpFactory.create_batch(count, employee=employee, customer=customer, occurred_at=day)
    TicketFactory.create_batch(
        count,
        employee=employee,
        customer=customer,
        opened_at=day,
        resolved_at=day + dt.timedelta(hours=2),
    )


@pytest.fixture
def scored_team(org_chart):
    """East team: 王芳 fast (1 h), 李强 slow (20 h), their manager in between; five orders and
    five CSATs each (the minimum volume of the rates and means)."""
    people = org_chart
    for key, hours, csat in [("east_a", 1, 5), ("east_b", 20, 3), ("east_manager", 6, 4)]:
        _month_of_work(people[key], OCTOBER, hours, csat=csat)
    return people


def _current(period: Period = OCTOBER) -> dict[str, EmployeeScore]:
    return {
        score.employee.name: score
        for score in EmployeeScore.objects.filter(
            is_current=True, period_start=period.start
        ).select_related("employee")
    }


@pytest.mark.django_db
def test_a_period_is_scored_explained_and_ranked(scored_team):
    run = services.compute_period(OCTOBER)
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100
    scores = _current()
    # Everyone on a scored team, the south team too.
    assert set(scores) == {"王芳", "李强", "陈主管", "赵主管", "刘洋"}
    fast, slow = scores["王芳"], scores["李强"]
    assert fast.total > slow.total
    response = IndicatorScore.objects.get(
        employee_score=fast, indicator__code="order_response_time"
    )
    # 1 h against baseline 24 h and target 2 h: clipped at 100.
    assert response.raw == pytest.approx(1.0) and response.normalised == pytest.approx(100.0)
    assert response.target == pytest.approx(2.0)
    assert response.team_average == pytest.approx((1 + 20 + 6) / 3)
    assert fast.team_rank == 1 and fast.company_rank == 1
    assert fast.grade and fast.explanation["zh"] and fast.explanation["en"]
    # CSAT 3 is below the 3.5 floor: vetoed, total capped at 59 at most.
    assert slow.vetoes == ["csat"] and slow.total <= 59
    # Without a record of their own in the month, nobody is graded on counts of zero.
    idle = scores["刘洋"]
    assert idle.state == ScoreState.NO_ACTIVITY
    assert (idle.total, idle.grade, idle.company_rank, idle.improvement_plan) == (
        None,
        "",
        None,
        False,
    )
    assert idle.explanation["zh"][0].startswith("未评分：本期没有本人的业务记录")
    assert not IndicatorScore.objects.filter(employee_score=idle).exists()
    assert {score.company_rank for score in scores.values() if score.is_scored} == {1, 2, 3}
    assert run.schemes["intermediate"]["version"] == 1


@pytest.mark.django_db
def test_a_rerun_replaces_the_results_with_the_same_numbers(scored_team):
    first = services.compute_period(OCTOBER)
    before = {name: (s.total, s.grade, s.company_rank) for name, s in _current().items()}
    second = services.compute_period(OCTOBER)
    after = {name: (s.total, s.grade, s.company_rank) for name, s in _current().items()}
    assert after == before
    assert not EmployeeScore.objects.filter(run=first).exists()
    assert EmployeeScore.objects.filter(run=second, is_current=True).count() == 5


@pytest.mark.django_db
def test_a_run_that_fails_half_way_leaves_the_previous_results(scored_team, monkeypatch):
    services.compute_period(OCTOBER)
    before = {name: s.total for name, s in _current().items()}

    def broken(*args, **kwargs):
        raise RuntimeError("database went away while ranking")

    # Ranking runs as a whole-company chunk is written, or when a chunked run publishes.
    monkeypatch.setattr(chunks, "finalise", broken)
    monkeypatch.setattr(publish, "finalise", broken)
    with pytest.raises(RuntimeError):
        services.compute_period(OCTOBER)
    failed = ScoreRun.objects.latest("created_at")
    assert failed.status == RunStatus.FAILED and "went away" in failed.error
    assert {name: s.total for name, s in _current().items()} == before
    # Its half-written rows are gone.
    assert not EmployeeScore.objects.filter(run=failed).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("chunk_size", "failing_chunk"), [(None, 1), (1, 2)], ids=["one chunk", "a chunk per team"]
)
def test_a_run_that_fails_while_writing_leaves_the_previous_results(
    scored_team, monkeypatch, chunk_size, failing_chunk
):
    services.compute_period(OCTOBER)
    before = {name: (s.total, s.company_rank) for name, s in _current().items()}
    writes = []

    def failing_on_the_chunks_last_write(load):
        writes.append(load.model)
        if len(writes) == 2 * failing_chunk:  # each chunk writes score rows and indicator rows
            raise RuntimeError("disk full")
        return bulk_load_run(load)

    monkeypatch.setattr(chunks, "bulk_load_run", failing_on_the_chunks_last_write)
    with pytest.raises(RuntimeError):
        services.compute_period(OCTOBER, chunk_size=chunk_size)
    failed = ScoreRun.objects.latest("created_at")
    assert failed.status == RunStatus.FAILED and "disk full" in failed.error
    assert sorted(model.__name__ for model in writes[-2:]) == ["EmployeeScore", "IndicatorScore"]
    assert {name: (s.total, s.company_rank) for name, s in _current().items()} == before
    assert not EmployeeScore.objects.filter(run=failed).exists()


@pytest.mark.django_db
def test_the_scheme_in_force_on_the_periods_end_for_the_level_is_used(scored_team):
    admin = scored_team["admin"]
    intermediate = WeightScheme.objects.get(level=Level.INTERMEDIATE, status="active")
    draft = scheme_services.scheme_draft_create(
        user=admin, level=Level.INTERMEDIATE, effective_from=dt.date(2026, 11, 1)
    )
    scheme_services.scheme_activate(
        scheme=draft, user=admin, now=dt.datetime(2026, 10, 15, tzinfo=dt.UTC)
    )
    october = services.compute_period(OCTOBER)
    november = services.compute_period(Period.parse("2026-11"))
    assert october.schemes["intermediate"]["id"] == intermediate.id
    assert november.schemes["intermediate"]["id"] == draft.id
    # Juniors keep their own scheme.
    assert november.schemes["junior"]["version"] == 1


@pytest.mark.django_db
def test_a_target_is_raised_after_three_periods_far_above_it_and_not_before(org_chart):
    star = org_chart["east_a"]
    months = [Period.parse(label) for label in ("2026-07", "2026-08", "2026-09", "2026-10")]
    for month in months:
        _month_of_work(star, month, response_hours=1)
    for month in months[:2]:
        services.compute_period(month)
    assert not PersonalTarget.objects.exists()
    services.compute_period(months[2])
    target = PersonalTarget.objects.get(employee=star, indicator__code="order_response_time")
    # Lower is better: 2 h × (1 − 5%) = 1.9 h, from October.
    assert target.target == pytest.approx(1.9)
    assert target.effective_from == dt.date(2026, 10, 1)
    assert target.history.count() == 1
    services.compute_period(months[3])
    used = IndicatorScore.objects.get(
        employee_score__employee=star,
        employee_score__is_current=True,
        employee_score__period_start=dt.date(2026, 10, 1),
        indicator__code="order_response_time",
    )
    assert used.target == pytest.approx(1.9)


# ---- API ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "visible"),
    [
        ("east_a", {"王芳"}),
        ("east_manager", {"王芳", "李强", "陈主管"}),
        ("south_manager", {"赵主管", "刘洋"}),
        ("hr", {"王芳", "李强", "陈主管", "赵主管", "刘洋"}),
        ("admin", {"王芳", "李强", "陈主管", "赵主管", "刘洋"}),
    ],
)
def test_scores_are_scoped_by_role(as_user, scored_team, key, visible):
    services.compute_period(OCTOBER)
    client = as_user(key)
    body = client.get("/api/v1/scores/", {"period": "2026-10"}).json()
    assert {row["name"] for row in body} == visible


@pytest.mark.django_db
def test_a_merchandiser_reads_their_scorecard_but_not_a_colleagues(as_user, scored_team):
    services.compute_period(OCTOBER)
    client = as_user("east_a")
    mine = client.get(
        f"/api/v1/scores/{scored_team['east_a'].id}/",
        {"period": "2026-10"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert mine.status_code == 200
    card = mine.json()
    assert card["explanation"][0].startswith("Total ")
    lines = {line["code"]: line for line in card["indicators"]}
    assert lines["order_response_time"]["raw"] == pytest.approx(1.0)
    assert lines["order_response_time"]["name"] == "Order response time"
    colleague = client.get(f"/api/v1/scores/{scored_team['east_b'].id}/", {"period": "2026-10"})
    assert colleague.status_code == 404


@pytest.mark.django_db
def test_a_bad_period_is_a_clear_400(as_user, scored_team):
    client = as_user("hr")
    response = client.get("/api/v1/scores/", {"period": "October"})
    assert response.status_code == 400
    assert "YYYY-MM" in response.json()["period"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["east_a", "east_manager"])
def test_only_hr_and_admins_start_or_watch_runs(as_user, scored_team, key):
    client = as_user(key)
    assert client.post("/api/v1/score-runs/", {"period": "2026-10"}).status_code == 403
    assert client.get("/api/v1/score-runs/").status_code == 403
    assert not ScoreRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_hr_starts_a_run_and_watches_it_finish(as_user, scored_team):
    client = as_user("hr")
    started = client.post(
        "/api/v1/score-runs/", {"period": "2026-10"}, content_type="application/json"
    )
    assert started.status_code == 202
    run_id = started.json()["id"]
    status = client.get(f"/api/v1/score-runs/{run_id}/").json()
    # Eager here (no workers): the run has finished by the time the request returns.
    assert status["status"] == "succeeded" and status["progress"] == 100
    assert status["employees"] == 5


@pytest.mark.django_db
def test_an_entropy_share_on_the_scheme_blends_the_weights(scored_team):
    WeightScheme.objects.filter(level=Level.INTERMEDIATE).update(entropy_alpha=0.5)
    services.compute_period(OCTOBER)
    wang = _current()["王芳"]
    applied = dict(
        IndicatorScore.objects.filter(employee_score=wang).values_list("indicator__code", "weight")
    )
    expert = dict(
        WeightScheme.objects.get(level=Level.INTERMEDIATE).weights.values_list(
            "indicator__code", "global_weight"
        )
    )
    assert sum(weight for weight in applied.values() if weight) == pytest.approx(1.0)
    # Indicators that tell the team apart gain weight, so the mix is not the experts' alone.
    with_data = [code for code, weight in applied.items() if weight]
    expert_share = sum(expert[code] for code in with_data)
    assert any(abs(applied[code] - expert[code] / expert_share) > 1e-3 for code in with_data)


@pytest.mark.django_db
def test_finalising_a_published_run_again_changes_nothing(scored_team):
    run = services.compute_period(OCTOBER)
    before = {name: (s.total, s.company_rank) for name, s in _current().items()}
    services.score_run_finalise(run)  # a redelivered task
    assert {name: (s.total, s.company_rank) for name, s in _current().items()} == before
    assert IndicatorScore.objects.filter(employee_score__run=run).exists()


@pytest.mark.django_db
def test_runs_that_cannot_be_done_are_refused_with_the_reason(scored_team):
    with pytest.raises(RunRefused, match="nobody to score"):
        services.compute_period(OCTOBER, scored_team["teams"]["hr"])
    # The default schemes are in force from 2000-01-01, the first period perf scores.
    Employee.objects.update(hire_date=dt.date(1990, 1, 1))
    with pytest.raises(RunRefused, match="no weight scheme is in force"):
        services.compute_period(Period.parse("1999-12"))
    assert set(ScoreRun.objects.values_list("status", flat=True)) == {RunStatus.FAILED}
    assert not EmployeeScore.objects.exists()


@pytest.mark.django_db
def test_a_run_for_a_team_without_scored_people_is_a_clear_400(as_user, scored_team):
    client = as_user("hr")
    response = client.post(
        "/api/v1/score-runs/",
        {"period": "2026-10", "team": scored_team["teams"]["hr"].id},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Nobody to score" in response.json()["team"][0]


@pytest.mark.django_db
def test_the_score_command_prints_a_summary_or_a_clear_refusal(scored_team):
    with pytest.raises(CommandError, match="nobody to score"):
        call_command("score", "--period", "2026-10", "--team", "人力资源部", stdout=io.StringIO())
    out = io.StringIO()
    call_command("score", "--period", "2026-10", stdout=out)
    printed = out.getvalue()
    assert "Scored 5 employees" in printed and "华东跟单一组" in printed
    # 赵主管 and 刘洋 have no October records.
    assert "Not scored: 2 without activity, 0 with too little of the weight measured" in printed


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_rescores_the_previous_and_the_current_month(scored_team, monkeypatch):
    from scoring import tasks

    monkeypatch.setattr(tasks.timezone, "localdate", lambda: dt.date(2026, 11, 5))
    run_ids = tasks.score_recent_months()
    runs = ScoreRun.objects.filter(id__in=run_ids).order_by("period_start")
    assert [run.period_start for run in runs] == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert {run.status for run in runs} == {RunStatus.SUCCEEDED}
