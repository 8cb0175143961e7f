"""API of the data sources: sources (admins), syncs, runs and rejected rows (HR and admins), and
the token-guarded webhook."""

import pytest
from django.test import Client

from ingest.api import MAX_WEBHOOK_ROWS
from ingest.models import Feedback, RejectedRow, Source, SyncRun, SyncStatus
from ingest.services import records_push
from ingest.sources import webhook_token_set
from tests.factories import CustomerFactory, EmployeeFactory
from tests.ingest.test_sync import FEEDBACK_MAPPING

pytestmark = pytest.mark.django_db

NOT_OPERATORS = ["east_a", "east_manager"]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def people():
    return {
        "wang": EmployeeFactory(employee_no="E001"),
        "acme": CustomerFactory(external_id="C001"),
    }


@pytest.fixture
def crm(people) -> Source:
    return Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})


def feedback_row(number: int, employee: str = "E001", csat: object = 5) -> dict:
    return {
        "反馈编号": f"FB{number}",
        "客户编码": "C001",
        "跟单员工号": employee,
        "满意度": csat,
        "评价内容": "发货很快",
        "提交时间": "2026-10-08 14:00",
    }


def pushed_run(source: Source) -> SyncRun:
    """A webhook run with two good rows and one naming an unknown employee."""
    rows = [feedback_row(1), feedback_row(2, employee="E999"), feedback_row(3)]
    return records_push(source=source, record_type="feedback", rows=rows, trigger="webhook")


def post_json(client: Client, url: str, body: dict | None = None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


# ---- who may call what --------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_OPERATORS)
def test_merchandisers_and_managers_are_refused_every_endpoint(as_user, crm, role):
    client = as_user(role)
    run = pushed_run(crm)
    for url in [
        "/api/v1/sources/",
        f"/api/v1/sources/{crm.id}/",
        "/api/v1/sync-runs/",
        f"/api/v1/sync-runs/{run.id}/",
        f"/api/v1/sync-runs/{run.id}/rejected-rows/",
    ]:
        assert client.get(url).status_code == 403, url
    assert post_json(client, "/api/v1/sources/", {"name": "x", "kind": "file"}).status_code == 403
    assert post_json(client, f"/api/v1/sources/{crm.id}/sync/").status_code == 403
    assert post_json(client, f"/api/v1/sources/{crm.id}/webhook-token/").status_code == 403
    assert (
        client.patch(
            f"/api/v1/sources/{crm.id}/", {"enabled": False}, content_type="application/json"
        ).status_code
        == 403
    )
    crm.refresh_from_db()
    assert crm.enabled and not crm.webhook_token_hash
    assert SyncRun.objects.count() == 1 and Source.objects.count() == 1


def test_anonymous_callers_are_refused(client, crm):
    run = pushed_run(crm)
    for url in ["/api/v1/sources/", "/api/v1/sync-runs/", f"/api/v1/sync-runs/{run.id}/"]:
        assert client.get(url).status_code == 403, url
    assert post_json(client, f"/api/v1/sources/{crm.id}/sync/").status_code == 403


def test_hr_operates_sources_but_cannot_read_or_edit_their_settings(
    as_user, crm, django_capture_on_commit_callbacks
):
    client = as_user("hr")
    assert client.get("/api/v1/sources/").status_code == 403
    assert client.get(f"/api/v1/sources/{crm.id}/").status_code == 403
    assert post_json(client, "/api/v1/sources/", {"name": "x", "kind": "file"}).status_code == 403
    assert (
        client.patch(
            f"/api/v1/sources/{crm.id}/", {"enabled": False}, content_type="application/json"
        ).status_code
        == 403
    )
    assert post_json(client, f"/api/v1/sources/{crm.id}/webhook-token/").status_code == 403

    with django_capture_on_commit_callbacks(execute=False):
        started = post_json(client, f"/api/v1/sources/{crm.id}/sync/")
    assert started.status_code == 202
    body = started.json()
    assert (body["source"], body["trigger"], body["status"]) == (crm.id, "manual", "queued")
    assert body["triggered_by"] == "hr" and body["finished"] is False
    assert client.get("/api/v1/sync-runs/").json()["count"] == 1
    assert client.get(f"/api/v1/sync-runs/{body['id']}/").status_code == 200


def test_sync_refuses_a_disabled_source_and_an_unknown_one(as_user, crm):
    crm.enabled = False
    crm.save(update_fields=["enabled"])
    client = as_user("admin")
    refused = post_json(client, f"/api/v1/sources/{crm.id}/sync/", **ENGLISH)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "crm is disabled: enable it first."}
    assert post_json(client, "/api/v1/sources/999/sync/").status_code == 404
    assert not SyncRun.objects.exists()


# ---- sources (admins) ---------------------------------------------------------------------------


def test_admin_creates_reads_and_updates_a_source_without_seeing_the_token_hash(as_user, people):
    client = as_user("admin")
    created = post_json(
        client,
        "/api/v1/sources/",
        {
            "name": "erp",
            "kind": "rest",
            "config": {
                "url": "https://erp.example.com/api/orders",
                "token_env": "PERF_SOURCE_ERP_TOKEN",
            },
            "mappings": {"feedback": FEEDBACK_MAPPING},
        },
    )
    assert created.status_code == 201
    source = Source.objects.get(name="erp")
    assert created.json()["mappings"] == {"feedback": FEEDBACK_MAPPING}
    assert source.history.count() == 1

    webhook_token_set(source=source)
    listed = client.get("/api/v1/sources/").json()
    assert [s["name"] for s in listed] == ["erp"]
    assert listed[0]["has_webhook_token"] is True
    assert "webhook_token_hash" not in listed[0]
    retrieved = client.get(f"/api/v1/sources/{source.id}/").content.decode()
    assert source.webhook_token_hash not in retrieved

    changed = client.patch(
        f"/api/v1/sources/{source.id}/", {"enabled": False}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    source.refresh_from_db()
    assert source.enabled is False


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        ({"invoice": {}}, "Unknown record type 'invoice'"),
        ({"feedback": {"fields": {"mood": "心情"}}}, "feedback: perf has no field 'mood'."),
        ({"feedback": {"timezone": "Mars/Olympus"}}, "Unknown time zone 'Mars/Olympus'."),
        (
            {"feedback": {"fields": {"external_id": "编号"}}},
            "feedback: the mapping must fill customer, employee, submitted_at",
        ),
        (["feedback"], "one object per record type"),
    ],
)
def test_a_wrong_mapping_is_refused_with_its_reason(as_user, mappings, message):
    response = post_json(
        as_user("admin"),
        "/api/v1/sources/",
        {"name": "bad", "kind": "file", "mappings": mappings},
        **ENGLISH,
    )
    assert response.status_code == 400
    assert message in response.json()["mappings"][0]
    assert not Source.objects.exists()


def test_admin_gets_a_new_webhook_token_once(as_user, crm):
    response = post_json(as_user("admin"), f"/api/v1/sources/{crm.id}/webhook-token/")
    assert response.status_code == 201
    body = response.json()
    assert body["webhook_url"] == f"http://testserver/api/v1/sources/{crm.id}/webhook/"
    crm.refresh_from_db()
    assert crm.webhook_token_hash and body["token"] not in crm.webhook_token_hash
    again = post_json(as_user("admin"), f"/api/v1/sources/{crm.id}/webhook-token/").json()
    assert again["token"] != body["token"]


# ---- runs and rejected rows (HR and admins) -----------------------------------------------------


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_a_runs_status_counts_and_rejected_rows(as_user, crm, role):
    run = pushed_run(crm)
    client = as_user(role)

    detail = client.get(f"/api/v1/sync-runs/{run.id}/").json()
    assert detail["status"] == "succeeded" and detail["finished"] is True
    assert (detail["fetched"], detail["created"], detail["rejected"]) == (3, 2, 1)
    assert detail["batches"] == 1 and detail["record_type"] == ""
    assert detail["periods"] == ["2026-10"] and detail["duration_seconds"] >= 0

    rows = client.get(f"/api/v1/sync-runs/{run.id}/rejected-rows/").json()
    assert rows["count"] == 1
    row = rows["results"][0]
    assert (row["row_number"], row["external_id"], row["resolved"]) == (2, "FB2", False)
    assert row["reasons"][0]["field"] == "employee" and "'E999'" in row["reasons"][0]["message"]
    assert row["raw"]["跟单员工号"] == "E999"


def test_rejected_rows_are_paginated(as_user, crm):
    run = SyncRun.objects.create(source=crm, status=SyncStatus.SUCCEEDED)
    RejectedRow.objects.bulk_create(
        RejectedRow(run=run, record_type="feedback", row_number=n, raw={}, reasons=[])
        for n in range(2, 62)
    )
    client = as_user("hr")
    first = client.get(f"/api/v1/sync-runs/{run.id}/rejected-rows/").json()
    second = client.get(f"/api/v1/sync-runs/{run.id}/rejected-rows/", {"page": 2}).json()
    assert first["count"] == 60 and len(first["results"]) == 50 and first["next"]
    assert [r["row_number"] for r in second["results"]] == list(range(52, 62))


def test_runs_are_filtered_by_source_and_status(as_user, crm):
    other = Source.objects.create(name="erp", kind="rest")
    SyncRun.objects.create(source=crm, status=SyncStatus.SUCCEEDED)
    failed = SyncRun.objects.create(source=crm, status=SyncStatus.FAILED, error="timeout")
    SyncRun.objects.create(source=other, status=SyncStatus.FAILED)
    client = as_user("hr")

    def ids(**query) -> list[int]:
        return [run["id"] for run in client.get("/api/v1/sync-runs/", query).json()["results"]]

    assert len(ids()) == 3
    assert len(ids(source=crm.id)) == 2
    assert ids(source=crm.id, status="failed") == [failed.id]
    assert client.get("/api/v1/sync-runs/", {"status": "lost"}).status_code == 400
    assert client.get("/api/v1/sync-runs/999/").status_code == 404


def test_the_runs_list_reads_in_a_bounded_number_of_queries(
    as_user, org_chart, crm, django_assert_max_num_queries
):
    client = as_user("hr")
    for _ in range(30):
        SyncRun.objects.create(source=crm, triggered_by=org_chart["hr"].user, status="succeeded")
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/sync-runs/").json()["count"] == 30


# ---- the webhook --------------------------------------------------------------------------------


@pytest.fixture
def token(crm) -> str:
    return webhook_token_set(source=crm)


def webhook(crm: Source, body: dict, token: str | None = None, **headers):
    """POST to the webhook as an outside system would: no session, CSRF checks on."""
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client = Client(enforce_csrf_checks=True)
    return post_json(client, f"/api/v1/sources/{crm.id}/webhook/", body, **headers)


def test_the_right_token_lands_the_good_rows_and_reports_the_bad_ones(crm, token):
    rows = [feedback_row(1), feedback_row(2, csat="很好"), feedback_row(3)]
    response = webhook(crm, {"record_type": "feedback", "rows": rows}, token, **ENGLISH)

    assert response.status_code == 200
    body = response.json()
    run = body["run"]
    assert (run["trigger"], run["status"], run["fetched"], run["created"], run["rejected"]) == (
        "webhook",
        "succeeded",
        3,
        2,
        1,
    )
    assert body["rejected_rows"] == [
        {
            "id": RejectedRow.objects.get().id,
            "run": run["id"],
            "record_type": "feedback",
            "row_number": 2,
            "external_id": "FB2",
            "reasons": [
                {
                    "field": "csat",
                    "field_label": "CSAT (1–5)",
                    "message": "not a whole number of zero or more: '很好'",
                    "code": "{problem}: {value!r}",
                    "params": {
                        "problem": {"code": "not a whole number of zero or more"},
                        "value": "很好",
                    },
                }
            ],
            "raw": rows[1],
            "resolved": False,
            "replayed_by": None,
        }
    ]
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["FB1", "FB3"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Bearer ", "Basic YWRtaW46cHc=", "token-without-scheme"],
    ids=["missing", "wrong", "empty", "basic", "no-scheme"],
)
def test_a_missing_or_wrong_token_is_401_and_lands_nothing(crm, token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = webhook(crm, {"record_type": "feedback", "rows": [feedback_row(1)]}, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not SyncRun.objects.exists() and not Feedback.objects.exists()


def test_a_source_without_a_token_refuses_every_call(crm):
    for attempt in ["", "anything"]:
        response = webhook(crm, {"record_type": "feedback", "rows": [feedback_row(1)]}, attempt)
        assert response.status_code == 401
    assert not SyncRun.objects.exists()


def test_another_sources_token_or_an_unknown_source_is_401(crm, token, people):
    other = Source.objects.create(name="erp", kind="rest", mappings={"feedback": FEEDBACK_MAPPING})
    body = {"record_type": "feedback", "rows": [feedback_row(1)]}
    assert webhook(other, body, token).status_code == 401
    other.pk = 999
    assert webhook(other, body, token).status_code == 401


def test_a_signed_in_session_is_not_a_webhook_token(as_user, crm, token):
    response = post_json(
        as_user("admin"),
        f"/api/v1/sources/{crm.id}/webhook/",
        {"record_type": "feedback", "rows": [feedback_row(1)]},
    )
    assert response.status_code == 401


def test_too_many_rows_are_refused_with_the_limit(crm, token):
    rows = [feedback_row(n) for n in range(MAX_WEBHOOK_ROWS + 1)]
    response = webhook(crm, {"record_type": "feedback", "rows": rows}, token, **ENGLISH)
    assert response.status_code == 413
    assert response.json() == {"detail": "5001 rows sent; at most 5000 per call."}
    assert not SyncRun.objects.exists()


def test_a_malformed_push_is_400_with_its_reason(crm, token):
    unmapped = webhook(crm, {"record_type": "order", "rows": [{"a": 1}]}, token, **ENGLISH)
    assert unmapped.status_code == 400
    assert unmapped.json() == {"record_type": ["The source crm has no mapping for order."]}
    not_rows = webhook(crm, {"record_type": "feedback", "rows": "FB1"}, token)
    assert not_rows.status_code == 400 and "rows" in not_rows.json()
    empty = webhook(crm, {"record_type": "feedback", "rows": []}, token)
    assert empty.status_code == 400 and "rows" in empty.json()
    assert not SyncRun.objects.exists()


def test_a_disabled_source_refuses_pushes(crm, token):
    crm.enabled = False
    crm.save(update_fields=["enabled"])
    response = webhook(crm, {"record_type": "feedback", "rows": [feedback_row(1)]}, token)
    assert response.status_code == 403
    assert not Feedback.objects.exists()


# ---- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_ingest_endpoints(as_user):
    schema = as_user("admin").get("/api/schema/").content.decode()
    for path in [
        "/api/v1/sources/",
        "/api/v1/sources/{id}/sync/",
        "/api/v1/sources/{id}/webhook-token/",
        "/api/v1/sources/{source_id}/webhook/",
        "/api/v1/sync-runs/",
        "/api/v1/sync-runs/{run_id}/",
        "/api/v1/sync-runs/{run_id}/rejected-rows/",
    ]:
        assert path in schema, path
    assert "webhook_token_hash" not in schema


def test_a_push_whose_rows_all_lack_a_mapped_column_rejects_them_with_the_reason(crm, token):
    """Every row lacks the comment column the mapping names: each is refused naming it, no 500."""
    row = feedback_row(1)
    del row["评价内容"]
    response = webhook(crm, {"record_type": "feedback", "rows": [row]}, token, **ENGLISH)
    assert response.status_code == 200
    assert response.json()["run"]["status"] == "succeeded"
    assert [r["reasons"][0]["message"] for r in response.json()["rejected_rows"]] == [
        "the source row has no field '评价内容'"
    ]
    assert not Feedback.objects.exists()
