"""Who a period scores: the people employed in it (hire and leave dates), with activity of their
own, and enough of their weight measured; what the API says about the others."""

import datetime as dt

import pytest

from org.periods import Period
from org.selectors import employed_during
from scoring import services
from scoring.models import EmployeeScore, ScoreState
from tests.clock import at, months_ago
from tests.factories import EmployeeFactory, OrderFactory
from tests.scoring.test_pipeline import _month_of_work

LEFT_IN, AFTER = months_ago(3), months_ago(2)


def _current(period) -> dict[str, EmployeeScore]:
    return {
        score.employee.name: score
        for score in EmployeeScore.objects.filter(
            is_current=True, period_start=period.start
        ).select_related("employee")
    }


@pytest.mark.django_db
def test_a_leaver_is_scored_for_the_month_they_left_in_and_not_after(org_chart):
    leaver, stayer = org_chart["east_b"], org_chart["east_a"]
    for month in (LEFT_IN, AFTER):
        _month_of_work(leaver, month, 5)  # records after leaving: reassigned orders, say
        _month_of_work(stayer, month, 2)
    leaver.leave_date = LEFT_IN.start + dt.timedelta(days=14)
    leaver.is_active = False  # the leave date decides, not the flag
    leaver.save()

    services.compute_period(LEFT_IN)
    services.compute_period(AFTER)

    assert _current(LEFT_IN)["李强"].state == ScoreState.SCORED
    assert _current(LEFT_IN)["李强"].grade
    assert "李强" not in _current(AFTER)
    assert _current(AFTER)["王芳"].company_rank == 1


@pytest.mark.django_db
def test_someone_hired_after_a_period_is_not_on_its_roster(org_chart):
    newcomer = EmployeeFactory(
        team=org_chart["teams"]["east"], name="新同事", hire_date=AFTER.start + dt.timedelta(days=4)
    )
    _month_of_work(newcomer, AFTER, 2)
    OrderFactory(merchandiser=newcomer, submitted_at=at(LEFT_IN, 10, 9))  # a data-entry slip

    services.compute_period(LEFT_IN)
    services.compute_period(AFTER)

    assert "新同事" not in _current(LEFT_IN)
    assert _current(AFTER)["新同事"].state == ScoreState.SCORED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hired", "left", "active", "on_roster"),
    [
        (dt.date(2017, 3, 31), None, True, True),  # hired on the last day
        (dt.date(2017, 4, 1), None, True, False),  # hired the day after
        (dt.date(2015, 1, 1), dt.date(2017, 3, 1), False, True),  # left on the first day
        (dt.date(2015, 1, 1), dt.date(2017, 2, 28), False, False),  # left the day before
        (dt.date(2015, 1, 1), dt.date(2018, 1, 1), True, True),  # leaves later
        # Inactive without a leave date: when they left is unknown, so never on a roster.
        (dt.date(2015, 1, 1), None, False, False),
    ],
)
def test_the_roster_of_a_past_period_follows_hire_and_leave_dates(
    org_chart, hired, left, active, on_roster
):
    person = EmployeeFactory(
        team=org_chart["teams"]["east"], hire_date=hired, leave_date=left, is_active=active
    )
    assert employed_during(Period.parse("2017-03")).filter(pk=person.pk).exists() == on_roster


@pytest.mark.django_db
def test_the_api_says_why_someone_is_not_scored(as_user, org_chart):
    _month_of_work(org_chart["east_a"], LEFT_IN, 2)
    # 李强 only has three unconfirmed orders: their count is measured (9% of the weight), the
    # rates resting on them are below their minimum volume.
    for day in (2, 5, 9):
        OrderFactory(merchandiser=org_chart["east_b"], submitted_at=at(LEFT_IN, day, 9))
    services.compute_period(LEFT_IN)
    client = as_user("hr")

    body = client.get("/api/v1/scores/", {"period": str(LEFT_IN)}, HTTP_ACCEPT_LANGUAGE="en")

    rows = {row["name"]: row for row in body.json()}
    assert rows["王芳"]["state"] == "scored" and rows["王芳"]["state_text"] == ""
    assert rows["王芳"]["grade"] and rows["王芳"]["company_rank"] == 1
    thin = rows["李强"]
    assert thin["state"] == "not_enough_data"
    assert thin["measured_share"] == pytest.approx(0.095, abs=0.005)
    assert thin["state_text"] == "Not enough data (measured 9% of the weight, 60% needed)"
    assert (thin["total"], thin["grade"], thin["company_rank"]) == (None, "", None)
    idle = rows["刘洋"]
    assert idle["state"] == "no_activity"
    assert idle["state_text"] == "Not scored: no activity this period"
    assert not idle["improvement_plan"]
    zh = client.get("/api/v1/scores/", {"period": str(LEFT_IN)}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert {row["name"]: row for row in zh.json()}["刘洋"]["state_text"] == "未评分：本期无业务记录"


@pytest.mark.django_db
def test_a_run_of_a_period_before_anyone_was_hired_is_a_clear_400(as_user, org_chart):
    response = as_user("hr").post(
        "/api/v1/score-runs/",
        {"period": "2019-01", "team": org_chart["teams"]["east"].id},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["team"] == [
        "Nobody to score: nobody in a scored team here was employed in that period."
    ]
