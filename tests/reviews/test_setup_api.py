"""The set-up API: HR creates a draft cycle with its templates in one call and opens it; every
role × endpoint; bad input is a 400 naming the field down to the index."""

import copy
import datetime as dt

import pytest
from django.test import Client

from org.models import Level
from reviews.defaults import default_competencies
from reviews.models import Anchor, CycleState, Review, ReviewCycle, ReviewKind, ReviewState
from tests.clock import THIS_MONTH
from tests.reviews.conftest import MONTHS, rated

pytestmark = pytest.mark.django_db

API = "/api/v1/reviews"
KEYS = {"merchandiser": "east_a", "manager": "east_manager", "hr": "hr", "admin": "admin"}


@pytest.fixture
def call(client, org_chart):
    def as_role(role: str) -> Client:
        if role != "anonymous":
            person = org_chart[KEYS[role]]
            client.force_login(person if role == "admin" else person.user)
        return client

    return as_role


def _competencies() -> list[dict]:
    return [
        {
            "code": spec.code,
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "weight": spec.weight,
            "anchors": [
                {"rating": rating, "text_zh": zh, "text_en": en}
                for rating, (zh, en) in enumerate(spec.anchors, start=1)
            ],
        }
        for spec in default_competencies()
    ]


def _body(org_chart, **changes) -> dict:
    return {
        "name": "2026 第三季度考核",
        "kind": "quarter",
        "first_period": f"{MONTHS[0].start:%Y-%m-%d}",
        "self_review_due": f"{THIS_MONTH.start.replace(day=24):%Y-%m-%d}",
        "manager_review_due": f"{THIS_MONTH.start.replace(day=28):%Y-%m-%d}",
        "teams": [org_chart["teams"]["east"].pk],
        "templates": [
            {"level": Level.INTERMEDIATE, "competencies": _competencies()},
            {"level": Level.SENIOR, "self_review_weight": 0.2, "competencies": _competencies()},
        ],
        **changes,
    }


def _post(client: Client, url: str, body: dict | None = None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("merchandiser", 403), ("manager", 403), ("hr", 201), ("admin", 201), ("anonymous", 403)],
)
def test_creating_a_cycle(call, org_chart, role, expected):
    answer = _post(call(role), f"{API}/cycles/", _body(org_chart))
    assert answer.status_code == expected, answer.content
    if expected != 201:
        assert not ReviewCycle.objects.exists()
        return
    created = answer.json()
    assert (created["state"], created["kpi_weight"], created["teams"]) == (
        CycleState.DRAFT,
        0.7,
        ["华东跟单一组"],
    )
    assert created["last_period"] == f"{MONTHS[2].start:%Y-%m-%d}"
    senior = created["templates"][1]
    assert (senior["level"], senior["self_review_weight"]) == ("senior", 0.2)
    names = [competency["name_zh"] for competency in senior["competencies"]]
    assert names == ["沟通", "团队协作", "责任心", "服务态度"]
    assert Anchor.objects.count() == 2 * 4 * 5


@pytest.mark.parametrize(
    ("role", "expected"),
    [("merchandiser", 403), ("manager", 403), ("hr", 200), ("admin", 200), ("anonymous", 403)],
)
def test_opening_a_cycle(call, org_chart, role, expected):
    created = _post(call("hr"), f"{API}/cycles/", _body(org_chart)).json()
    call("hr").logout()
    answer = _post(call(role), f"{API}/cycles/{created['id']}/open/")
    assert answer.status_code == expected
    state = ReviewCycle.objects.get().state
    assert state == (CycleState.OPEN if expected == 200 else CycleState.DRAFT)
    if expected == 200:
        assert answer.json()["state"] == "open"
        again = _post(call(role), f"{API}/cycles/{created['id']}/open/")
        assert again.status_code == 400  # open already
        assert _post(call(role), f"{API}/cycles/{2**63 - 1}/open/").status_code == 404


def test_a_cycle_that_is_not_whole_is_not_opened_and_the_answer_says_why(call, org_chart):
    body = _body(org_chart, templates=_body(org_chart)["templates"][1:])  # no intermediate
    created = _post(call("hr"), f"{API}/cycles/", body).json()
    answer = _post(call("hr"), f"{API}/cycles/{created['id']}/open/")
    assert answer.status_code == 400
    assert list(answer.json()) == ["templates"]


def _without_rating(body: dict, template: int, competency: int, rating: int) -> dict:
    anchors = body["templates"][template]["competencies"][competency]["anchors"]
    anchors[:] = [anchor for anchor in anchors if anchor["rating"] != rating]
    return body


def _changed(body: dict, path: list, value) -> dict:
    body = copy.deepcopy(body)
    place = body
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: _changed(b, ["kpi_weight"], 1.5), "kpi_weight"),
        (lambda b: _changed(b, ["kpi_weight"], -0.1), "kpi_weight"),
        (lambda b: _changed(b, ["templates", 1, "kpi_weight"], 1.2), "templates[1].kpi_weight"),
        (lambda b: _changed(b, ["templates", 0, "kpi_weight"], "NaN"), "templates[0].kpi_weight"),
        (lambda b: _changed(b, ["templates", 1, "competencies"], []), "templates[1].competencies"),
        (lambda b: _without_rating(b, 0, 1, 3), "templates[0].competencies[1].anchors"),
        (
            lambda b: _changed(b, ["templates", 1, "competencies", 0, "anchors", 2, "text_zh"], ""),
            "templates[1].competencies[0].anchors[2].text_zh",
        ),
        (
            lambda b: _changed(b, ["templates", 0, "competencies", 3, "weight"], 0),
            "templates[0].competencies[3].weight",
        ),
        # Finite, but weight × rating would not be (the results could not be computed).
        (
            lambda b: _changed(b, ["templates", 0, "competencies", 3, "weight"], 1e307),
            "templates[0].competencies[3].weight",
        ),
        (
            lambda b: _changed(b, ["templates", 0, "competencies", 3, "code"], "服务"),
            "templates[0].competencies[3].code",
        ),
        (lambda b: _changed(b, ["templates", 1, "level"], "intermediate"), "templates[1].level"),
        (lambda b: _changed(b, ["templates", 0, "level"], "trainee"), "templates[0].level"),
        (lambda b: _changed(b, ["templates"], []), "templates"),
        (lambda b: _changed(b, ["first_period"], f"{MONTHS[0].start:%Y-%m}-15"), "first_period"),
        (lambda b: _changed(b, ["first_period"], "9999-12-01"), "first_period"),
        (lambda b: _changed(b, ["kind"], "decade"), "kind"),
        (
            lambda b: _changed(
                b, ["self_review_due"], f"{MONTHS[0].start - dt.timedelta(days=1):%Y-%m-%d}"
            ),
            "self_review_due",
        ),
        (
            lambda b: _changed(
                b, ["manager_review_due"], f"{MONTHS[0].start - dt.timedelta(days=1):%Y-%m-%d}"
            ),
            "manager_review_due",
        ),
        (lambda b: _changed(b, ["teams"], [2**62]), "teams"),
        (lambda b: _changed(b, ["name"], " "), "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(call, org_chart, change, field):
    answer = _post(call("hr"), f"{API}/cycles/", change(_body(org_chart)))
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == [field]
    assert not ReviewCycle.objects.exists()


def test_a_missing_rating_is_named(call, org_chart):
    body = _without_rating(_body(org_chart), 0, 1, 3)
    answer = _post(call("hr"), f"{API}/cycles/", body, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json() == {
        "templates[0].competencies[1].anchors": [
            "Describe each rating from 1 to 5 once; missing: 3."
        ]
    }


def test_the_open_endpoint_documents_its_refusal(call):
    schema = call("admin").get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reviews/cycles/{cycle_id}/open/"]["post"]
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    created = schema["paths"]["/api/v1/reviews/cycles/"]["post"]
    assert {"201", "400", "401", "403"} <= set(created["responses"])


def test_a_review_kept_as_a_draft_through_the_api(call, org_chart, cycle):
    body = {
        "employee_id": org_chart["east_a"].pk,
        "kind": ReviewKind.SELF,
        "ratings": [{"competency": "teamwork", "rating": 4, "comment": "带新人"}],
        "draft": True,
    }
    answer = _post(call("merchandiser"), f"{API}/cycles/{cycle.pk}/reviews/", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["state"] == ReviewState.DRAFT
    ratings = [{"competency": code, "rating": value} for code, value in rated(4, 4, 5).items()]
    body |= {"draft": False, "ratings": ratings}
    answer = _post(call("merchandiser"), f"{API}/cycles/{cycle.pk}/reviews/", body)
    assert answer.json()["state"] == ReviewState.SUBMITTED
    assert Review.objects.get().ratings.count() == 3


def test_a_level_states_its_own_kpi_weight(call, org_chart):
    body = _body(org_chart)
    body["templates"][1]["kpi_weight"] = 0.5
    created = _post(call("hr"), f"{API}/cycles/", body).json()
    weights = {t["level"]: t["kpi_weight"] for t in created["templates"]}
    assert weights == {Level.INTERMEDIATE: None, Level.SENIOR: 0.5}
