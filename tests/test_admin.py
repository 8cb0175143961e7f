"""Every model has a working admin: list (with its filters and search) and add form."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import OrderFactory


@pytest.mark.django_db
def test_each_admin_list_search_and_form_opens(client, org_chart):
    OrderFactory(merchandiser=org_chart["east_a"])
    client.force_login(org_chart["admin"])
    apps = {"org", "ingest", "appeals"}
    perf_models = [m for m in admin.site._registry if m._meta.app_label in apps]
    assert len(perf_models) == 21
    # Runs, quarantined rows, the ledger, appeals and holds are written by their workflows only.
    read_only = {"syncrun", "rejectedrow", "ledgerentry", "appeal", "correction"}
    read_only |= {"fieldhold", "correctionconflict"}
    for model in perf_models:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, opts.model_name
        assert client.get(changelist, {"q": "王"}).status_code == 200, opts.model_name
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        expected = 403 if opts.model_name in read_only else 200
        assert client.get(add).status_code == expected, opts.model_name


@pytest.mark.django_db
def test_admin_shows_a_records_history(client, org_chart):
    order = OrderFactory(merchandiser=org_chart["east_a"])
    order.has_complaint = True
    order.save()
    client.force_login(org_chart["admin"])
    history = client.get(reverse("admin:ingest_order_history", args=[order.pk]))
    assert history.status_code == 200
    assert order.external_id in history.content.decode()


@pytest.mark.django_db
def test_merchandisers_cannot_open_the_admin(client, org_chart):
    client.force_login(org_chart["east_a"].user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
