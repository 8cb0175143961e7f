"""Activating a weight scheme over periods already scored: the editor page and the API list them
and ask for confirmation; confirmed, they are scored again with the new weights."""

import pytest
from django.utils import translation

from indicators import scheme_services
from indicators.models import WeightScheme
from org.models import Level
from scoring.models import RunStatus, ScoreRun
from scoring.services import compute_period
from tests.clock import LAST_MONTH, months_ago
from tests.scoring.test_pipeline import _month_of_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(org_chart):
    """Last month scored with the built-in schemes, and an admin's draft dated a year back."""
    _month_of_work(org_chart["east_a"], LAST_MONTH, response_hours=1)
    compute_period(LAST_MONTH)
    return scheme_services.scheme_draft_create(
        user=org_chart["admin"], level=Level.INTERMEDIATE, effective_from=months_ago(12).start
    )


def _rescored_with(draft: WeightScheme) -> bool:
    run = ScoreRun.objects.filter(period_start=LAST_MONTH.start).latest("id")
    return run.status == RunStatus.SUCCEEDED and run.schemes["intermediate"]["id"] == draft.id


def test_the_editor_lists_the_scored_periods_and_activates_on_confirmation(
    as_user, scored, django_capture_on_commit_callbacks
):
    client = as_user("admin")
    page = client.get(f"/indicators/schemes/{scored.id}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert 'data-testid="activation-rescore"' in text
    assert LAST_MONTH.label in text and "Activate and score again" in text

    refused = client.post(
        f"/indicators/schemes/{scored.id}/activate/", follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Confirm to activate it and score them again" in refused.content.decode()
    scored.refresh_from_db()
    assert scored.status == "draft"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/indicators/schemes/{scored.id}/activate/", {"confirm": "1"})
    scored.refresh_from_db()
    assert scored.status == "active"
    assert _rescored_with(scored)


def test_the_api_answers_409_with_the_periods_then_activates_with_confirm(
    as_user, scored, django_capture_on_commit_callbacks
):
    client = as_user("admin")
    url = f"/api/v1/weight-schemes/{scored.id}/activate/"
    asked = client.post(url, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 409
    body = asked.json()
    assert (body["code"], body["periods"]) == ("confirm_rescore", [LAST_MONTH.label])
    assert LAST_MONTH.label in body["detail"]
    bad = client.post(url, {"confirm": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and "confirm" in bad.json()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "active"
    assert _rescored_with(scored)


def test_a_scheme_over_nothing_scored_activates_without_asking(org_chart):
    draft = scheme_services.scheme_draft_create(
        user=org_chart["admin"], level=Level.JUNIOR, effective_from=months_ago(30).start
    )
    with translation.override("en"):
        scheme_services.scheme_activate(scheme=draft, user=org_chart["admin"])
    draft.refresh_from_db()
    assert draft.status == "active"
