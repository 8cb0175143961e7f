"""Plans through their services: an outcome from hand-worked published values, refusals that
name the field, check-ins, extensions and coaching notes."""

import datetime as dt

import pytest

from plans.errors import PlanForbidden, PlanRefused
from plans.models import CoachingNote, PlanOutcome, PlanState
from plans.selectors import plan_progress
from plans.services import (
    GoalInput,
    check_in_add,
    check_in_reply,
    coaching_note_add,
    plan_close,
    plan_extend,
)
from tests.clock import THIS_MONTH, months_ago
from tests.plans.factories import indicator, plan_for, published_values

pytestmark = pytest.mark.django_db

START, END = months_ago(3).start, months_ago(1).last_day
FCR, RESPONSE = "first_contact_resolution", "order_response_time"


def publish(org_chart, fcr, response):
    """王芳's first-contact resolution (%) and response time (hours) in the plan's months, and
    the month before it (which flagged her and is no month of the plan)."""
    published_values(org_chart["east_a"], {months_ago(4): {FCR: 10.0, RESPONSE: 90.0}})
    published_values(
        org_chart["east_a"],
        {
            period: {FCR: f, RESPONSE: r}
            for period, f, r in zip(
                [months_ago(3), months_ago(2), months_ago(1)], fcr, response, strict=True
            )
        },
    )


@pytest.mark.parametrize(
    ("fcr", "response", "outcome", "averages"),
    [
        # (65 + 72 + 76) / 3 = 71.0% ≥ 70%; (5 + 3 + 4) / 3 = 4.0 h ≤ 4 h.
        ((65, 72, 76), (5, 3, 4), PlanOutcome.MET, ["71.0%", "4.0 小时"]),
        # (60 + 70 + 74) / 3 = 68.0% < 70%.
        ((60, 70, 74), (3, 3, 3), PlanOutcome.NOT_MET, ["68.0%", "3.0 小时"]),
        # Response time never measured in the plan's months: not measured, not 0 h (met).
        ((80, 80, 80), (None, None, None), PlanOutcome.NOT_MEASURED, ["80.0%", "—"]),
    ],
)
def test_closing_judges_the_goals_on_the_plan_months_published_values(
    org_chart, fcr, response, outcome, averages, django_assert_num_queries
):
    publish(org_chart, fcr, response)
    plan = plan_for(org_chart, start=START, end=END)
    with django_assert_num_queries(2):  # the goals, and every value of the plan in one query
        progress = plan_progress(plan)
    assert [goal.average_text for goal in progress.goals] == averages
    assert progress.months == [months_ago(3).label, months_ago(2).label, months_ago(1).label]
    closed = plan_close(user=org_chart["hr"].user, plan=plan)
    closed.refresh_from_db()
    assert (closed.state, closed.outcome) == (PlanState.CLOSED, outcome)


def test_a_plan_runs_90_days_by_default_from_the_flagged_result(org_chart):
    [score] = published_values(org_chart["east_a"], {months_ago(1): {FCR: 55.0}}, flagged=True)
    plan = plan_for(org_chart, start=THIS_MONTH.start, source_score=score)
    assert plan.end == THIS_MONTH.start + dt.timedelta(days=89)
    assert plan.flagged_period == months_ago(1).start
    assert [goal.direction for goal in plan.goals.all()] == ["higher", "lower"]
    assert plan.history.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": START - dt.timedelta(days=1)}, "end"),
        ({"end": START}, "end"),
        ({"goals": [GoalInput(indicator=None, target="七十")]}, "goals[0].target"),
        ({"goals": [GoalInput(indicator=None, target=float("nan"))]}, "goals[0].target"),
        ({"goals": [GoalInput(indicator=None, target=True)]}, "goals[0].target"),
        ({"goals": [GoalInput(indicator=None, target=70)] * 2}, "goals[1].indicator"),
        ({"mentor": "east_a"}, "mentor"),
        ({"workload_note": "x" * 4001}, "workload_note"),
    ],
)
def test_bad_input_is_refused_naming_the_field(org_chart, change, field):
    if "goals" in change:
        change["goals"] = [
            GoalInput(indicator=indicator(FCR), target=goal.target) for goal in change["goals"]
        ]
    if "mentor" in change:
        change["mentor"] = org_chart[change["mentor"]]
    with pytest.raises(PlanRefused) as refused:
        plan_for(org_chart, start=START, **change)
    assert refused.value.field == field


def test_a_second_active_plan_and_a_result_of_someone_else_are_refused(org_chart):
    [other] = published_values(org_chart["east_b"], {months_ago(1): {FCR: 50.0}}, flagged=True)
    with pytest.raises(PlanRefused) as refused:
        plan_for(org_chart, start=START, source_score=other)
    assert refused.value.field == "score"
    plan_for(org_chart, start=START)
    with pytest.raises(PlanRefused) as refused:
        plan_for(org_chart, start=START)
    assert refused.value.field == "employee_id"


@pytest.mark.parametrize("who", ["east_a", "east_b", "south_manager", "south_a", "admin"])
def test_only_managers_and_hr_start_a_plan(org_chart, who):
    user = org_chart[who] if who == "admin" else org_chart[who].user
    with pytest.raises(PlanForbidden):
        plan_for(org_chart, start=START, user=user)


def test_mentor_checks_in_the_person_replies_the_manager_extends(org_chart):
    plan = plan_for(org_chart, start=START)
    mentor, person = org_chart["east_b"].user, org_chart["east_a"].user
    check_in = check_in_add(user=mentor, plan=plan, day=THIS_MONTH.start, note="本周回访三家客户")
    with pytest.raises(PlanForbidden):
        check_in_add(user=person, plan=plan, day=THIS_MONTH.start, note="我自己写")
    with pytest.raises(PlanRefused) as refused:
        check_in_add(user=mentor, plan=plan, day=THIS_MONTH.start, note="  ")
    assert refused.value.field == "note"
    with pytest.raises(PlanRefused) as refused:
        check_in_add(user=mentor, plan=plan, day=THIS_MONTH.last_day + dt.timedelta(1), note="x")
    assert refused.value.field == "day"
    with pytest.raises(PlanForbidden):
        check_in_reply(user=mentor, check_in=check_in, reply="代答")
    check_in_reply(user=person, check_in=check_in, reply="已完成两家")
    assert check_in.history.count() == 2

    manager = org_chart["east_manager"].user
    with pytest.raises(PlanForbidden):
        plan_extend(user=mentor, plan=plan, new_end=plan.end + dt.timedelta(30), reason="x")
    with pytest.raises(PlanRefused) as refused:
        plan_extend(user=manager, plan=plan, new_end=plan.end, reason="再观察")
    assert refused.value.field == "new_end"
    with pytest.raises(PlanRefused) as refused:
        plan_extend(user=manager, plan=plan, new_end=plan.end + dt.timedelta(30), reason="")
    assert refused.value.field == "reason"
    new_end = plan.end + dt.timedelta(30)
    plan_extend(user=manager, plan=plan, new_end=new_end, reason="首次解决率接近目标，再观察一个月")
    plan.refresh_from_db()
    assert (plan.end, plan.outcome, plan.state) == (new_end, PlanOutcome.EXTENDED, "active")
    plan_close(user=manager, plan=plan)
    with pytest.raises(PlanRefused) as refused:
        check_in_add(user=mentor, plan=plan, day=THIS_MONTH.start, note="关闭后")
    assert refused.value.field == "plan"


def test_coaching_notes_are_written_by_the_person_managers_and_hr(org_chart):
    person = org_chart["east_a"]
    for who in ["east_manager", "hr"]:
        coaching_note_add(user=org_chart[who].user, employee=person, day=START, note="一对一")
    for who in ["east_a", "east_b", "south_manager"]:
        with pytest.raises(PlanForbidden):
            coaching_note_add(user=org_chart[who].user, employee=person, day=START, note="x")
    assert CoachingNote.objects.filter(employee=person).count() == 2
