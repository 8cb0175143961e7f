"""The review API, scoped per role: every endpoint × merchandiser, manager, HR, admin and an
anonymous caller; bad input answers 400 naming the field."""

import pytest
from django.test import Client

from reviews.models import CycleResult, Review, ReviewKind
from reviews.services import (
    cycle_close,
    cycle_results_compute,
    review_draft_save,
    review_submit,
)
from tests.reviews.conftest import MONTHS, rated

pytestmark = pytest.mark.django_db

API = "/api/v1/reviews"
ROLES = ["merchandiser", "manager", "hr", "admin", "anonymous"]
# The org chart's person of each role (王芳 is the merchandiser, 陈主管 her manager).
KEYS = {"merchandiser": "east_a", "manager": "east_manager", "hr": "hr", "admin": "admin"}


@pytest.fixture
def call(client, org_chart):
    def as_role(role: str) -> Client:
        if role != "anonymous":
            person = org_chart[KEYS[role]]
            client.force_login(person if role == "admin" else person.user)
        return client

    return as_role


def _post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def _computed(org_chart, cycle):
    review_submit(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.MANAGER,
        ratings=rated(4, 5, 3),
    )
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    return CycleResult.objects.get(cycle=cycle, employee=org_chart["east_a"])


def _ratings(*values: int) -> list[dict]:
    return [{"competency": code, "rating": value} for code, value in rated(*values).items()]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("merchandiser", 200), ("manager", 200), ("hr", 200), ("admin", 200), ("anonymous", 403)],
)
def test_cycles_list_and_detail(call, cycle, role, expected):
    listed = call(role).get(f"{API}/cycles/")
    detail = call(role).get(f"{API}/cycles/{cycle.pk}/")
    assert (listed.status_code, detail.status_code) == (expected, expected)
    if expected == 200:
        assert [found["name"] for found in listed.json()] == ["2026 第三季度考核"]
        [template] = detail.json()["templates"]
        teamwork = template["competencies"][1]
        assert (teamwork["code"], teamwork["name_en"], teamwork["weight"]) == (
            "teamwork",
            "Teamwork",
            0.3,
        )
        assert [anchor["rating"] for anchor in teamwork["anchors"]] == [1, 2, 3, 4, 5]


def test_a_cycle_of_other_teams_does_not_exist_for_their_people(client, org_chart, cycle):
    client.force_login(org_chart["south_a"].user)
    assert client.get(f"{API}/cycles/").json() == []
    assert client.get(f"{API}/cycles/{cycle.pk}/").status_code == 404
    assert client.get(f"{API}/cycles/{2**63 - 1}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        ("merchandiser", ReviewKind.SELF, 201),
        ("manager", ReviewKind.MANAGER, 201),
        ("hr", ReviewKind.MANAGER, 403),  # HR calibrates; managers review
        ("admin", ReviewKind.SELF, 403),  # not their self-review
        ("anonymous", ReviewKind.SELF, 403),
    ],
)
def test_submitting_a_review(call, org_chart, cycle, role, kind, expected):
    body = {"employee_id": org_chart["east_a"].pk, "kind": kind, "ratings": _ratings(4, 5, 3)}
    body["ratings"][0]["comment"] = "沟通及时"
    answer = _post(call(role), f"{API}/cycles/{cycle.pk}/reviews/", body)
    assert answer.status_code == expected
    if expected == 201:
        ratings = answer.json()["ratings"]
        assert [(r["competency"], r["rating"]) for r in ratings] == list(rated(4, 5, 3).items())
        assert Review.objects.get().ratings.get(competency__code="communication").comment == (
            "沟通及时"
        )


def test_a_merchandiser_cannot_review_a_colleague_they_cannot_see(call, org_chart, cycle):
    body = {"employee_id": org_chart["east_b"].pk, "kind": "self", "ratings": _ratings(4, 4, 4)}
    answer = _post(call("merchandiser"), f"{API}/cycles/{cycle.pk}/reviews/", body)
    # The person is named in the body: the field is wrong (not the address), as for incidents.
    assert answer.status_code == 400 and "employee_id" in answer.json()
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ratings": [{"competency": "teamwork", "rating": 6}]}, "ratings[0].rating"),
        ({"ratings": []}, "ratings"),
        ({"ratings": _ratings(4, 4, 4)[:2]}, "ratings"),  # one competency not rated
        ({"ratings": [*_ratings(4, 4, 4), {"competency": "teamwork", "rating": 3}]}, "ratings"),
        ({"kind": "peer"}, "kind"),
        ({"employee_id": 0}, "employee_id"),
        ({"comment": "长" * 2001}, "comment"),
    ],
)
def test_a_bad_review_is_a_400_naming_the_field(call, org_chart, cycle, change, field):
    body = {"employee_id": org_chart["east_a"].pk, "kind": "self", "ratings": _ratings(4, 4, 4)}
    answer = _post(call("merchandiser"), f"{API}/cycles/{cycle.pk}/reviews/", {**body, **change})
    assert answer.status_code == 400
    assert field in answer.json()


@pytest.mark.parametrize("role", ROLES)
def test_my_reviews(call, org_chart, cycle, role):
    _computed(org_chart, cycle)  # 陈主管 reviewed 王芳; the cycle is calibrating, not closed
    answer = call(role).get(f"{API}/mine/")
    if role == "anonymous":
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    # The manager sees the review they wrote; 王芳 not yet (the cycle is not closed); HR and the
    # admin wrote none and are reviewed by nobody.
    expected = {"manager": ["王芳"]}.get(role, [])
    assert [review["employee_name"] for review in answer.json()] == expected


@pytest.mark.parametrize(
    ("role", "listed", "noted"),
    [
        ("merchandiser", 200, 403),
        ("manager", 200, 201),
        ("hr", 200, 201),
        ("admin", 200, 201),
        ("anonymous", 403, 403),
    ],
)
def test_incidents(call, org_chart, role, listed, noted):
    body = {"employee_id": org_chart["east_a"].pk, "day": str(MONTHS[2].start), "note": "交期延误"}
    assert _post(call(role), f"{API}/incidents/", body).status_code == noted
    answer = call(role).get(f"{API}/incidents/", {"employee_id": org_chart["east_a"].pk})
    assert answer.status_code == listed


@pytest.mark.parametrize("employee_id", ["south_a", 2**62])
def test_an_incident_about_someone_a_manager_may_not_see_is_a_400_naming_the_person(
    call, org_chart, employee_id
):
    person = org_chart[employee_id].pk if isinstance(employee_id, str) else employee_id
    body = {"employee_id": person, "day": str(MONTHS[2].start), "note": "交期延误"}
    answer = _post(call("manager"), f"{API}/incidents/", body)
    assert answer.status_code == 400
    assert list(answer.json()) == ["employee_id"]


def test_a_person_reads_the_incidents_noted_about_them_and_nobody_elses(call, org_chart):
    for key in ("east_a", "east_b"):
        body = {"employee_id": org_chart[key].pk, "day": str(MONTHS[2].start), "note": "交期延误"}
        assert _post(call("manager"), f"{API}/incidents/", body).status_code == 201
    notes = call("merchandiser").get(f"{API}/incidents/").json()
    assert [note["employee_name"] for note in notes] == ["王芳"]
    assert notes[0]["record_type"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": ""}, "note"),
        ({"day": "2026-13-01"}, "day"),
        ({"record_type": "letter", "record_id": 1}, "record_type"),
        ({"record_type": "order", "record_id": 2**62}, "record_id"),
    ],
)
def test_a_bad_incident_is_a_400_naming_the_field(call, org_chart, body, field):
    given = {"employee_id": org_chart["east_a"].pk, "day": str(MONTHS[2].start), "note": "交期延误"}
    answer = _post(call("manager"), f"{API}/incidents/", {**given, **body})
    assert answer.status_code == 400
    assert field in answer.json()


@pytest.mark.parametrize(
    ("role", "computes", "results", "detail"),
    [
        ("merchandiser", 403, [], 404),  # her own result shows once the cycle is closed
        ("manager", 403, ["王芳", "李强", "张伟"], 200),  # their people, not themselves
        ("hr", 200, ["陈主管", "王芳", "李强", "张伟"], 200),
        ("admin", 200, ["陈主管", "王芳", "李强", "张伟"], 200),
        ("anonymous", 403, None, 403),
    ],
)
def test_results_while_calibrating(
    call, org_chart, cycle, published, role, computes, results, detail
):
    result = _computed(org_chart, cycle)
    assert _post(call(role), f"{API}/cycles/{cycle.pk}/compute/", {}).status_code == computes
    listed = call(role).get(f"{API}/cycles/{cycle.pk}/results/")
    if results is None:
        assert listed.status_code == 403
    else:
        names = [row["employee_name"] for row in listed.json()]
        assert sorted(names) == sorted(results)
    assert call(role).get(f"{API}/results/{result.pk}/").status_code == detail


@pytest.mark.parametrize(
    ("role", "expected"),
    # The merchandiser sees no result while calibrating (hers included); her manager moves it.
    [("merchandiser", 404), ("manager", 200), ("hr", 200), ("admin", 200), ("anonymous", 403)],
)
def test_calibration(call, org_chart, cycle, published, role, expected):
    result = _computed(org_chart, cycle)  # 82 → A
    body = {"grade": "S", "reason": "本季度承接两个重点客户，超额完成"}
    answer = _post(call(role), f"{API}/results/{result.pk}/calibrate/", body)
    assert answer.status_code == expected
    if expected == 200:
        moved = answer.json()
        assert (moved["grade"], moved["calibrated_grade"], moved["grade_shown"]) == ("A", "S", "S")
        assert moved["kpi_part"] == 85.0 and moved["final"] == 82.0
        [calibration] = moved["calibrations"]
        assert (calibration["before"], calibration["after"]) == ("A", "S")
        assert calibration["reason"] == body["reason"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grade": "S", "reason": ""}, "reason"),
        ({"grade": "S"}, "reason"),
        ({"grade": "E", "reason": "x"}, "grade"),
        ({"grade": "A", "reason": "x"}, "grade"),  # already A
    ],
)
def test_a_bad_calibration_is_a_400_naming_the_field(
    call, org_chart, cycle, published, body, field
):
    result = _computed(org_chart, cycle)
    answer = _post(call("hr"), f"{API}/results/{result.pk}/calibrate/", body)
    assert answer.status_code == 400
    assert field in answer.json()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("merchandiser", 200), ("manager", 403), ("hr", 403), ("admin", 403), ("anonymous", 403)],
)
def test_acknowledging(call, org_chart, cycle, published, role, expected):
    result = _computed(org_chart, cycle)
    cycle_close(user=org_chart["hr"].user, cycle=cycle)
    answer = _post(call(role), f"{API}/results/{result.pk}/acknowledge/", {"comment": "认可"})
    assert answer.status_code == expected
    if expected == 200:
        assert answer.json()["employee_comment"] == "认可"
        assert answer.json()["acknowledged_at"] is not None


def test_a_merchandiser_sees_her_result_and_her_manager_review_once_closed(
    call, org_chart, cycle, published
):
    result = _computed(org_chart, cycle)
    cycle_close(user=org_chart["hr"].user, cycle=cycle)
    client = call("merchandiser")
    [own] = client.get(f"{API}/cycles/{cycle.pk}/results/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (own["id"], own["final"], own["grade_shown"]) == (result.pk, 82.0, "A")
    assert own["basis_text"] == "KPI and manager review"
    [review] = client.get(f"{API}/mine/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert review["kind"] == "manager"


def test_a_manager_review_left_a_draft_stays_the_managers_once_closed(call, org_chart, cycle):
    """It never counted: the person does not read it, not even after the cycle closes."""
    review_draft_save(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=org_chart["east_b"],
        kind=ReviewKind.MANAGER,
        ratings={"communication": 1},
        comments={"communication": "草稿：还没想好"},
    )
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    cycle_close(user=org_chart["hr"].user, cycle=cycle)
    client = call("manager")
    assert [r["state"] for r in client.get(f"{API}/mine/").json()] == ["draft"]
    client.force_login(org_chart["east_b"].user)
    assert client.get(f"{API}/mine/").json() == []


def test_a_not_scored_result_has_no_grade_not_a_d(call, org_chart, cycle, published):
    _computed(org_chart, cycle)
    rows = call("hr").get(f"{API}/cycles/{cycle.pk}/results/", HTTP_ACCEPT_LANGUAGE="en").json()
    [manager] = [row for row in rows if row["employee_name"] == "陈主管"]
    assert (manager["final"], manager["grade"], manager["grade_shown"]) == (None, None, None)
    assert manager["basis_text"] == "Not scored: no published KPI score and no manager review"
