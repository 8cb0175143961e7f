"""A person's critical-incident log page: the person reads what was noted about them, their
managers and HR note incidents naming a record of theirs by its number; the review form and
the scorecard lead to it. Every role, and the input that cannot be."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from org.models import Role
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import Incident
from reviews.services import incident_add
from tests.factories import CustomerFactory, OrderFactory, TicketFactory
from tests.reviews.conftest import MONTHS
from tests.reviews.factories import IncidentFactory

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
DAY = MONTHS[2].start.replace(day=12)


def _log(person) -> str:
    return reverse("reviews:incidents", args=[person.pk])


def _note(client, person, **fields):
    body = {"day": f"{DAY:%Y-%m-%d}", "note": "客户投诉交期延误，主动协调工厂加急。", **fields}
    return client.post(_log(person), body, **ENGLISH)


@pytest.mark.parametrize(
    ("key", "status", "writes"),
    [
        ("east_a", 200, False),  # her own log: read only
        ("east_b", 404, False),  # a colleague's does not exist for him
        ("east_manager", 200, True),
        ("south_manager", 404, False),
        ("hr", 200, True),
        ("admin", 200, True),
    ],
)
def test_who_opens_a_persons_incident_log(as_user, org_chart, key, status, writes):
    IncidentFactory(employee=org_chart["east_a"], author=org_chart["east_manager"].user)
    page = as_user(key).get(_log(org_chart["east_a"]), **ENGLISH)
    assert page.status_code == status
    if status == 200:
        text = page.content.decode()
        assert text.count('data-testid="incident"') == 1
        assert "客户投诉交期延误" in text
        assert ('data-testid="incident-form"' in text) is writes


def test_anonymous_callers_are_sent_to_sign_in(client, org_chart):
    assert client.get(_log(org_chart["east_a"])).status_code == 302


@pytest.mark.parametrize("key", ["east_a", "east_b"])
def test_a_merchandiser_notes_no_incident(as_user, org_chart, key):
    answer = _note(as_user(key), org_chart["east_a"])
    assert answer.status_code in (403, 404)
    assert not Incident.objects.exists()


def test_a_manager_notes_an_incident_naming_her_order_by_its_number(as_user, org_chart):
    customer = CustomerFactory(name="华东贸易")
    order = OrderFactory(merchandiser=org_chart["east_a"], customer=customer, external_id="SO-7")
    client = as_user("east_manager")
    answer = _note(client, org_chart["east_a"], record_type="order", record_number=" SO-7 ")
    assert answer.status_code == 302
    incident = Incident.objects.get()
    assert (incident.record_type, incident.record_id, incident.day) == ("order", order.pk, DAY)
    assert incident.author == org_chart["east_manager"].user
    text = client.get(_log(org_chart["east_a"]), **ENGLISH).content.decode()
    assert "Order SO-7 · 华东贸易" in text
    assert "陈主管" in text  # who noted it, by the name the company knows him by
    assert "The incident is noted." in text
    # She reads it, named the same way, in her language.
    own = as_user("east_a").get(_log(org_chart["east_a"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "SO-7 · 华东贸易" in own.content.decode()


def test_an_incident_without_a_record_and_one_naming_a_ticket(as_user, org_chart):
    TicketFactory(employee=org_chart["east_a"], external_id="TK-1", subject="退货")
    client = as_user("hr")
    assert _note(client, org_chart["east_a"]).status_code == 302
    answer = _note(client, org_chart["east_a"], record_type="ticket", record_number="TK-1")
    assert answer.status_code == 302
    assert sorted(Incident.objects.values_list("record_type", flat=True)) == ["", "ticket"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"record_type": "order", "record_number": "SO-OTHER"}, "record_number", "no order"),
        ({"record_type": "order"}, "record_number", "Give the record's number"),
        ({"record_number": "SO-7"}, "record_type", "Choose the kind of record"),
        ({"record_type": "customer", "record_number": "C1"}, "record_type", "valid choice"),
        ({"note": "  "}, "note", "required"),
        ({"day": "2026-13-40"}, "day", "valid date"),
        ({"day": "2999-01-01"}, "day", "not in the future"),
        ({"note": "x" * 2001}, "note", "2000"),
    ],
)
def test_an_incident_that_cannot_be_is_a_400_at_its_field(
    as_user, org_chart, fields, field, message
):
    # Another person's order with that number: not hers, so not found.
    OrderFactory(merchandiser=org_chart["south_a"], external_id="SO-OTHER")
    answer = _note(as_user("east_manager"), org_chart["east_a"], **fields)
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not Incident.objects.exists()


def test_hr_notes_no_incident_about_themselves(as_user, org_chart):
    """李强 is also in the HR group: he notes incidents about his colleagues, not himself; his own
    log reads without a form."""
    me = org_chart["east_b"]
    me.user.groups.add(Group.objects.get(name=Role.HR.value))
    client = as_user("east_b")
    assert 'data-testid="incident-form"' not in client.get(_log(me), **ENGLISH).content.decode()
    with translation.override("en"), pytest.raises(ReviewForbidden, match="about themselves"):
        incident_add(user=me.user, employee=me, day=DAY, note="自评：表现很好")
    assert _note(client, me).status_code in (400, 403)
    assert not Incident.objects.exists()
    assert _note(client, org_chart["east_a"]).status_code == 302


def test_the_service_refuses_a_record_of_someone_else(org_chart):
    theirs = OrderFactory(merchandiser=org_chart["south_a"])
    with pytest.raises(ReviewRefused) as refused:
        incident_add(
            user=org_chart["hr"].user,
            employee=org_chart["east_a"],
            day=DAY,
            note="交期延误",
            record_type="order",
            record_id=theirs.pk,
        )
    assert refused.value.field == "record_id"


def test_the_review_form_shows_the_incidents_with_their_records(as_user, org_chart, cycle):
    order = OrderFactory(
        merchandiser=org_chart["east_a"],
        customer=CustomerFactory(name="华东贸易"),
        external_id="SO-9",
    )
    IncidentFactory(
        employee=org_chart["east_a"],
        author=org_chart["east_manager"].user,
        day=DAY,
        record_type="order",
        record_id=order.pk,
    )
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    text = as_user("east_manager").get(url, **ENGLISH).content.decode()
    assert "Order SO-9 · 华东贸易" in text
    assert _log(org_chart["east_a"]) in text


def test_the_scorecard_leads_her_manager_to_her_incidents_and_review(as_user, org_chart, cycle):
    url = reverse("dashboards:scorecard", args=[org_chart["east_a"].pk])
    text = as_user("east_manager").get(url, **ENGLISH).content.decode()
    assert _log(org_chart["east_a"]) in text
    assert "Review them in 2026 第三季度考核" in text
    assert reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk]) in text
    # HR notes incidents too, but writes no manager review.
    text = as_user("hr").get(url, **ENGLISH).content.decode()
    assert _log(org_chart["east_a"]) in text and "Review them in" not in text


def test_the_api_names_who_noted_an_incident_and_its_record_in_words(client, org_chart):
    order = OrderFactory(
        merchandiser=org_chart["east_a"],
        customer=CustomerFactory(name="华东贸易"),
        external_id="SO-5",
    )
    client.force_login(org_chart["east_manager"].user)
    body = {
        "employee_id": org_chart["east_a"].pk,
        "day": f"{DAY:%Y-%m-%d}",
        "note": "交期延误",
        "record_type": "order",
        "record_id": order.pk,
    }
    created = client.post(
        "/api/v1/reviews/incidents/", body, content_type="application/json", **ENGLISH
    )
    assert created.status_code == 201
    expected = {"noted_by": "陈主管", "record_type": "order", "record": "Order SO-5 · 华东贸易"}
    assert {key: created.json()[key] for key in expected} == expected
    client.force_login(org_chart["east_a"].user)
    [listed] = client.get("/api/v1/reviews/incidents/", **ENGLISH).json()
    assert {key: listed[key] for key in expected} == expected
