"""Bad input on the appeal pages and API (issue 15, points 5 and 8): every parameter is read by
a form or a serializer and a bad one is a 400 naming the field; claimed values are checked at
filing against what the record can hold, so an approval never fails; a colleague's record and a
record that does not exist get the same answer; free texts have a length limit."""

import pytest
from django.db.models import Max
from rest_framework.test import APIClient

from appeals.models import Appeal, AppealState, Comment
from appeals.services import appeal_transition
from ingest.models import Order
from tests.clock import LAST_MONTH, at, stamp
from tests.factories import FeedbackFactory, OrderFactory

pytestmark = pytest.mark.django_db
PERIOD_HELP = "Write the period as YYYY-MM, YYYY-Qn or YYYY-Wnn (for example 2026-10)."
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW = "/appeals/new/"


@pytest.fixture
def orders(org_chart):
    """One order of last month each for 王芳 (east_a) and 李强 (east_b)."""
    people = org_chart
    for key in ("east_a", "east_b"):
        submitted = at(LAST_MONTH, 5, 9)
        people[f"order_{key}"] = OrderFactory(
            merchandiser=people[key],
            submitted_at=submitted,
            source_created_at=submitted,
            confirmed_at=at(LAST_MONTH, 5, 11),
        )
    return people


def api(user) -> APIClient:
    client = APIClient(**ENGLISH)
    client.force_authenticate(user)
    return client


def filing(order: Order, **changes) -> dict:
    return {
        "record_type": "order",
        "record_id": order.pk,
        "field_name": "confirmed_at",
        "claimed_value": stamp(5, 10),
        "category": "system_failure",
        "description": "The ERP was down; I confirmed by phone.",
        **changes,
    }


def page_filing(order: Order, **changes) -> dict:
    data = filing(order, **changes)
    data["field"] = data.pop("field_name")
    return data


# ---- parameters of the pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "record_type=order&record_id=abc&field=confirmed_at",
            "Record number: Enter a whole number.",
        ),
        (
            "record_type=order&record_id=1e3&field=confirmed_at",
            "Record number: Enter a whole number.",
        ),
        (
            "record_type=order&record_id=99999999999999999999&field=confirmed_at",
            "Record number: Ensure this value is less than or equal to 9223372036854775807.",
        ),
        ("record_type=order&field=confirmed_at", "Record number: This field is required."),
        (
            "record_type=%00&record_id=1&field=confirmed_at",
            "Record type: Select a valid choice.",
        ),
        ("employee=abc&indicator=csat&period=2026-10", "Person: Enter a whole number."),
        (
            "employee={me}&indicator=cs%00at&period=2026-10",
            "Indicator: Null characters are not allowed.",
        ),
        (
            "employee={me}&indicator=csat&period=9999-12",
            "Period: Choose a period between 2000 and 2100.",
        ),
        (
            "employee={me}&indicator=csat&period=October",
            f"Period: {PERIOD_HELP}",
        ),
    ],
    ids=[
        "letters-id",
        "exponent-id",
        "id-beyond-bigint",
        "no-id",
        "nul-record-type",
        "letters-employee",
        "nul-indicator",
        "period-9999",
        "period-words",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_parameter_of_the_appeal_form_is_a_400_naming_the_field(
    orders, client, query, message, method
):
    me = orders["east_a"]
    client.force_login(me.user)
    url = f"{NEW}?{query.format(me=me.pk)}"
    if method == "get":
        response = client.get(url, **ENGLISH)
    else:
        fields = dict(pair.split("=", 1) for pair in query.format(me=me.pk).split("&"))
        fields = {key: value.replace("%00", "\x00") for key, value in fields.items()}
        body = {**fields, "claimed_value": "3", "category": "other", "description": "x"}
        response = client.post(url, body, **ENGLISH)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appeal.objects.exists()


def test_the_queue_refuses_a_filter_that_is_not_one(orders, client):
    client.force_login(orders["hr"].user)
    response = client.get("/appeals/?team=99999999999999999999&state=%00", **ENGLISH)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value is less than or equal to 9223372036854775807." in page
    assert "Select a valid choice." in page


# ---- parameters of the API --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("state=%00", "state", '"\x00" is not a valid choice.'),
        ("state=open", "state", '"open" is not a valid choice.'),
        ("overdue=perhaps", "overdue", "Must be a valid boolean."),
    ],
)
def test_the_api_list_refuses_a_bad_filter_naming_it(orders, query, field, message):
    response = api(orders["hr"].user).get(f"/api/v1/appeals/?{query}")
    assert response.status_code == 400
    assert response.json() == {field: [message]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"record_id": "abc"}, "record_id", "A valid integer is required."),
        ({"record_id": "1e3"}, "record_id", "A valid integer is required."),
        (
            {"record_id": 10**20},
            "record_id",
            "Ensure this value is less than or equal to 9223372036854775807.",
        ),
        ({"record_id": 0}, "record_id", "Ensure this value is greater than or equal to 1."),
        ({"record_type": "invoice"}, "record_type", '"invoice" is not a valid choice.'),
        ({"field_name": "con\x00firmed_at"}, "field_name", "Null characters are not allowed."),
        # In words, without echoing the raw names the request carried.
        ({"field_name": "status"}, "field_name", "Order: this field cannot be appealed."),
        (
            {"record_type": "", "record_id": None, "indicator_code": "csat", "period": "9999-12"},
            "period",
            "Choose a period between 2000 and 2100.",
        ),
        (
            {
                "record_type": "",
                "record_id": None,
                "indicator_code": "cs\x00at",
                "period": "2026-10",
            },
            "indicator_code",
            "Null characters are not allowed.",
        ),
        (
            {"record_type": "", "record_id": None, "indicator_code": "csat", "period": "2026-10"},
            "employee_id",
            "This field is required.",
        ),
    ],
    ids=[
        "letters-id",
        "exponent-id",
        "id-beyond-bigint",
        "id-zero",
        "unknown-type",
        "nul-field",
        "unappealable-field",
        "period-9999",
        "nul-indicator",
        "no-employee",
    ],
)
def test_the_api_refuses_a_bad_filing_naming_the_field(orders, changes, field, message):
    body = {k: v for k, v in filing(orders["order_east_a"], **changes).items() if v is not None}
    response = api(orders["east_a"].user).post("/api/v1/appeals/", body, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Appeal.objects.exists()


# ---- claimed values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "entry_errors",
            "99999999999999999999",
            "entry errors: Ensure this value is less than or equal to 32767.",
        ),
        ("entry_errors", "-1", "entry errors: Ensure this value is greater than or equal to 0."),
        ("confirmed_at", "0001-01-01 10:00", "confirmed at: choose a time between 2000 and 2100."),
        ("confirmed_at", "9999-12-31 23:59", "confirmed at: choose a time between 2000 and 2100."),
        # Within range but before the order was submitted: the table's own rule.
        ("confirmed_at", stamp(1, 8), "submitted"),
    ],
    ids=["beyond-smallint", "negative", "year-1", "year-9999", "before-submission"],
)
def test_a_claim_the_record_cannot_hold_is_refused_at_filing(orders, client, field, value, message):
    order = orders["order_east_a"]
    response = api(orders["east_a"].user).post(
        "/api/v1/appeals/",
        filing(order, field_name=field, claimed_value=value),
        format="json",
    )
    assert response.status_code == 400
    assert message in response.json()["claimed_value"][0]
    client.force_login(orders["east_a"].user)
    url = f"{NEW}?record_type=order&record_id={order.pk}&field={field}"
    page = client.post(url, page_filing(order, field_name=field, claimed_value=value), **ENGLISH)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not Appeal.objects.exists()


def test_a_feedback_claim_outside_the_csat_scale_is_refused_at_filing(orders):
    feedback = FeedbackFactory(employee=orders["east_a"], submitted_at=at(LAST_MONTH, 6, 10))
    body = filing(feedback, record_type="feedback", field_name="csat", claimed_value="9")
    response = api(orders["east_a"].user).post("/api/v1/appeals/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"claimed_value": ["CSAT must be between 1 and 5."]}


def _decide(appeal_id: int, people) -> object:
    """Submit (as the filer), take into review and approve (as HR) through the API."""
    appeal = Appeal.objects.get(pk=appeal_id)
    appeal_transition(appeal=appeal, user=appeal.submitter, action="submit")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    url = f"/api/v1/appeals/{appeal_id}/transition/"
    return api(people["hr"].user).post(url, {"action": "approve", "reason": "OK"}, format="json")


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [("entry_errors", "32767", 32767), ("confirmed_at", stamp(5, 10), at(LAST_MONTH, 5, 10))],
)
def test_an_accepted_claim_is_applied_when_hr_approves(orders, field, value, stored):
    order = orders["order_east_a"]
    filed = api(orders["east_a"].user).post(
        "/api/v1/appeals/", filing(order, field_name=field, claimed_value=value), format="json"
    )
    assert filed.status_code == 201
    approved = _decide(filed.json()["id"], orders)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    order.refresh_from_db()
    assert getattr(order, field) == stored


def test_an_old_appeal_with_a_value_the_column_cannot_hold_is_refused_not_a_500(orders):
    """Appeals filed before claims were checked: approving says why, and HR can still reject."""
    order = orders["order_east_a"]
    appeal = Appeal.objects.create(
        subject_kind="record_field",
        subject_key=f"order:{order.pk}:entry_errors",
        employee=orders["east_a"],
        record_type="order",
        record_id=order.pk,
        field_name="entry_errors",
        period_start=LAST_MONTH.start,
        claimed_value="99999999999999999999",
        category="other",
        description="old",
        submitter=orders["east_a"].user,
    )
    response = _decide(appeal.pk, orders)
    assert response.status_code == 400
    assert "entry errors" in response.json()["detail"]
    appeal.refresh_from_db()
    assert appeal.state == AppealState.IN_REVIEW
    order.refresh_from_db()
    assert order.entry_errors == 0
    rejected = api(orders["hr"].user).post(
        f"/api/v1/appeals/{appeal.pk}/transition/",
        {"action": "reject", "reason": "Not a count."},
        format="json",
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"


# ---- scope: the same "not found" --------------------------------------------------------------


def test_filing_on_a_colleagues_record_answers_as_a_record_that_does_not_exist(orders, client):
    colleagues = orders["order_east_b"].pk
    missing = Order.objects.aggregate(last=Max("pk"))["last"] + 1000
    merchandiser = api(orders["east_a"].user)
    answers = [
        merchandiser.post("/api/v1/appeals/", filing(Order(pk=pk)), format="json")
        for pk in (colleagues, missing)
    ]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json() == answers[1].json() == {"record_id": ["No such record."]}
    client.force_login(orders["east_a"].user)
    pages = [
        client.post(
            f"{NEW}?record_type=order&record_id={pk}&field=confirmed_at",
            page_filing(Order(pk=pk)),
            **ENGLISH,
        )
        for pk in (colleagues, missing)
    ]
    assert [page.status_code for page in pages] == [400, 400]
    assert all("No such record." in page.content.decode() for page in pages)
    assert not Appeal.objects.exists()


# ---- free texts -------------------------------------------------------------------------------


def test_free_texts_have_a_length_limit_in_the_api(orders):
    merchandiser = api(orders["east_a"].user)
    long = merchandiser.post(
        "/api/v1/appeals/", filing(orders["order_east_a"], description="x" * 4001), format="json"
    )
    assert long.status_code == 400
    assert long.json() == {"description": ["Ensure this field has no more than 4000 characters."]}
    filed = merchandiser.post(
        "/api/v1/appeals/", filing(orders["order_east_a"], description="x" * 4000), format="json"
    )
    assert filed.status_code == 201
    comments = f"/api/v1/appeals/{filed.json()['id']}/comments/"
    refused = merchandiser.post(comments, {"text": "y" * 2001}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"text": ["Ensure this field has no more than 2000 characters."]}
    assert merchandiser.post(comments, {"text": "y" * 2000}, format="json").status_code == 201
    assert list(Comment.objects.values_list("text", flat=True)) == ["y" * 2000]


def test_free_texts_have_a_length_limit_on_the_pages(orders, client):
    order = orders["order_east_a"]
    client.force_login(orders["east_a"].user)
    url = f"{NEW}?record_type=order&record_id={order.pk}&field=confirmed_at"
    page = client.post(url, page_filing(order, description="x" * 4001), **ENGLISH)
    assert page.status_code == 400
    assert "Ensure this value has at most 4000 characters (it has 4001)." in page.content.decode()
    assert client.post(url, page_filing(order), **ENGLISH).status_code == 302
    appeal = Appeal.objects.get()
    comment = client.post(f"/appeals/{appeal.pk}/comment/", {"text": "y" * 2001}, **ENGLISH)
    assert comment.status_code == 400
    assert (
        "Ensure this value has at most 2000 characters (it has 2001)." in comment.content.decode()
    )
    appeal_transition(appeal=appeal, user=orders["east_a"].user, action="submit")
    appeal_transition(appeal=appeal, user=orders["hr"].user, action="review")
    client.force_login(orders["hr"].user)
    reject = {"action": "reject", "reason": "z" * 2001}
    decided = client.post(f"/appeals/{appeal.pk}/act/", reject, **ENGLISH)
    assert decided.status_code == 400
    assert "Reason: Ensure this value has at most 2000 characters" in decided.content.decode()
    assert not Comment.objects.exists()
    assert Appeal.objects.get().state == AppealState.IN_REVIEW
