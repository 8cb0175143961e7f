"""Records edited by people: through the admin, with history and a ledger entry; locked once
their period is closed."""

import pytest
from django.urls import reverse

from ingest.ledger import ledger_adopt
from ingest.ledger_verify import ledger_verify
from ingest.models import LedgerEntry
from tests.clock import LAST_MONTH, at, months_ago
from tests.factories import OrderFactory, SuggestionFactory

HALF_A_YEAR_AGO = months_ago(6)  # closed: its appeal window has passed


@pytest.mark.django_db
def test_an_admin_edit_is_in_the_history_and_the_ledger(
    client, org_chart, django_capture_on_commit_callbacks
):
    order = OrderFactory(
        merchandiser=org_chart["east_a"],
        submitted_at=at(LAST_MONTH, 3, 9),
        source_created_at=at(LAST_MONTH, 3, 9, 5),
        confirmed_at=at(LAST_MONTH, 3, 12),
    )
    ledger_adopt(actor="test")  # the order and its customer as loaded before the edit
    client.force_login(org_chart["admin"])
    url = reverse("admin:ingest_order_change", args=[order.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data.update(
        {
            "customer": order.customer_id,
            "merchandiser": order.merchandiser_id,
            "submitted_at_0": f"{LAST_MONTH.start:%Y-%m}-03",
            "submitted_at_1": "09:00:00",
            "source_created_at_0": f"{LAST_MONTH.start:%Y-%m}-03",
            "source_created_at_1": "09:05:00",
            "confirmed_at_0": f"{LAST_MONTH.start:%Y-%m}-03",
            "confirmed_at_1": "10:00:00",
            "nodes-TOTAL_FORMS": "0",
            "nodes-INITIAL_FORMS": "0",
        }
    )
    for name in ("submitted_at", "source_created_at", "confirmed_at", "shipped_at", "delivered_at"):
        data.pop(name, None)
    with django_capture_on_commit_callbacks(execute=True):  # the ledger's head follows
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.confirmed_at == at(LAST_MONTH, 3, 10)
    assert order.history.first().history_user == org_chart["admin"]
    entry = LedgerEntry.objects.filter(record_type="order", record_id=order.pk).latest("id")
    assert (entry.action, entry.actor) == ("updated", f"user:{org_chart['admin'].pk}")
    assert ledger_verify().ok


@pytest.mark.django_db
def test_a_record_of_a_closed_period_is_read_only_in_the_admin(client, org_chart):
    old = OrderFactory(
        merchandiser=org_chart["east_a"],
        submitted_at=at(HALF_A_YEAR_AGO, 3, 9),
        source_created_at=at(HALF_A_YEAR_AGO, 3, 9),
        confirmed_at=at(HALF_A_YEAR_AGO, 3, 12),
    )
    client.force_login(org_chart["admin"])
    url = reverse("admin:ingest_order_change", args=[old.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert (
        client.post(url, {"confirmed_at_0": f"{HALF_A_YEAR_AGO.start:%Y-%m}-03"}).status_code == 403
    )


@pytest.mark.django_db
def test_a_suggestion_accepted_in_the_admin_is_in_the_ledger(
    client, org_chart, django_capture_on_commit_callbacks
):
    """Suggestions, like exception cases, training records and peer reviews, are scored but no
    source feeds them: their edits reach the ledger all the same."""
    suggestion = SuggestionFactory(employee=org_chart["east_a"], submitted_at=at(LAST_MONTH, 3, 9))
    ledger_adopt(actor="test")
    client.force_login(org_chart["admin"])
    url = reverse("admin:ingest_suggestion_change", args=[suggestion.pk])
    data = {
        "source": suggestion.source,
        "external_id": "",
        "employee": org_chart["east_a"].pk,
        "title": suggestion.title,
        "description": "",
        "submitted_at_0": f"{LAST_MONTH.start:%Y-%m}-03",
        "submitted_at_1": "09:00:00",
        "status": "accepted",
        "decided_at_0": f"{LAST_MONTH.start:%Y-%m}-10",
        "decided_at_1": "15:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"
    entry = LedgerEntry.objects.filter(record_type="suggestion", record_id=suggestion.pk).latest(
        "id"
    )
    assert (entry.action, entry.actor) == ("updated", f"user:{org_chart['admin'].pk}")
    assert '"status":"accepted"' in entry.content
    assert ledger_verify().ok
