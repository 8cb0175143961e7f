"""The month to date: the open month scored so far by the nightly provisional run, shown on one's
scorecard and on the team page as provisional with its as-of time, apart from the published
results, and counted in no ranking, grade distribution, review or bonus."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from dashboards.formatting import format_score
from dashboards.selectors.summaries import company_summary
from reviews.selectors import cycle_totals
from scoring import tasks
from scoring.models import EmployeeScore, ScoreRun
from tests.clock import LAST_MONTH, THIS_MONTH, at
from tests.dashboards.company import COMPLIANT, scored_company
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    TicketFactory,
)
from tests.reviews.factories import ReviewCycleFactory

pytestmark = pytest.mark.django_db

# The nightly run of the open month, on the 17th at 02:30 company time (the suite's clock is
# pinned to the 18th, 10:00).
RUN_AT = at(THIS_MONTH, 17, 2, 30)
ME, TEAM = reverse("dashboards:me"), reverse("dashboards:team")
MONTH_NAMES_EN = dict(enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"],
    start=1,
))  # fmt: skip


def _this_month_so_far(people) -> None:
    """王芳 (east_a): four orders on the 2nd, 5th, 9th and 12th and two ratings, 5 and 4 (a mean
    of 4.50/5); 李强 (east_b): one order and a rating of 3, below the CSAT floor of 3.5. Each
    also replied once and resolved a ticket at first contact, so enough weight is measured for a
    total."""
    customer = CustomerFactory()
    for key, days, ratings in [("east_a", (2, 5, 9, 12), (5, 4)), ("east_b", (3,), (3,))]:
        for day in days:
            submitted = at(THIS_MONTH, day, 9)
            OrderFactory(
                merchandiser=people[key],
                customer=customer,
                submitted_at=submitted,
                source_created_at=submitted,
                confirmed_at=submitted + dt.timedelta(hours=2),
                shipped_at=submitted + dt.timedelta(days=1),
                delivered_at=submitted + dt.timedelta(days=2),
                status="delivered",
            )
        for csat in ratings:
            FeedbackFactory(
                employee=people[key],
                customer=customer,
                csat=csat,
                comment="",
                submitted_at=at(THIS_MONTH, 14),
            )
        FollowUpFactory(
            employee=people[key],
            customer=customer,
            occurred_at=at(THIS_MONTH, 15),
            message=COMPLIANT,
        )
        TicketFactory(
            employee=people[key],
            customer=customer,
            opened_at=at(THIS_MONTH, 10),
            resolved_at=at(THIS_MONTH, 10, 12),
        )


def _nightly(django_capture_on_commit_callbacks) -> None:
    """The nightly job at ``RUN_AT``: last month published again, this one provisionally."""
    with (
        time_machine.travel(RUN_AT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.score_recent_months()


def _published(period) -> dict[str, tuple]:
    return {
        score.employee.name: (
            score.total,
            score.grade,
            score.team_rank,
            score.company_rank,
            score.team_percentile,
            score.company_percentile,
            score.improvement_plan,
        )
        for score in EmployeeScore.objects.filter(
            period_start=period.start, is_current=True
        ).select_related("employee")
    }


@pytest.fixture
def so_far(org_chart, django_capture_on_commit_callbacks):
    """Two published months, then this month's work so far scored by the nightly run."""
    people = scored_company(org_chart)
    _this_month_so_far(people)
    people["published_before"] = _published(LAST_MONTH)
    _nightly(django_capture_on_commit_callbacks)
    people["run"] = ScoreRun.objects.get(period_start=THIS_MONTH.start, provisional=True)
    return people


def _section(page: str, testid: str = "month-to-date") -> str:
    found = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', page, re.S)
    assert found, f"no {testid} section"
    return found.group(0)


def _row(section: str, code: str) -> str:
    return re.search(rf'data-indicator="{code}".*?</tr>', section, re.S).group(0)


# ---------------------------------------------------------------------------------------------
# The scorecard


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_my_scorecard_shows_the_month_so_far_as_provisional_with_its_as_of_time(
    so_far, as_user, language
):
    client = as_user("east_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(ME, headers={"accept-language": language}).content.decode()
    section = _section(page)
    mine = EmployeeScore.objects.get(run=so_far["run"], employee=so_far["east_a"])
    assert so_far["run"].started_at == RUN_AT
    # The as-of time, in company time and the reader's words.
    as_of = re.search(r'data-testid="as-of" data-as-of="([^"]+)"', section).group(1)
    assert dt.datetime.fromisoformat(as_of) == RUN_AT
    if language == "en":
        month = MONTH_NAMES_EN[THIS_MONTH.start.month]
        assert f"Provisional, as of {month} 17 02:30" in section
        orders, csat = "4 orders", "4.50/5"
    else:
        assert f"{THIS_MONTH.start.month:02d}月17日 02:30" in section
        orders, csat = "4 单", "4.50/5"
    # Worked by hand: four orders so far, ratings 5 and 4.
    assert orders in _row(section, "order_volume")
    assert csat in _row(section, "csat")
    with translation.override(language):
        total = format_score(mine.total)
    assert re.search(r'data-testid="total-so-far">([^<]+)<', section).group(1) == total
    # No grade, rank or percentile of the month so far, and never a plan.
    # (The page says it is "不排名", not ranked: the published rank's labels are looked for.)
    for published_only in (
        'class="grade',
        "-rank",
        "percentile in",
        "团队排名",
        "公司排名",
        "improvement-plan",
    ):
        assert published_only not in section
    # The published month beside it, as published.
    published = EmployeeScore.objects.get(
        employee=so_far["east_a"], period_start=LAST_MONTH.start, is_current=True
    )
    assert f'data-testid="grade">{published.grade}<' in page
    assert f"{published.total:.1f}" in page.replace(section, "")


def test_a_veto_so_far_is_named_and_caps_the_total(so_far, as_user):
    section = _section(as_user("east_b").get(ME).content.decode())
    mine = EmployeeScore.objects.get(run=so_far["run"], employee=so_far["east_b"])
    assert mine.vetoes == ["csat"] and mine.total <= 59
    assert 'data-testid="veto-so-far"' in section and "客户满意度" in section


def test_before_the_first_provisional_run_the_scorecard_says_so(scored, as_user):
    section = _section(as_user("east_a").get(ME).content.decode())
    assert 'data-testid="no-month-to-date"' in section
    assert 'data-testid="as-of"' not in section


def test_a_new_provisional_run_shows_on_a_kept_page(
    scored, as_user, django_capture_on_commit_callbacks
):
    client = as_user("east_a")
    client.get(ME)  # sets the CSRF cookie: from now on the page is kept per session
    assert 'data-testid="no-month-to-date"' in client.get(ME).content.decode()
    _this_month_so_far(scored)
    _nightly(django_capture_on_commit_callbacks)
    section = _section(client.get(ME).content.decode())
    assert 'data-testid="as-of"' in section and "4 单" in _row(section, "order_volume")


# ---------------------------------------------------------------------------------------------
# The team page


def test_the_team_page_lists_the_month_so_far_by_employee_number_without_ranks(so_far, as_user):
    page = as_user("east_manager").get(TEAM).content.decode()
    section = _section(page, "team-month-to-date")
    rows = re.findall(r'data-testid="member-so-far" data-employee="(\d+)"', section)
    east = sorted(
        (so_far[key] for key in ("east_manager", "east_a", "east_b")),
        key=lambda person: person.employee_no,
    )
    assert rows == [str(person.pk) for person in east]
    assert "刘洋" not in section  # the other team
    assert "data-as-of" in section
    for published_only in ('class="grade', "团队排名", "公司排名", "百分位", "改进计划"):
        assert published_only not in section
    totals = re.findall(r'data-testid="total-so-far">([^<]+)<', section)
    wang = EmployeeScore.objects.get(run=so_far["run"], employee=so_far["east_a"])
    assert format_score(wang.total) in totals


def test_the_team_page_says_when_the_month_has_no_provisional_run(scored, as_user):
    section = _section(as_user("east_manager").get(TEAM).content.decode(), "team-month-to-date")
    assert 'data-testid="no-month-to-date"' in section


# ---------------------------------------------------------------------------------------------
# In no ranking


def test_the_month_so_far_appears_in_no_ranking(so_far, as_user):
    # The published month: the same totals, grades, ranks, percentiles and plans as before.
    assert _published(LAST_MONTH) == so_far["published_before"]
    # The open month's rows: none current, graded, ranked or on a plan.
    rows = EmployeeScore.objects.filter(period_start=THIS_MONTH.start)
    assert rows.exists() and not rows.filter(is_current=True).exists()
    assert set(rows.values_list("grade", "team_rank", "company_rank", "improvement_plan")) == {
        ("", None, None, False)
    }
    # Heatmap and team table: the published month only; no grade distribution of the open one.
    client = as_user("east_manager")
    team = client.get(TEAM).content.decode()
    assert f"?period={LAST_MONTH}" in team
    assert client.get(TEAM, {"period": THIS_MONTH.label}).context["board"] is None
    with translation.override("en"):
        assert company_summary_grades(THIS_MONTH) == 0
    # Reviews (and the bonus computed from their results) read published months only.
    cycle = ReviewCycleFactory(first_period=LAST_MONTH.start, last_period=THIS_MONTH.start)
    ids = [so_far[key].pk for key in ("east_a", "east_b")]
    totals = cycle_totals(cycle, ids)
    assert {start.date() for start in totals["period_start"]} == {LAST_MONTH.start}


def company_summary_grades(period) -> int:
    from dashboards.selectors.periods import ScoredPeriod

    return sum(company_summary(ScoredPeriod(period, "")).grades.values())


# ---------------------------------------------------------------------------------------------
# Who sees what


@pytest.mark.parametrize(
    ("viewer", "person", "sees"),
    [
        ("east_a", "east_a", True),  # oneself
        ("east_b", "east_a", False),  # a colleague: 404
        ("east_manager", "east_a", True),  # one's team
        ("south_manager", "east_a", False),  # another team: 404
        ("hr", "east_a", True),
        ("admin", "east_a", True),
    ],
)
def test_a_scorecard_shows_the_month_so_far_to_whom_may_see_the_person(
    so_far, as_user, viewer, person, sees
):
    response = as_user(viewer).get(reverse("dashboards:scorecard", args=[so_far[person].pk]))
    assert response.status_code == (200 if sees else 404)
    if sees:
        assert 'data-testid="as-of"' in _section(response.content.decode())


@pytest.mark.parametrize(
    ("viewer", "status", "shown"),
    [
        ("east_a", 403, None),
        ("east_manager", 200, {"east_manager", "east_a", "east_b"}),
        ("south_manager", 200, {"south_manager", "south_a"}),
        ("hr", 200, {"east_manager", "east_a", "east_b"}),  # the first team by name
        ("admin", 200, {"east_manager", "east_a", "east_b"}),
    ],
)
def test_the_team_month_so_far_by_role(so_far, as_user, viewer, status, shown):
    response = as_user(viewer).get(TEAM)
    assert response.status_code == status
    if shown is not None:
        section = _section(response.content.decode(), "team-month-to-date")
        rows = set(re.findall(r'data-testid="member-so-far" data-employee="(\d+)"', section))
        assert rows == {str(so_far[key].pk) for key in shown}


def test_anonymous_sees_no_month_so_far(so_far, client):
    for url in (ME, TEAM):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------------------------------------
# The API


@pytest.mark.parametrize(
    ("viewer", "shown"),
    [
        ("east_a", {"east_a"}),
        ("east_manager", {"east_manager", "east_a", "east_b"}),
        ("south_manager", {"south_manager", "south_a"}),
        ("hr", {"east_manager", "east_a", "east_b", "south_manager", "south_a"}),
        ("admin", {"east_manager", "east_a", "east_b", "south_manager", "south_a"}),
    ],
)
def test_the_score_list_api_gives_the_month_so_far_marked_provisional(
    so_far, as_user, viewer, shown
):
    client = as_user(viewer)
    query = {"period": THIS_MONTH.label, "provisional": "true"}
    body = client.get("/api/v1/scores/", query).json()
    assert {row["employee_id"] for row in body} == {so_far[key].pk for key in shown}
    for row in body:
        assert row["provisional"] is True
        assert dt.datetime.fromisoformat(row["as_of"]) == RUN_AT
        assert (row["grade"], row["team_rank"], row["company_rank"]) == ("", None, None)
        assert (row["team_percentile"], row["company_percentile"]) == (None, None)
    # In employee number order, never by total.
    numbers = [row["employee_no"] for row in body]
    assert numbers == sorted(numbers)
    # The published list stays the published month's, marked so.
    published = client.get("/api/v1/scores/", {"period": LAST_MONTH.label}).json()
    assert published and {row["provisional"] for row in published} == {False}
    assert client.get("/api/v1/scores/", {"period": THIS_MONTH.label}).json() == []


def test_the_score_list_api_refuses_a_bad_provisional_flag_and_anonymous(so_far, as_user, client):
    query = {"period": THIS_MONTH.label, "provisional": "maybe"}
    assert client.get("/api/v1/scores/", query).status_code in (401, 403)
    bad = as_user("hr").get("/api/v1/scores/", query)
    assert bad.status_code == 400 and "provisional" in bad.json()


def test_the_schema_documents_the_month_so_far(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    scores = schema["paths"]["/api/v1/scores/"]["get"]
    assert "provisional" in {parameter["name"] for parameter in scores["parameters"]}
    listed = schema["components"]["schemas"]["ProvisionalScore"]["properties"]
    assert {"provisional", "as_of"} <= set(listed)
    card = schema["components"]["schemas"]["Scorecard"]["properties"]
    assert {"provisional", "as_of"} <= set(card)


def test_the_month_so_far_is_scored_every_night():
    schedule = settings.CELERY_BEAT_SCHEDULE["score-current-and-previous-month"]
    assert schedule["task"] == "scoring.tasks.score_recent_months"
    cron = schedule["schedule"]
    assert (cron.hour, cron.minute) == ({2}, {30})
    assert cron.day_of_week == set(range(7)) and cron.day_of_month == set(range(1, 32))
    assert cron.month_of_year == set(range(1, 13))
