"""Limits (issue 15, point 4, and the NUL rows of point 5): request bodies have a size limit,
answered with 413 and a clear message before anything reads them, the views that take files or
pushed rows have their own bound, and a NUL character in an uploaded or pushed row rejects that
row alone while the run finishes."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from appeals.models import Appeal, Comment, Evidence
from appeals.services import appeal_create
from indicators.models import WeightScheme
from ingest.models import Feedback, RejectedRow, Source, SyncRun, SyncStatus
from ingest.sources import webhook_token_set
from tests.clock import LAST_MONTH, at, stamp
from tests.factories import CustomerFactory, EmployeeFactory, OrderFactory
from tests.ingest.conftest import worded
from tests.ingest.test_sync import FEEDBACK_MAPPING

pytestmark = pytest.mark.django_db
PERIOD_HELP = "Write the period as YYYY-MM, YYYY-Qn or YYYY-Wnn (for example 2026-10)."
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
MB = 1024 * 1024
EIGHT_MB = "8.0\xa0MB"
ONE_MB = "1.0\xa0MB"
DEFAULT_LIMIT = "2.5\xa0MB"


@pytest.fixture
def appeal(org_chart):
    order = OrderFactory(
        merchandiser=org_chart["east_a"],
        submitted_at=at(LAST_MONTH, 5, 9),
        source_created_at=at(LAST_MONTH, 5, 9),
        confirmed_at=at(LAST_MONTH, 5, 11),
    )
    return appeal_create(
        user=org_chart["east_a"].user,
        record_type="order",
        record_id=order.pk,
        field_name="confirmed_at",
        claimed_value=stamp(5, 10),
        category="other",
        description="Confirmed by phone.",
    )


# ---- bodies -----------------------------------------------------------------------------------


def test_an_8_mb_body_to_the_ahp_endpoint_is_refused_at_once(org_chart):
    client = APIClient(**ENGLISH)
    client.force_authenticate(org_chart["east_a"].user)
    body = b'{"matrix": [[' + b"1," * (4 * MB - 1) + b"1]]}"
    assert len(body) > 8 * MB - 16
    started = time.monotonic()
    response = client.post("/api/v1/ahp/evaluate/", body, content_type="application/json")
    assert time.monotonic() - started < 2
    assert response.status_code == 413
    limit = f"at most {DEFAULT_LIMIT} accepted here."
    assert response.json() == {"detail": f"The request is too large: {EIGHT_MB} sent, {limit}"}


def test_an_8_mb_appeal_description_or_comment_is_refused_and_not_stored(org_chart, appeal):
    client = APIClient(**ENGLISH)
    client.force_authenticate(org_chart["east_a"].user)
    huge = "x" * (8 * MB)
    filed = client.post(
        "/api/v1/appeals/",
        {"record_type": "order", "record_id": appeal.record_id, "field_name": "delivered_at",
         "claimed_value": stamp(9, 10), "category": "other", "description": huge},
        format="json",
    )  # fmt: skip
    assert filed.status_code == 413
    assert "The request is too large" in filed.json()["detail"]
    comment = client.post(f"/api/v1/appeals/{appeal.pk}/comments/", {"text": huge}, format="json")
    assert comment.status_code == 413
    assert Appeal.objects.count() == 1 and not Comment.objects.exists()


def test_an_oversized_form_is_a_413_page_with_the_message(as_user, appeal):
    client = as_user("east_a")
    response = client.post(f"/appeals/{appeal.pk}/comment/", {"text": "y" * (3 * MB)}, **ENGLISH)
    assert response.status_code == 413
    page = response.content.decode()
    assert 'data-testid="refusal"' in page
    assert f"The request is too large: 3.0\xa0MB sent, at most {DEFAULT_LIMIT} accepted here." in (
        page
    )
    assert not Comment.objects.exists()


def test_too_many_form_fields_are_a_400_with_the_message(as_user, appeal):
    client = as_user("east_a")
    fields = {f"f{n}": "1" for n in range(1100)}
    response = client.post(f"/appeals/{appeal.pk}/comment/", fields, **ENGLISH)
    assert response.status_code == 400
    assert "Too many form fields were sent: at most 1000 are accepted." in response.content.decode()


def test_the_limit_is_a_setting(org_chart, settings):
    settings.PERF_MAX_BODY_BYTES = 200 * 1024
    client = APIClient(**ENGLISH)
    client.force_authenticate(org_chart["east_a"].user)
    body = json.dumps({"matrix": [[1, 2], [0.5, 1]], "pad": "x" * 150_000})
    assert (
        client.post("/api/v1/ahp/evaluate/", body, content_type="application/json").status_code
        == 200
    )
    body = json.dumps({"matrix": [[1, 2], [0.5, 1]], "pad": "x" * 250_000})
    refused = client.post("/api/v1/ahp/evaluate/", body, content_type="application/json")
    assert refused.status_code == 413
    assert "at most 200.0\xa0KB accepted here" in refused.json()["detail"]


def test_evidence_above_the_form_limit_but_within_its_own_is_accepted(org_chart, appeal, settings):
    settings.PERF_APPEALS = {**settings.PERF_APPEALS, "max_evidence_mb": 4}
    client = APIClient(**ENGLISH)
    client.force_authenticate(org_chart["east_a"].user)
    pdf = b"%PDF-1.7\n" + b"0" * (3 * MB)
    url = f"/api/v1/appeals/{appeal.pk}/evidence/"
    upload = client.post(url, {"file": SimpleUploadedFile("log.pdf", pdf)}, format="multipart")
    assert upload.status_code == 201
    assert Evidence.objects.get().size == len(pdf)
    # Beyond the evidence limit and its envelope: refused before the file is read.
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (6 * MB))
    refused = client.post(url, {"file": big}, format="multipart")
    assert refused.status_code == 413
    assert "at most 5.0\xa0MB accepted here" in refused.json()["detail"]
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["/api/v1/ahp/evaluate/", "/api/v1/appeals/", "/api/v1/score-runs/"]
)
@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 50_000 + b"1" + b"}" * 50_000]
)
def test_json_nested_too_deeply_is_a_400_not_a_server_error(org_chart, url, body):
    """200 KB of brackets: well within the size limit, deeper than Python's parser goes."""
    client = APIClient(**ENGLISH)
    client.force_authenticate(org_chart["hr"].user)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON sent is nested too deeply to be read."}


@pytest.fixture
def people():
    return {
        "wang": EmployeeFactory(employee_no="E001"),
        "acme": CustomerFactory(external_id="C001"),
    }


@pytest.fixture
def crm(people) -> Source:
    return Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})


def feedback_row(number: int, comment: str = "发货很快") -> dict:
    return {"反馈编号": f"FB{number}", "客户编码": "C001", "跟单员工号": "E001", "满意度": 5,
            "评价内容": comment, "提交时间": stamp(8, 14)}  # fmt: skip


def webhook(source: Source, body: bytes, token: str):
    client = Client(enforce_csrf_checks=True)
    return client.post(
        f"/api/v1/sources/{source.id}/webhook/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **ENGLISH,
    )


def test_a_webhook_push_nested_too_deeply_is_a_400(crm):
    token = webhook_token_set(source=crm)
    response = webhook(crm, b"[" * 100_000 + b"]" * 100_000, token)
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON sent is nested too deeply to be read."}
    assert not SyncRun.objects.exists()


def test_a_webhook_push_has_its_own_bound(crm, settings):
    token = webhook_token_set(source=crm)
    # 1,000 rows with long comments: about 6 MB, above the form limit, within the push bound.
    rows = [feedback_row(n, comment="很好" * 500) for n in range(1000)]
    body = json.dumps({"record_type": "feedback", "rows": rows}).encode()
    assert len(body) > 5 * MB
    assert webhook(crm, body, token).status_code == 200
    assert Feedback.objects.count() == 1000
    settings.PERF_MAX_PUSH_BYTES = MB
    refused = webhook(crm, body, token)
    assert refused.status_code == 413
    assert f"at most {ONE_MB} accepted here" in refused.json()["detail"]


# ---- NUL characters in rows -------------------------------------------------------------------


def test_a_nul_in_a_webhook_row_rejects_that_row_and_the_run_finishes(crm):
    token = webhook_token_set(source=crm)
    rows = [feedback_row(1), feedback_row(2, comment="坏\x00了"), feedback_row(3)]
    body = json.dumps({"record_type": "feedback", "rows": rows}).encode()
    assert b"\\u0000" in body

    response = webhook(crm, body, token)

    assert response.status_code == 200
    run = SyncRun.objects.get()
    assert (run.status, run.created, run.rejected) == (SyncStatus.SUCCEEDED, 2, 1)
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["FB1", "FB3"]
    rejected = RejectedRow.objects.get()
    assert rejected.external_id == "FB2"
    assert worded(rejected.reasons) == [
        {"field": "comment", "message": "holds a NUL character, which cannot be stored"}
    ]


def test_a_nul_in_an_uploaded_csv_row_rejects_that_row_and_the_run_finishes(as_user, crm):
    header = ",".join(FEEDBACK_MAPPING["fields"].values())
    lines = [
        header,
        "FB1,C001,E001,5,好,2026-10-08 14:00",
        "FB2,C001,E001,4,坏\x00了,2026-10-09 14:00",
        "FB\x003,C001,E001,4,还行,2026-10-10 14:00",
        "FB4,C001,E001,3,一般,2026-10-11 14:00",
    ]
    content = ("\n".join(lines) + "\n").encode()
    upload = SimpleUploadedFile("反馈.csv", content)

    response = as_user("hr").post(
        f"/sources/{crm.id}/", {"record_type": "feedback", "file": upload}, **ENGLISH
    )

    run = SyncRun.objects.get()
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    assert (run.status, run.fetched, run.created, run.rejected) == (SyncStatus.SUCCEEDED, 4, 2, 2)
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["FB1", "FB4"]
    kept = {row.external_id: row for row in RejectedRow.objects.all()}
    assert set(kept) == {"FB2", "FB\ufffd3"}
    assert kept["FB2"].raw["评价内容"] == "坏\ufffd了"
    assert all(
        "NUL" in reason["message"] for row in kept.values() for reason in worded(row.reasons)
    )
    page = as_user("hr").get(response.url, **ENGLISH).content.decode()
    assert page.count('data-testid="rejected-row"') == 2
    assert "holds a NUL character, which cannot be stored" in page


# ---- other parameters parsed by hand ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/scores/?period={period}"), ("post", "/api/v1/score-runs/")],
)
@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("9999-12", "Choose a period between 2000 and 2100."),
        ("1999-12", "Choose a period between 2000 and 2100."),
        ("20\x0026-10", "Null characters are not allowed."),
        (
            "October",
            PERIOD_HELP,
        ),
    ],
    ids=["9999", "1999", "nul", "words"],
)
def test_the_scoring_api_refuses_a_period_outside_the_years_scored(
    org_chart, method, url, period, message
):
    client = APIClient(**ENGLISH)
    client.force_authenticate(org_chart["hr"].user)
    if method == "get":
        if "\x00" in period:
            message = PERIOD_HELP
        response = client.get(url.format(period=period.replace("\x00", "%00")))
    else:
        response = client.post(url, {"period": period}, format="json")
    assert response.status_code == 400
    assert response.json() == {"period": [message]}


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"matrix": "ti\x00ers"}, "Matrix: Null characters are not allowed."),
        ({"matrix": "tiers", "expert": "专\x00家"}, "Expert: Null characters are not allowed."),
        ({"matrix": "tiers", "cell-0-1": "1e400"}, "Row 1, column 2: 1e400 is not a judgment."),
    ],
    ids=["nul-matrix", "nul-expert", "overflowing-judgment"],
)
def test_the_weight_editor_refuses_bad_judgments_with_the_field(as_user, posted, message):
    scheme = WeightScheme.objects.order_by("pk").first()
    client = as_user("admin")
    url = f"/indicators/schemes/{scheme.pk}/judgments/"
    response = client.post(url, posted, follow=True, **ENGLISH)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("value", ["1MB", "-1", "1000"])
def test_a_malformed_body_limit_stops_start_up_with_a_clear_message(value):
    environment = {**os.environ, "SECRET_KEY": "x", "PERF_MAX_BODY_BYTES": value}
    loaded = subprocess.run(
        [sys.executable, "-c", "import perf.settings"],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode != 0
    assert "PERF_MAX_BODY_BYTES must be a number of bytes of at least 65536" in loaded.stderr
