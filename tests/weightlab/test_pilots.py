"""Pilot pages and API: admins only (every role checked), bad input refused naming the field,
and the comparison of the pilot's team with everybody else as the page and the API show it."""

import pytest
from django.db import transaction

from indicators import scheme_services
from indicators.models import SchemeStatus, SchemeWeight, WeightScheme
from indicators.pilots import SchemePilot
from org.models import Level
from scoring.models import EmployeeScore
from scoring.services import compute_period
from tests.clock import THIS_MONTH, months_ago, months_ahead
from tests.weightlab.company import MONTHS, quality_draft_make
from tests.weightlab.pilot_company import east_pilot_make

PAGE, API = "/weight-lab/pilots/", "/api/v1/weight-lab/pilots/"
REFUSED = ["east_a", "east_manager", "hr"]  # merchandiser, manager, HR


@pytest.fixture
def level_scheme(org_chart):
    return WeightScheme.objects.get(level=Level.INTERMEDIATE, status=SchemeStatus.ACTIVE)


@pytest.fixture
def pilot(org_chart, level_scheme):
    return east_pilot_make(org_chart["admin"], level_scheme, org_chart["teams"]["east"])


def _body(org_chart, chosen, **changes) -> dict:
    return {
        "scheme": chosen.id,
        "team": org_chart["teams"]["south"].id,
        "first_month": THIS_MONTH.label,
        "months": 3,
        "reason": "试点",
        **changes,
    }


@pytest.mark.parametrize("key", REFUSED)
def test_only_admins_open_the_pilot_pages(as_user, key, pilot):
    client = as_user(key)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {}).status_code == 403
    assert client.get(f"{PAGE}{pilot.id}/").status_code == 403
    assert client.post(f"{PAGE}{pilot.id}/cancel/").status_code == 403
    pilot.refresh_from_db()
    assert pilot.cancelled_at is None


@pytest.mark.parametrize("key", REFUSED)
def test_only_admins_use_the_pilot_api(as_user, key, pilot, level_scheme, org_chart):
    client = as_user(key)
    assert client.get(API).status_code == 403
    body = _body(org_chart, level_scheme)
    assert client.post(API, body, "application/json").status_code == 403
    assert client.get(f"{API}{pilot.id}/").status_code == 403
    assert client.post(f"{API}{pilot.id}/cancel/").status_code == 403
    assert SchemePilot.objects.count() == 1


def test_anonymous_is_sent_to_sign_in_or_refused(client, pilot):
    assert client.get(PAGE).status_code == 302
    assert client.get(f"{PAGE}{pilot.id}/").status_code == 302
    assert client.post(f"{PAGE}{pilot.id}/cancel/").status_code == 302
    assert client.get(API).status_code in (401, 403)
    assert client.post(API, {}, "application/json").status_code in (401, 403)
    assert client.get(f"{API}{pilot.id}/").status_code in (401, 403)
    assert client.post(f"{API}{pilot.id}/cancel/").status_code in (401, 403)


def test_an_admin_starts_lists_and_cancels_a_pilot(as_user, org_chart, level_scheme):
    client = as_user("admin")
    assert b'data-testid="no-pilots"' in client.get(PAGE).content
    created = client.post(API, _body(org_chart, level_scheme), "application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["team_name"] == "华南跟单二组" and data["state"] == "running"
    assert (data["first_month"], data["last_month"]) == (THIS_MONTH.label, months_ahead(2).label)
    listed = client.get(API).json()
    assert [row["id"] for row in listed] == [data["id"]]
    page = client.get(PAGE).content.decode()
    assert "华南跟单二组" in page and f"{THIS_MONTH.label} – {months_ahead(2).label}" in page
    detail = client.get(f"{API}{data['id']}/").json()
    assert detail["comparison"]["months"] == []  # nothing of it published yet
    assert b'data-testid="no-pilot-months"' in client.get(f"{PAGE}{data['id']}/").content

    cancelled = client.post(f"{API}{data['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = client.post(f"{API}{data['id']}/cancel/")
    assert again.status_code == 400 and "pilot" in again.json()
    # Cancelled, it no longer stands in the way of another pilot of the team.
    assert client.post(API, _body(org_chart, level_scheme), "application/json").status_code == 201


def test_the_page_form_starts_a_pilot_or_names_the_field(as_user, org_chart, level_scheme):
    client = as_user("admin")
    form = {**_body(org_chart, level_scheme), "first_month": months_ago(1).label}
    refused = client.post(PAGE, form)
    assert refused.status_code == 400
    assert b'data-testid="error-first_month"' in refused.content
    started = client.post(PAGE, {**form, "first_month": THIS_MONTH.label})
    pilot = SchemePilot.objects.get()
    assert started.status_code == 302 and started["Location"] == f"{PAGE}{pilot.id}/"
    assert pilot.created_by == org_chart["admin"] and pilot.history.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"months": 0}, "months"),
        ({"months": 13}, "months"),
        ({"months": "x"}, "months"),
        ({"team": 999999}, "team"),
        ({"team": 2**70}, "team"),
        ({"scheme": 999999}, "scheme"),
        ({"first_month": "2026-13"}, "first_month"),
        ({"first_month": f"{months_ahead(3).start.year}-W50"}, "first_month"),  # not a month
        ({"first_month": months_ago(1).label}, "first_month"),
        ({"reason": "x" * 2001}, "reason"),
    ],
)
def test_bad_input_is_refused_naming_the_field(as_user, org_chart, level_scheme, changes, field):
    response = as_user("admin").post(
        API, _body(org_chart, level_scheme, **changes), "application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not SchemePilot.objects.exists()


def test_a_scheme_without_weights_or_retired_is_refused(as_user, org_chart, level_scheme):
    client = as_user("admin")
    draft = scheme_services.scheme_draft_create(
        user=org_chart["admin"], level=Level.INTERMEDIATE, effective_from=THIS_MONTH.start
    )
    SchemeWeight.objects.filter(scheme=draft).delete()
    response = client.post(
        API, _body(org_chart, draft), "application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "no weights" in response.json()["scheme"][0]
    WeightScheme.objects.filter(pk=draft.pk).update(status=SchemeStatus.RETIRED)
    response = client.post(API, _body(org_chart, draft), "application/json")
    assert response.status_code == 400 and "scheme" in response.json()


def test_an_overlapping_pilot_is_refused_for_the_team_and_the_team_above(
    as_user, org_chart, level_scheme
):
    client = as_user("admin")
    assert client.post(API, _body(org_chart, level_scheme), "application/json").status_code == 201
    later = _body(org_chart, level_scheme, first_month=months_ahead(2).label)
    response = client.post(API, later, "application/json")
    assert response.status_code == 400 and "华南跟单二组" in response.json()["team"][0]
    above = {**later, "team": org_chart["teams"]["department"].id}
    assert client.post(API, above, "application/json").status_code == 400
    # After the first one's three months the team is free again.
    free = _body(org_chart, level_scheme, first_month=months_ahead(3).label)
    assert client.post(API, free, "application/json").status_code == 201


def test_a_pilot_above_refuses_one_below_it(as_user, org_chart, level_scheme):
    client = as_user("admin")
    department = {"team": org_chart["teams"]["department"].id}
    above = _body(org_chart, level_scheme) | department
    assert client.post(API, above, "application/json").status_code == 201
    below = _body(org_chart, level_scheme, first_month=months_ahead(1).label)
    response = client.post(API, below, "application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "team" in response.json()


def test_an_unknown_pilot_is_not_found(as_user):
    client = as_user("admin")
    for pilot_id in (999999, 2**70):
        assert client.get(f"{API}{pilot_id}/").status_code == 404
        assert client.get(f"{PAGE}{pilot_id}/").status_code == 404
        assert client.post(f"{API}{pilot_id}/cancel/").status_code == 404


def test_the_comparison_shows_the_team_against_the_rest(as_user, scored_company):
    people = scored_company
    speed_draft = quality_draft_make(people["admin"], tier="basic")
    published = {
        (score.employee_id, f"{score.period_start:%Y-%m}"): score.grade
        for score in EmployeeScore.objects.filter(is_current=True)
    }  # with the level's scheme
    pilot = east_pilot_make(people["admin"], speed_draft, people["teams"]["east"])
    for month in MONTHS:
        with transaction.atomic():
            compute_period(month)
    east = {people[key].id for key in ("east_a", "east_b", "east_manager")}
    client = as_user("admin")
    data = client.get(f"{API}{pilot.id}/").json()
    comparison = data["comparison"]
    assert comparison["months"] == [month.label for month in MONTHS]
    for month in MONTHS:
        scores = EmployeeScore.objects.filter(is_current=True, period_start=month.start)
        pilot_totals = [s.total for s in scores if s.employee_id in east and s.total is not None]
        rest_totals = [s.total for s in scores if s.employee_id not in east]
        rows = {row["group"]: row for row in comparison["groups"] if row["month"] == month.label}
        assert rows["pilot"]["people"] == 3 and rows["rest"]["people"] == 2
        assert rows["pilot"]["scored"] == len(pilot_totals)
        assert rows["pilot"]["mean_total"] == pytest.approx(sum(pilot_totals) / len(pilot_totals))
        assert rows["rest"]["mean_total"] == pytest.approx(sum(rest_totals) / 2)
    # Without the pilot (a draft weighing the basics nine times anything else) the team's
    # grades are those the level's scheme gave them when first published (the replay reproduces
    # them); the movers are the people whose grade the pilot's differs from.
    piloted = {
        (score.employee_id, f"{score.period_start:%Y-%m}"): score.grade
        for score in EmployeeScore.objects.filter(is_current=True, employee_id__in=east)
    }
    changed = {key for key, grade in piloted.items() if grade != published[key]}
    assert changed  # the weight of the basics moves somebody
    assert {(row["employee_id"], row["month"]) for row in comparison["movers"]} == changed
    for mover in comparison["movers"]:
        key = (mover["employee_id"], mover["month"])
        assert (mover["grade_without"], mover["grade_with"]) == (published[key], piloted[key])
    without = {row["grade"]: row["without"] for row in comparison["distribution"]}
    assert without == {
        grade: sum(1 for key in piloted if published[key] == grade)
        for grade in ["S", "A", "B", "C", "D", ""]
    }

    page = client.get(f"{PAGE}{pilot.id}/")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-group="pilot"' in text and "分" in text
    client.cookies["django_language"] = "en"
    english = client.get(f"{PAGE}{pilot.id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The pilot's team and everybody else" in english and " pts" in english

    # The piloted person's scorecard says which scheme weighed them; the others' do not.
    east_card = client.get(f"/people/{people['east_a'].id}/?period={MONTHS[1].label}")
    assert b'data-testid="pilot-scheme"' in east_card.content
    south_card = client.get(f"/people/{people['south_a'].id}/?period={MONTHS[1].label}")
    assert b'data-testid="pilot-scheme"' not in south_card.content


def test_the_admin_site_lists_pilots_read_only(as_user, pilot):
    """Started and cancelled in the weight lab only, where the checks are."""
    admin = as_user("admin")
    listed = admin.get("/admin/indicators/schemepilot/")
    assert listed.status_code == 200 and pilot.team.name in listed.content.decode()
    assert admin.get("/admin/indicators/schemepilot/add/").status_code == 403
    assert admin.get(f"/admin/indicators/schemepilot/{pilot.pk}/change/").status_code == 200
    assert as_user("hr").get("/admin/indicators/schemepilot/").status_code in {302, 403}
