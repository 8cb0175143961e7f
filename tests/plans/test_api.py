"""The plans API for every role: who sees which plan and note, who may act, and bad input
answered with a 400 naming the field."""

import datetime as dt

import pytest

from plans.models import CheckIn, CoachingNote, ImprovementPlan, PlanOutcome
from plans.services import plan_close
from tests.clock import THIS_MONTH, months_ago
from tests.plans.conftest import ROLES
from tests.plans.factories import published_values

pytestmark = pytest.mark.django_db

SEES_PLAN = {"east_a", "east_b", "east_manager", "hr"}
SEES_NOTES = {"east_a", "east_manager", "hr"}


def expected(role, allowed: int, *, visible=SEES_PLAN, forbidden=(), unseen: int = 404) -> int:
    """``unseen``: the answer when the user may not see the person (404 for a plan in the
    address; 400 naming ``employee_id`` for a person in the query or body)."""
    if role is None:
        return 403
    if role in visible - set(forbidden):
        return allowed
    return 403 if role in forbidden else unseen


@pytest.mark.parametrize("role", ROLES)
def test_the_list_holds_only_the_plans_one_may_see(plan, sign_in, role):
    answer = sign_in(role).get("/api/v1/plans/")
    if role is None:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()] == ([plan.pk] if role in SEES_PLAN else [])


@pytest.mark.parametrize("role", ROLES)
def test_a_plan_is_read_by_the_person_mentor_managers_and_hr_only(plan, sign_in, role):
    answer = sign_in(role).get(f"/api/v1/plans/{plan.pk}/")
    assert answer.status_code == expected(role, 200)
    if answer.status_code == 200:
        body = answer.json()
        assert body["mentor_name"] == "李强"
        assert [goal["indicator"] for goal in body["goals"]] == [
            "first_contact_resolution",
            "order_response_time",
        ]
        assert body["verdict"] == "not_measured"
        # The mentor wrote it: named as the person 李强, not by the login.
        assert [(c["note"], c["author_name"]) for c in body["check_ins"]] == [
            ("回访三家客户", "李强")
        ]


@pytest.mark.parametrize("role", ROLES)
def test_managers_and_hr_start_a_plan_from_a_flagged_month(org_chart, sign_in, role):
    published_values(
        org_chart["east_a"], {months_ago(1): {"first_contact_resolution": 55.0}}, flagged=True
    )
    payload = {
        "employee_id": org_chart["east_a"].pk,
        "mentor_id": org_chart["east_b"].pk,
        "start": THIS_MONTH.start.isoformat(),
        "flagged_period": months_ago(1).label,
        "goals": [{"indicator": "first_contact_resolution", "target": 70}],
    }
    answer = sign_in(role).post("/api/v1/plans/", payload, content_type="application/json")
    # The person (herself) and an admin (whose scope holds her) are refused; others cannot see
    # her at all (the person named in the body is the wrong field).
    assert answer.status_code == expected(
        role,
        201,
        visible={"east_manager", "hr", "east_a", "admin"},
        forbidden={"east_a", "admin"},
        unseen=400,
    )
    if answer.status_code == 201:
        plan = ImprovementPlan.objects.get()
        assert plan.end == THIS_MONTH.start + dt.timedelta(days=89)
        assert plan.flagged_period == months_ago(1).start
        assert answer.json()["goals"][0]["target"] == "70.0%"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2000-01-01"}, "end"),
        (
            {"goals": [{"indicator": "first_contact_resolution", "target": "七十"}]},
            "goals[0].target",
        ),
        ({"goals": [{"indicator": "no_such_indicator", "target": 70}]}, "goals[0].indicator"),
        # NUL: PostgreSQL cannot compare it with a code (a server error before).
        ({"goals": [{"indicator": "csat\u0000", "target": 70}]}, "goals[0].indicator"),
        # 90 days from it is past the last date there is.
        ({"start": "9999-12-01"}, "start"),
        ({"end": "9999-12-31"}, "end"),
        ({"mentor_id": "south_a"}, "mentor_id"),  # outside the manager's teams
        ({"goals": []}, "goals"),
        ({"mentor_id": "east_a"}, "mentor_id"),
        ({"mentor_id": 2**63}, "mentor_id"),
        ({"start": "18/07/2026"}, "start"),
        ({"flagged_period": "2026-13"}, "flagged_period"),
        ({"flagged_period": months_ago(2).label}, "flagged_period"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(org_chart, sign_in, change, field):
    payload = {
        "employee_id": org_chart["east_a"].pk,
        "mentor_id": org_chart["east_b"].pk,
        "start": THIS_MONTH.start.isoformat(),
        "goals": [{"indicator": "first_contact_resolution", "target": 70}],
        **change,
    }
    if payload["mentor_id"] in ("east_a", "south_a"):
        payload["mentor_id"] = org_chart[payload["mentor_id"]].pk
    answer = sign_in("east_manager").post(
        "/api/v1/plans/", payload, content_type="application/json"
    )
    assert answer.status_code == 400
    assert field in answer.json()
    assert "code" not in str(answer.json())  # no model field's name, only the caller's words
    assert not ImprovementPlan.objects.exists()


def test_a_body_that_is_no_object_is_a_400(sign_in):
    answer = sign_in("hr").post("/api/v1/plans/", [1, 2], content_type="application/json")
    assert answer.status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_the_mentor_managers_and_hr_check_in(plan, sign_in, role):
    answer = sign_in(role).post(
        f"/api/v1/plans/{plan.pk}/check-ins/",
        {"day": THIS_MONTH.start.isoformat(), "note": "进展良好"},
        content_type="application/json",
    )
    assert answer.status_code == expected(role, 201, forbidden={"east_a"})


@pytest.mark.parametrize("role", ROLES)
def test_only_the_person_replies(plan, sign_in, role):
    check_in = CheckIn.objects.get()
    answer = sign_in(role).post(
        f"/api/v1/plans/{plan.pk}/check-ins/{check_in.pk}/reply/",
        {"reply": "已完成"},
        content_type="application/json",
    )
    assert answer.status_code == expected(role, 200, forbidden={"east_b", "east_manager", "hr"})


def test_no_reply_once_the_plan_is_closed(plan, org_chart, sign_in):
    plan_close(user=org_chart["east_manager"].user, plan=plan)
    check_in = CheckIn.objects.get()
    answer = sign_in("east_a").post(
        f"/api/v1/plans/{plan.pk}/check-ins/{check_in.pk}/reply/",
        {"reply": "改一下"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "plan" in answer.json()
    assert CheckIn.objects.get().reply == ""


def test_a_merchandiser_learns_nothing_of_who_is_employed_from_a_plan(org_chart, sign_in):
    """Refused as not allowed before any mentor is looked up: the answer is the same for a
    real colleague and an id that is nobody."""
    for mentor in (org_chart["south_a"].pk, 2**40):
        payload = {
            "employee_id": org_chart["east_a"].pk,
            "mentor_id": mentor,
            "start": THIS_MONTH.start.isoformat(),
            "goals": [{"indicator": "first_contact_resolution", "target": 70}],
        }
        answer = sign_in("east_a").post("/api/v1/plans/", payload, content_type="application/json")
        assert answer.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_managers_and_hr_extend(plan, sign_in, role):
    answer = sign_in(role).post(
        f"/api/v1/plans/{plan.pk}/extend/",
        {"new_end": (plan.end + dt.timedelta(days=30)).isoformat(), "reason": "再观察一个月"},
        content_type="application/json",
    )
    assert answer.status_code == expected(role, 200, forbidden={"east_a", "east_b"})
    if answer.status_code == 200:
        assert answer.json()["outcome"] == PlanOutcome.EXTENDED


@pytest.mark.parametrize("role", ROLES)
def test_managers_and_hr_close_with_the_judged_outcome(plan, sign_in, role):
    published_values(
        plan.employee,
        {
            months_ago(3): {"first_contact_resolution": 72.0, "order_response_time": 3.0},
            months_ago(1): {"first_contact_resolution": 70.0, "order_response_time": 5.0},
        },
    )  # averages 71.0% ≥ 70% and 4.0 h ≤ 4 h: met
    answer = sign_in(role).post(f"/api/v1/plans/{plan.pk}/close/")
    assert answer.status_code == expected(role, 200, forbidden={"east_a", "east_b"})
    if answer.status_code == 200:
        assert (answer.json()["state"], answer.json()["outcome"]) == ("closed", "met")


@pytest.mark.parametrize("role", ROLES)
def test_coaching_notes_are_read_by_the_person_managers_and_hr_only(plan, org_chart, sign_in, role):
    answer = sign_in(role).get(f"/api/v1/coaching-notes/?employee_id={org_chart['east_a'].pk}")
    assert answer.status_code == expected(role, 200, visible=SEES_NOTES, unseen=400)
    if answer.status_code == 200:
        # The author by their employee name, as every page names people; not their login.
        assert [(note["note"], note["author_name"]) for note in answer.json()] == [
            ("一对一：首次解决率的改进", org_chart["east_manager"].name)
        ]


@pytest.mark.parametrize("role", ROLES)
def test_coaching_notes_are_written_by_managers_and_hr(org_chart, sign_in, role):
    answer = sign_in(role).post(
        "/api/v1/coaching-notes/",
        {"employee_id": org_chart["east_a"].pk, "day": THIS_MONTH.start.isoformat(), "note": "1:1"},
        content_type="application/json",
    )
    assert answer.status_code == expected(
        role,
        201,
        visible={"east_manager", "hr", "east_a", "admin"},
        forbidden={"east_a", "admin"},
        unseen=400,
    )
    assert CoachingNote.objects.count() == (1 if answer.status_code == 201 else 0)


def test_a_merchandiser_never_reads_another_ones_plan_or_notes(plan, org_chart, sign_in):
    client = sign_in("south_a")
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    assert client.get("/api/v1/plans/").json() == []
    notes = client.get(f"/api/v1/coaching-notes/?employee_id={org_chart['east_a'].pk}")
    assert notes.status_code == 400
    assert "employee_id" in notes.json()
