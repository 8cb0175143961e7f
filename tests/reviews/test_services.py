"""Review services against the database: a quarter of three months for three people worked by
hand end to end, and every refusal with the input it names."""

import datetime as dt
from functools import partial

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from org.models import Level
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import CycleResult, CycleState, ResultBasis, ReviewKind, ReviewState
from reviews.selectors import calibration_moves
from reviews.services import (
    calibration_move,
    cycle_close,
    cycle_results_compute,
    incident_add,
    result_acknowledge,
    review_submit,
)
from scoring.models import EmployeeScore, ScoreRun, ScoreState
from tests.clock import THIS_MONTH, at
from tests.factories import EmployeeFactory, OrderFactory
from tests.reviews.conftest import MONTHS, manager_reviews, rated
from tests.reviews.factories import published_totals

pytestmark = pytest.mark.django_db


def _results(cycle) -> dict[str, tuple]:
    return {
        result.employee.user.username: (
            result.kpi_part,
            result.kpi_periods,
            result.qualitative_part,
            result.final,
            result.basis,
            result.grade,
        )
        for result in CycleResult.objects.filter(cycle=cycle).select_related("employee__user")
    }


def test_a_quarter_for_three_people_gives_the_finals_worked_by_hand(org_chart, cycle, published):
    """w = 0.7; 0.4 / 0.3 / 0.3; ratings as points (r − 1) / 4 × 100.
    王芳: KPI 85; manager 4, 5, 3 → 75; 59.5 + 22.5 = 82 → A (her self-review of 5s is shown,
    not counted). 李强: KPI 95; manager 5, 5, 4 → 92.5; 66.5 + 27.75 = 94.25 → S. 张伟: not scored
    in the second month, KPI (60 + 70) / 2 = 65; manager 3, 2, 3 → 42.5; 45.5 + 12.75 = 58.25 → D.
    陈主管 has neither a published score nor a manager review: not scored."""
    review_submit(
        user=org_chart["east_a"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.SELF,
        ratings=rated(5, 5, 5),
        comment="本季度主动承担了大客户的跟单工作。",
    )
    manager_reviews(
        org_chart, cycle, {"east_a": (4, 5, 3), "east_b": (5, 5, 4), "east_c": (3, 2, 3)}
    )
    # A provisional run's rows of the last month are the period so far, never part of a result.
    provisional = ScoreRun.objects.create(period_start=MONTHS[2].start, provisional=True)
    EmployeeScore.objects.create(
        run=provisional,
        employee=org_chart["east_a"],
        period_kind="month",
        period_start=MONTHS[2].start,
        team=org_chart["east_a"].team,
        level=Level.INTERMEDIATE,
        state=ScoreState.SCORED,
        total=10.0,
    )

    assert cycle_results_compute(user=org_chart["hr"].user, cycle=cycle) == 4

    assert _results(cycle) == {
        "east_a": (85.0, 3, 75.0, 82.0, ResultBasis.BOTH, "A"),
        "east_b": (95.0, 3, 92.5, 94.25, ResultBasis.BOTH, "S"),
        "east_c": (65.0, 2, 42.5, 58.25, ResultBasis.BOTH, "D"),
        "east_manager": (None, 0, None, None, ResultBasis.NOT_SCORED, ""),
    }
    assert CycleResult.objects.get(employee=org_chart["east_a"]).self_part == 100.0
    cycle.refresh_from_db()
    assert cycle.state == CycleState.CALIBRATING


def test_a_person_without_a_manager_review_is_scored_on_the_kpi_part_alone(
    org_chart, cycle, published
):
    manager_reviews(org_chart, cycle, {"east_b": (5, 5, 4)})
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    results = _results(cycle)
    assert results["east_a"] == (85.0, 3, None, 85.0, ResultBasis.KPI_ONLY, "A")
    assert results["east_c"] == (65.0, 2, None, 65.0, ResultBasis.KPI_ONLY, "C")
    with translation.override("en"):
        assert str(ResultBasis.KPI_ONLY.label) == "KPI only: no manager review"


def test_computing_reads_each_kind_of_input_once_whatever_the_number_of_people(
    org_chart, cycle, published
):
    hr = org_chart["hr"].user
    with CaptureQueriesContext(connection) as few:
        cycle_results_compute(user=hr, cycle=cycle)
    for _ in range(20):
        person = EmployeeFactory(team=org_chart["teams"]["east"])
        published_totals(person, {MONTHS[0]: 75.0})
    with CaptureQueriesContext(connection) as many:
        cycle_results_compute(user=hr, cycle=cycle)
    assert CycleResult.objects.filter(cycle=cycle).count() == 24
    assert len(many) == len(few) + 2  # the first run inserted; this one inserts and updates


def test_calibration_moves_one_grade_with_a_reason_and_the_history_shows_it(
    org_chart, cycle, published
):
    manager_reviews(org_chart, cycle, {"east_c": (3, 2, 3)})
    hr = org_chart["hr"].user
    cycle_results_compute(user=hr, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart["east_c"])
    with pytest.raises(ReviewRefused) as refused:
        calibration_move(user=hr, result=result, grade="C", reason="  ")
    assert refused.value.field == "reason"

    reason = "第二个月因病假无业务记录，其余月份达标"
    calibration_move(user=hr, result=result, grade="C", reason=reason)

    result.refresh_from_db()
    assert (result.grade, result.calibrated_grade, result.grade_shown) == ("D", "C", "C")
    assert (result.kpi_part, result.final) == (65.0, 58.25)  # never edited by calibration
    [move] = calibration_moves(result)
    assert (move.by, move.before, move.after, move.reason) == ("周人事", "D", "C", reason)
    cycle_results_compute(user=hr, cycle=cycle)  # computing again keeps the calibration
    result.refresh_from_db()
    assert result.grade_shown == "C"


def test_a_reason_longer_than_the_historys_column_is_kept_whole(org_chart, cycle, published):
    """The history keeps a change's reason in 100 characters (schemathesis sent a longer one:
    a 500); the whole reason stands on the result and in the calibration's history."""
    manager_reviews(org_chart, cycle, {"east_c": (3, 2, 3)})
    hr = org_chart["hr"].user
    cycle_results_compute(user=hr, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart["east_c"])
    reason = "第二个月因病假无业务记录，其余月份均达标。" * 30  # 600 characters

    calibration_move(user=hr, result=result, grade="C", reason=reason)

    [move] = calibration_moves(result)
    assert move.reason == reason
    assert len(result.history.first().history_change_reason) == 100


@pytest.mark.parametrize(
    ("key", "grade", "reason", "field"),
    [
        ("east_manager", "C", "x", None),  # not scored: no grade to move
        ("east_a", "E", "x", "grade"),
        ("east_a", "A", "x", "grade"),  # already A
    ],
)
def test_a_calibration_that_cannot_be_is_refused(
    org_chart, cycle, published, key, grade, reason, field
):
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart[key])
    with pytest.raises(ReviewRefused) as refused:
        calibration_move(user=org_chart["hr"].user, result=result, grade=grade, reason=reason)
    assert refused.value.field == field


@pytest.mark.parametrize("key", ["east_a", "east_b", "south_manager", "south_a"])
def test_only_hr_and_the_persons_managers_calibrate(org_chart, cycle, published, key):
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart["east_a"])
    with pytest.raises(ReviewForbidden):
        calibration_move(user=org_chart[key].user, result=result, grade="S", reason="x")
    calibration_move(user=org_chart["east_manager"].user, result=result, grade="S", reason="大单")
    result.refresh_from_db()
    assert result.grade_shown == "S"


def test_the_person_acknowledges_their_result_once_the_cycle_is_closed(org_chart, cycle, published):
    hr = org_chart["hr"].user
    cycle_results_compute(user=hr, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart["east_a"])
    with pytest.raises(ReviewRefused):  # not closed yet
        result_acknowledge(user=org_chart["east_a"].user, result=result)
    cycle_close(user=hr, cycle=cycle)
    with pytest.raises(ReviewRefused):  # somebody else
        result_acknowledge(user=org_chart["east_b"].user, result=result)
    result_acknowledge(user=org_chart["east_a"].user, result=result, comment="认可，谢谢。")
    result.refresh_from_db()
    assert result.acknowledged_at is not None and result.employee_comment == "认可，谢谢。"
    with pytest.raises(ReviewRefused):
        result_acknowledge(user=org_chart["east_a"].user, result=result)


def test_a_review_after_its_deadline_is_refused(org_chart, cycle):
    with time_machine.travel(at(THIS_MONTH, 25), tick=True):
        with translation.override("en"), pytest.raises(ReviewRefused, match="due on") as refused:
            review_submit(
                user=org_chart["east_a"].user,
                cycle=cycle,
                employee=org_chart["east_a"],
                kind=ReviewKind.SELF,
                ratings=rated(4, 4, 4),
            )
        assert f"{cycle.self_review_due:%Y-%m-%d}" in str(refused.value)
        # Manager reviews are due later: still accepted.
        manager_reviews(org_chart, cycle, {"east_a": (4, 4, 4)})


@pytest.mark.parametrize(
    ("hour", "minute", "accepted"),
    [
        # Self-reviews are due on the 24th, company time (Shanghai, UTC+8): 23:59 on the 24th is
        # 15:59 UTC, still in time; 00:01 on the 25th is 16:01 UTC on the 24th, already late.
        (23, 59, True),
        (24, 1, False),
    ],
)
def test_the_deadline_is_a_day_of_the_company_calendar(org_chart, cycle, hour, minute, accepted):
    instant = at(THIS_MONTH, 24) + dt.timedelta(hours=hour - 10, minutes=minute)
    assert instant.astimezone(dt.UTC).day == 24
    submit = partial(
        review_submit,
        user=org_chart["east_a"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.SELF,
        ratings=rated(4, 4, 4),
    )
    with time_machine.travel(instant, tick=False):
        if accepted:
            assert submit().state == ReviewState.SUBMITTED
        else:
            with translation.override("en"), pytest.raises(ReviewRefused, match="were due on"):
                submit()


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "缺少：团队协作、责任心。"), ("en", "missing: Teamwork, Responsibility.")],
)
def test_a_review_missing_ratings_names_them_in_the_readers_language(
    org_chart, cycle, language, message
):
    with translation.override(language), pytest.raises(ReviewRefused) as refused:
        review_submit(
            user=org_chart["east_a"].user,
            cycle=cycle,
            employee=org_chart["east_a"],
            kind=ReviewKind.SELF,
            ratings={"communication": 4},
        )
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"communication": 4, "teamwork": 4}, "missing: Responsibility"),
        ({**rated(4, 4, 4), "honesty": 5, "candour": 1}, "this review: candour, honesty."),
        (rated(4, 6, 4), "1 to 5"),
        (rated(4, 0, 4), "1 to 5"),
        ({**rated(4, 4, 4), "teamwork": "5"}, "1 to 5"),
    ],
)
def test_ratings_are_validated(org_chart, cycle, ratings, message):
    with translation.override("en"), pytest.raises(ReviewRefused, match=message) as refused:
        review_submit(
            user=org_chart["east_a"].user,
            cycle=cycle,
            employee=org_chart["east_a"],
            kind=ReviewKind.SELF,
            ratings=ratings,
        )
    assert refused.value.field == "ratings"


@pytest.mark.parametrize(
    ("reviewer", "reviewed", "kind"),
    [
        ("east_b", "east_a", ReviewKind.SELF),  # someone else's self-review
        ("east_b", "east_a", ReviewKind.MANAGER),  # a merchandiser is no manager
        ("south_manager", "east_a", ReviewKind.MANAGER),  # another team's manager
        ("east_manager", "east_manager", ReviewKind.MANAGER),  # oneself
    ],
)
def test_only_the_person_and_their_managers_review_them(org_chart, cycle, reviewer, reviewed, kind):
    with pytest.raises(ReviewRefused):
        review_submit(
            user=org_chart[reviewer].user,
            cycle=cycle,
            employee=org_chart[reviewed],
            kind=kind,
            ratings=rated(4, 4, 4),
        )


def test_a_review_is_submitted_once_and_only_for_people_of_the_cycle(org_chart, cycle):
    manager_reviews(org_chart, cycle, {"east_a": (4, 4, 4)})
    with translation.override("en"), pytest.raises(ReviewRefused, match="already"):
        manager_reviews(org_chart, cycle, {"east_a": (5, 5, 5)})
    outsider = EmployeeFactory(team=org_chart["teams"]["east"], hire_date=THIS_MONTH.start)
    with pytest.raises(ReviewRefused) as refused:
        review_submit(
            user=org_chart["east_manager"].user,
            cycle=cycle,
            employee=outsider,
            kind=ReviewKind.MANAGER,
            ratings=rated(4, 4, 4),
        )
    assert refused.value.field == "employee_id"


def test_managers_note_incidents_about_their_people_with_a_record(org_chart):
    order = OrderFactory(merchandiser=org_chart["east_a"])
    incident = incident_add(
        user=org_chart["east_manager"].user,
        employee=org_chart["east_a"],
        day=MONTHS[2].start.replace(day=12),
        note="客户投诉交期延误，主动协调工厂加急，两天内解决。",
        record_type="order",
        record_id=order.pk,
    )
    assert incident.history.get().history_user == org_chart["east_manager"].user


@pytest.mark.parametrize(
    ("user", "fields", "field"),
    [
        ("south_manager", {}, None),  # not their person
        ("east_a", {}, None),  # a merchandiser notes nothing
        ("east_manager", {"note": " "}, "note"),
        ("east_manager", {"day": THIS_MONTH.start.replace(day=19)}, "day"),  # tomorrow
        ("east_manager", {"record_type": "letter", "record_id": 1}, "record_type"),
        ("east_manager", {"record_type": "order", "record_id": 999999}, "record_id"),
        ("east_manager", {"record_type": "order"}, "record_id"),
    ],
)
def test_an_incident_that_cannot_be_is_refused(org_chart, user, fields, field):
    values = {"day": MONTHS[2].start.replace(day=12), "note": "交期延误", **fields}
    with pytest.raises(ReviewRefused) as refused:
        incident_add(user=org_chart[user].user, employee=org_chart["east_a"], **values)
    assert refused.value.field == field
