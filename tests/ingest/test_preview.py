"""The preview of a source's mappings: its first rows as records with the refusals they would
get, on the source page and at ``POST /api/v1/sources/<id>/preview/``, for admins only, and
nothing written."""

import pytest
from django.contrib.auth import get_user_model

from ingest.models import (
    Feedback,
    LedgerEntry,
    Order,
    OrderNode,
    RejectedRow,
    Source,
    SyncRun,
)
from ingest.preview import source_preview
from org.models import Customer, Employee, Team
from tests.ingest.marketplace import marketplace_files, marketplace_mappings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def preview_url(source: Source) -> str:
    return f"/api/v1/sources/{source.pk}/preview/"


def stored_counts() -> dict[str, int]:
    models = [Order, OrderNode, Feedback, SyncRun, RejectedRow, LedgerEntry, Employee, Customer]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["history"] = Order.history.count() + OrderNode.history.count()
    counts["users"] = get_user_model().objects.count()
    counts["teams"] = Team.objects.count()
    return counts


def test_the_preview_shows_each_record_type_as_a_sync_would_write_it(marketplace):
    before = stored_counts()
    previews = {p.record_type: p for p in source_preview(source=marketplace, limit=20)}

    assert stored_counts() == before
    orders = previews["order"]
    assert (orders.read, orders.skipped, orders.refused, orders.several_responsible) == (5, 0, 1, 2)
    assert [column.label for column in orders.columns][:3] == [
        "External id",
        "Customer",
        "Merchandiser",
    ]
    rows = {row.values["external_id"]: row for row in orders.rows}
    # Relations as the source names them, amounts as computed.
    assert rows["O1"].values["merchandiser"] == "E002"
    assert rows["O1"].values["amount"] == 360.0
    assert rows["O5"].refusals == [
        {"field": "amount", "label": "Amount", "message": "not a number: 'abc'"}
    ]
    assert rows["O5"].row_number == 6

    nodes = previews["order_node"]
    assert (nodes.read, nodes.skipped) == (5, 1)
    # The nodes find the orders previewed before them; O4's shipment would be refused by the
    # database, as the sync would have it.
    assert [(row.row_number, row.part, bool(row.refusals)) for row in nodes.rows] == [
        (2, "shipment", False),
        (2, "delivery", False),
        (3, "shipment", False),
        (3, "delivery", False),
        (5, "shipment", True),
        (5, "delivery", False),
    ]
    assert nodes.rows[4].refusals == [
        {
            "field": "completed_at",
            "label": "Completed at",
            "message": "A node cannot be completed before it started.",
        }
    ]
    assert "due_at" in [column.name for column in nodes.columns]

    reviews = previews["feedback"]
    assert (reviews.read, reviews.refused, reviews.several_responsible) == (3, 1, 1)
    refused_fields = {refusal["field"] for refusal in reviews.rows[2].refusals}
    assert {"order", "customer"} <= refused_fields


def test_the_preview_reads_only_the_first_rows(marketplace):
    previews = {p.record_type: p for p in source_preview(source=marketplace, limit=2)}
    assert [row.values["external_id"] for row in previews["order"].rows] == ["O1", "O2"]
    assert previews["order_node"].read == 2 and len(previews["order_node"].rows) == 4


def test_a_record_type_that_cannot_be_read_says_why_and_the_others_are_still_shown(
    marketplace, tmp_path
):
    marketplace.mappings["feedback"]["fetch"] = {"path": str(tmp_path / "gone.csv")}
    marketplace.save()
    previews = {p.record_type: p for p in source_preview(source=marketplace, limit=20)}

    assert "gone.csv" in previews["feedback"].error
    assert previews["feedback"].rows == []
    assert len(previews["order"].rows) == 5


# ---- the API --------------------------------------------------------------------------------


def test_admins_preview_through_the_api_and_nothing_is_written(as_user, marketplace):
    before = stored_counts()
    response = as_user("admin").post(
        preview_url(marketplace), {"limit": 3}, content_type="application/json", **ENGLISH
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["limit"] == 3
    assert [part["record_type"] for part in body["record_types"]] == [
        "order",
        "order_node",
        "feedback",
    ]
    orders = body["record_types"][0]
    assert orders["label"] == "Orders" and orders["read"] == 3 and orders["error"] == ""
    assert {"name": "submitted_at", "label": "Customer submitted at"} in orders["columns"]
    first = orders["rows"][0]
    assert first["row_number"] == 2 and first["refusals"] == []
    assert first["values"]["external_id"] == "O1"
    assert (
        first["values"]["submitted_at"].endswith("Z") or "+00:00" in first["values"]["submitted_at"]
    )
    assert stored_counts() == before


def test_the_limit_can_come_in_the_query_and_is_validated(as_user, marketplace):
    client = as_user("admin")
    by_query = client.post(f"{preview_url(marketplace)}?limit=1", **ENGLISH)
    assert by_query.status_code == 200
    assert by_query.json()["record_types"][0]["read"] == 1
    assert client.post(preview_url(marketplace), **ENGLISH).json()["limit"] == 20

    for wrong in (0, 201, "many"):
        refused = client.post(
            preview_url(marketplace), {"limit": wrong}, content_type="application/json", **ENGLISH
        )
        assert refused.status_code == 400, wrong
        assert list(refused.json()) == ["limit"]


@pytest.mark.parametrize("role", ["hr", "east_manager", "east_a"])
def test_only_those_who_edit_sources_may_preview_them(as_user, marketplace, role):
    before = stored_counts()
    assert as_user(role).post(preview_url(marketplace)).status_code == 403
    assert stored_counts() == before


def test_an_unknown_source_is_not_found(as_user):
    assert as_user("admin").post("/api/v1/sources/999/preview/").status_code == 404


# ---- the source page ---------------------------------------------------------------------


def test_the_source_page_previews_with_field_labels_for_admins(as_user, marketplace):
    client = as_user("admin")
    plain = client.get(f"/sources/{marketplace.pk}/", **ENGLISH).content.decode()
    assert 'data-testid="preview-form"' in plain and 'data-testid="preview-rows"' not in plain

    before = stored_counts()
    response = client.get(f"/sources/{marketplace.pk}/?preview=20", **ENGLISH)
    page = response.content.decode()

    assert response.status_code == 200
    assert stored_counts() == before
    assert page.count('data-testid="preview-rows"') == 3
    assert "<th>Customer submitted at</th>" in page and "submitted_at</th>" not in page
    assert "<th>Threshold (hours)</th>" in page and "<th>Due at</th>" in page
    assert "not a number: &#x27;abc&#x27;" in page
    assert "Amount: " in page
    assert "5 source rows read; 1 left out by the filter; 1 records would be refused." in page
    assert "2 records have several candidates for their responsible person." in page


def test_the_source_page_refuses_a_preview_to_hr_and_a_wrong_row_count(as_user, marketplace):
    assert as_user("hr").get(f"/sources/{marketplace.pk}/?preview=20").status_code == 403
    hr_page = as_user("hr").get(f"/sources/{marketplace.pk}/").content.decode()
    assert 'data-testid="preview-form"' not in hr_page

    wrong = as_user("admin").get(f"/sources/{marketplace.pk}/?preview=500", **ENGLISH)
    assert wrong.status_code == 400
    assert "Ensure this value is less than or equal to 200." in wrong.content.decode()


def test_people_are_previewed_through_the_people_import_and_orders_find_them(tmp_path, people):
    from tests.ingest.test_people_sync import HEADER, HRIS_MAPPING

    hris = tmp_path / "people.csv"
    hris.write_text(
        "\n".join(
            [HEADER, "H001,赵主管,华东,高级,,2020-05-01,,在职,", "H002,张三,华东,特级,,,,在职,"]
        ),
        encoding="utf-8",
    )
    files = marketplace_files(tmp_path)
    orders = marketplace_mappings(files)["order"]
    # O1's largest line is S2's: say S2 is H001, a person only the HRIS file knows.
    (tmp_path / "sellers.csv").write_text("seller_id,staff_no\nS1,E001\nS2,H001\n")
    source = Source.objects.create(
        name="hris-and-shop",
        kind="file",
        config={"path": str(hris)},
        mappings={
            "employee": HRIS_MAPPING,
            "order": {**orders, "fetch": {"path": files["orders"]}},
        },
    )
    before = stored_counts()
    previews = {p.record_type: p for p in source_preview(source=source, limit=20)}

    assert stored_counts() == before
    staff = previews["employee"]
    assert [row.values["employee_no"] for row in staff.rows] == ["H001", "H002"]
    assert "Employee number" in [column.label for column in staff.columns]
    assert staff.rows[0].refusals == []
    assert {refusal["field"] for refusal in staff.rows[1].refusals} >= {"level"}
    o1 = next(row for row in previews["order"].rows if row.values["external_id"] == "O1")
    assert (o1.values["merchandiser"], o1.refusals) == ("H001", [])
