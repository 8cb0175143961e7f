"""History: a back-dated weight scheme is activated after confirming the scored periods it
changes, two years of records are scored month by month oldest first (``manage.py score --from
--to``, the HR page, the API), and closed periods are scored again only once reopened."""

import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from indicators import scheme_services
from indicators.models import WeightScheme
from ingest.models import SyncRun
from ingest.signals import records_changed
from org.models import Level
from org.periods import Period
from scoring import services
from scoring.closing import ClosedPolicy, PeriodsClosed
from scoring.models import PeriodReopening, RunStatus, ScoreRun
from scoring.ranges import range_rescore
from scoring.selectors import schemes_in_force
from tests.clock import LAST_MONTH, months_ago
from tests.scoring.test_pipeline import _month_of_work
from tests.scoring.test_tasks import _wait_for, celery_worker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

FIRST = months_ago(24)  # two years of history, to last month
HISTORY = [months_ago(n) for n in range(24, 0, -1)]


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages and API answers
    with translation.override("en"):
        yield


@pytest.fixture
def history(org_chart):
    """Two years of orders for 王芳 (fast) and 李强 (slow), three a month."""
    for month in HISTORY:
        _month_of_work(org_chart["east_a"], month, response_hours=1)
        _month_of_work(org_chart["east_b"], month, response_hours=20)
    return org_chart


def _draft(admin, effective: Period) -> WeightScheme:
    return scheme_services.scheme_draft_create(
        user=admin, level=Level.INTERMEDIATE, effective_from=effective.start
    )


def _scheme_of(run: ScoreRun) -> int:
    return run.schemes[Level.INTERMEDIATE]["id"]


def test_a_back_dated_scheme_asks_to_confirm_rescoring_and_two_years_score_in_order(
    history, django_capture_on_commit_callbacks
):
    admin = history["admin"]
    built_in = WeightScheme.objects.get(level=Level.INTERMEDIATE, status="active")
    services.compute_period(LAST_MONTH)  # live already: last month is published

    a_year_ago = _draft(admin, months_ago(12))
    with pytest.raises(scheme_services.RescoreConfirmationNeeded) as asked:
        scheme_services.scheme_activate(scheme=a_year_ago, user=admin)
    assert asked.value.code == "confirm_rescore"
    assert asked.value.periods == [LAST_MONTH]
    assert LAST_MONTH.label in asked.value.messages[0]
    a_year_ago.refresh_from_db()
    assert a_year_ago.status == "draft"

    with django_capture_on_commit_callbacks(execute=True):
        scheme_services.scheme_activate(scheme=a_year_ago, user=admin, confirm=True)
    rescored = ScoreRun.objects.filter(period_start=LAST_MONTH.start).latest("id")
    assert rescored.status == RunStatus.SUCCEEDED, rescored.error
    assert _scheme_of(rescored) == a_year_ago.id
    assert str(a_year_ago) in rescored.reason

    # Two years back, before the scheme now active: it fits between the built-in version and
    # last year's, weighs only the year between them and retires nothing. No period it
    # weighs is scored, so nothing to confirm.
    two_years_ago = _draft(admin, FIRST)
    scheme_services.scheme_activate(scheme=two_years_ago, user=admin)
    statuses = dict(
        WeightScheme.objects.filter(level=Level.INTERMEDIATE).values_list("id", "status")
    )
    assert statuses == {
        built_in.id: "retired",
        a_year_ago.id: "active",
        two_years_ago.id: "retired",
    }

    out = io.StringIO()
    before = ScoreRun.objects.latest("id").id
    call_command("score", "--from", FIRST.label, "--to", LAST_MONTH.label, stdout=out)
    printed = out.getvalue()
    assert f"[1/24] {FIRST.label}: 5 employees" in printed
    assert f"[24/24] {LAST_MONTH.label}: 5 employees" in printed
    assert f"Scored 24 of 24 periods from {FIRST.label} to {LAST_MONTH.label}" in printed

    runs = list(ScoreRun.objects.filter(id__gt=before, status=RunStatus.SUCCEEDED).order_by("id"))
    assert [Period.containing(run.period_start) for run in runs] == HISTORY  # oldest first
    expected = [two_years_ago.id] * 12 + [a_year_ago.id] * 12
    assert [_scheme_of(run) for run in runs] == expected
    # Before the history, the built-in scheme (from 2000) is still in force.
    assert schemes_in_force(months_ago(30))[Level.INTERMEDIATE]["id"] == built_in.id


def test_a_closed_period_is_scored_again_only_once_reopened_with_a_reason(
    history, as_user, django_capture_on_commit_callbacks
):
    closed = months_ago(3)  # its appeal window (30 days) passed long ago
    services.compute_period(closed)  # first scoring of imported history: allowed
    before = ScoreRun.objects.count()

    with pytest.raises(PeriodsClosed, match=f"{closed.label} closed when its appeal window"):
        services.periods_rescore(periods=[closed], reason="by hand")
    with pytest.raises(CommandError, match="must reopen it with a reason"):
        call_command("score", "--period", closed.label, stdout=io.StringIO())
    response = as_user("hr").post(
        "/api/v1/score-runs/", {"period": closed.label}, content_type="application/json"
    )
    assert response.status_code == 400
    assert closed.label in response.json()["period"][0]
    draft = _draft(history["admin"], months_ago(4))
    with pytest.raises(
        ValidationError, match=f"would change the scores of {closed.label}"
    ) as refused:
        scheme_services.scheme_activate(scheme=draft, user=history["admin"], confirm=True)
    assert refused.value.code == "periods_closed"
    assert ScoreRun.objects.count() == before

    # A sync of old records into it is recorded, not applied.
    with django_capture_on_commit_callbacks(execute=True):
        records_changed.send(sender=SyncRun, periods=[closed], reason="nightly ERP pull")
    recorded = ScoreRun.objects.latest("id")
    assert recorded.status == RunStatus.FAILED
    assert recorded.error.startswith("Not applied:") and recorded.reason == "nightly ERP pull"

    # An approved appeal still changes a closed period.
    with django_capture_on_commit_callbacks(execute=True):
        (appealed,) = services.periods_rescore(
            periods=[closed], reason="appeal", closed=ClosedPolicy.APPEAL
        )
    appealed.refresh_from_db()
    assert appealed.status == RunStatus.SUCCEEDED, appealed.error

    hr = as_user("hr")
    response = hr.post("/scoring/reopenings/", {"period": closed.label, "reason": " "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    response = hr.post(
        "/scoring/reopenings/", {"period": closed.label, "reason": "ERP re-import of March"}
    )
    assert response.status_code == 302
    reopening = PeriodReopening.objects.get()
    assert (reopening.period_start, reopening.reason) == (closed.start, "ERP re-import of March")
    assert reopening.reopened_by == history["hr"].user
    page = hr.get("/scoring/runs/").content.decode()
    assert "ERP re-import of March" in page

    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.periods_rescore(periods=[closed], reason="after reopening")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error

    response = hr.post(f"/scoring/reopenings/{reopening.id}/close/")
    assert response.status_code == 302
    reopening.refresh_from_db()
    assert reopening.closed_again_by == history["hr"].user
    with pytest.raises(PeriodsClosed):
        services.periods_rescore(periods=[closed], reason="closed again")
    # The reopening stays in the period's history, on the page and in the admin.
    client = as_user("admin")
    admin_list = client.get("/admin/scoring/periodreopening/").content.decode()
    assert "ERP re-import of March" in admin_list


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-05", "--to", "2026-04"], "--to: 2026-04 is before 2026-05"),
        (["--from", "2000-01", "--to", "2020-12"], "--to: A range holds at most 240 periods"),
        (["--from", "2026-05", "--to", "2026-Q3"], "--to: Use the same kind of period"),
        (["--from", "2026-13", "--to", "2026-12"], "--from: Write the period as YYYY-MM"),
        (["--from", "2026-05"], "--from needs --to"),
        (["--period", "2026-05", "--to", "2026-06"], "--to goes with --from"),
    ],
)
def test_the_score_command_refuses_bad_ranges_naming_the_argument(org_chart, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("score", *arguments, stdout=io.StringIO())
    assert not ScoreRun.objects.exists()


def test_hr_scores_a_range_from_the_page_oldest_first_and_others_may_not(
    history, as_user, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for key in ("east_a", "east_manager"):
        assert as_user(key).get("/scoring/runs/").status_code == 403
        assert as_user(key).post("/scoring/runs/range/", {}).status_code == 403
    hr = as_user("hr")
    assert hr.get("/scoring/runs/").status_code == 200
    first, last = months_ago(6), LAST_MONTH
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            "/scoring/runs/range/",
            {"first": first.label, "last": last.label, "team": history["teams"]["east"].id},
        )
    assert response.status_code == 302
    runs = list(ScoreRun.objects.order_by("started_at"))
    assert [Period.containing(run.period_start) for run in runs] == HISTORY[-6:]
    assert {run.status for run in runs} == {RunStatus.SUCCEEDED}
    assert {run.team_id for run in runs} == {history["teams"]["east"].id}
    # session, user, groups (role), employee, unread appeals, runs, reopenings, teams: no query
    # per run.
    with django_assert_max_num_queries(10):
        page = hr.get("/scoring/runs/").content.decode()
    assert page.count('data-testid="run-row"') == 6

    bad = [
        ({"first": "abc", "last": last.label}, "Write the period as YYYY-MM"),
        ({"first": last.label, "last": first.label}, f"{first.label} is before {last.label}"),
        ({"first": "2000-01", "last": "2099-12"}, "at most 240 periods"),
        ({"first": first.label, "last": last.label, "team": 2**70}, "Select a valid choice"),
        ({"first": first.label, "last": last.label, "team": history["teams"]["hr"].id}, "Nobody"),
    ]
    for data, message in bad:
        response = hr.post("/scoring/runs/range/", data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert ScoreRun.objects.count() == 6


def test_the_api_scores_a_range_and_names_the_field_at_fault(
    history, as_user, django_capture_on_commit_callbacks
):
    url = "/api/v1/score-runs/range/"
    body = {"from": months_ago(3).label, "to": LAST_MONTH.label}
    assert as_user("east_a").post(url, body, content_type="application/json").status_code == 403
    hr = as_user("hr")
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(url, body, content_type="application/json")
    assert response.status_code == 202
    assert [run["period_start"] for run in response.json()] == [
        months_ago(n).start.isoformat() for n in (3, 2, 1)
    ]
    response = hr.post(url, {"from": "2026-05", "to": "2026-04"}, content_type="application/json")
    assert response.status_code == 400 and "is before" in response.json()["to"][0]
    response = hr.post(url, {"to": "2026-04"}, content_type="application/json")
    assert response.status_code == 400 and "from" in response.json()
    # Three and two months ago are closed and now scored: scoring them again needs reopening.
    response = hr.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert f"{months_ago(3).label}, {months_ago(2).label} closed" in response.json()["from"][0]
    for closed in (months_ago(3), months_ago(2)):
        response = hr.post(
            "/api/v1/period-reopenings/",
            {"period": closed.label, "reason": "re-import"},
            content_type="application/json",
        )
        assert response.status_code == 201 and response.json()["period"] == closed.label
    response = hr.post(
        "/api/v1/period-reopenings/",
        {"period": LAST_MONTH.label, "reason": "still open"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "still open" in response.json()["period"][0]
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(url, body, content_type="application/json")
    assert response.status_code == 202


@pytest.mark.django_db(transaction=True)
def test_a_range_runs_oldest_first_on_the_workers(org_chart, celery_worker):  # noqa: F811
    months = [months_ago(3), months_ago(2), LAST_MONTH]
    for month in months:
        _month_of_work(org_chart["east_a"], month, response_hours=1)

    runs = range_rescore(first=months[0], last=months[-1], user=org_chart["hr"].user)

    _wait_for(runs[-1])
    finished = list(ScoreRun.objects.order_by("started_at"))
    assert [Period.containing(run.period_start) for run in finished] == months
    assert {run.status for run in finished} == {RunStatus.SUCCEEDED}
    # One task per period, each handing the rest on, so no period starts before the one before.
    assert [name.rsplit(".", 1)[1] for name, _ in celery_worker] == ["score_runs_in_order_task"] * 3
    for earlier, later in itertools.pairwise(finished):
        assert earlier.finished_at <= later.started_at
