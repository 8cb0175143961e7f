"""Pages of the data sources: who may open them, sync now, file upload with its error report,
replay, run progress, freshness, and their query counts."""

import datetime as dt
import hashlib
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ingest.models import Feedback, LedgerEntry, RejectedRow, Source, SyncRun, SyncStatus
from org.import_files import MAX_UPLOAD_BYTES
from tests.factories import EmployeeFactory
from tests.ingest.conftest import sync_finished
from tests.ingest.test_sync import FEEDBACK_MAPPING

pytestmark = pytest.mark.django_db

NOT_OPERATORS = ["east_a", "east_manager"]
OPERATORS = ["hr", "admin"]
HEADER = list(FEEDBACK_MAPPING["fields"].values())
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def crm(people) -> Source:
    return Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})


def xlsx(*rows) -> bytes:
    book = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def feedback_file(name: str = "反馈.xlsx", content: bytes | None = None) -> SimpleUploadedFile:
    """Three feedback rows; the one on Excel row 3 names an employee perf does not know."""
    content = content or xlsx(
        ["FB1", "C001", "E001", 5, "发货很快", dt.datetime(2026, 10, 8, 14)],
        ["FB2", "C002", "E999", 4, "还不错", dt.datetime(2026, 10, 9, 10)],
        ["FB3", "C001", "E002", 4, "", dt.datetime(2026, 10, 11, 16, 30)],
    )
    return SimpleUploadedFile(name, content)


def csv_source(tmp_path, *lines: str) -> Source:
    """A file source reading a CSV of feedback rows from the server's disk."""
    path = tmp_path / "crm.csv"
    path.write_text("\n".join([",".join(HEADER), *lines]) + "\n", encoding="utf-8")
    return Source.objects.create(
        name="crm-csv",
        kind="file",
        config={"path": str(path)},
        mappings={"feedback": FEEDBACK_MAPPING},
    )


def finished_run(source: Source, **fields) -> SyncRun:
    now = timezone.now()
    fields = {"status": SyncStatus.SUCCEEDED, "started_at": now, "finished_at": now} | fields
    return SyncRun.objects.create(source=source, **fields)


# ---- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_OPERATORS)
def test_merchandisers_and_managers_are_refused_every_page_and_action(as_user, crm, role):
    client = as_user(role)
    run = finished_run(crm)
    for url in ["/sources/", f"/sources/{crm.id}/", f"/sources/runs/{run.id}/"]:
        assert client.get(url).status_code == 403, url
    for url in [f"/sources/{crm.id}/sync/", f"/sources/{crm.id}/replay/"]:
        assert client.post(url).status_code == 403, url
    upload = {"record_type": "feedback", "file": feedback_file()}
    assert client.post(f"/sources/{crm.id}/", upload).status_code == 403
    assert SyncRun.objects.count() == 1 and not Feedback.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client, crm):
    run = finished_run(crm)
    for url in ["/sources/", f"/sources/{crm.id}/", f"/sources/runs/{run.id}/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert client.post(f"/sources/{crm.id}/sync/").status_code == 302
    assert SyncRun.objects.count() == 1


@pytest.mark.parametrize("role", OPERATORS)
def test_hr_and_admins_open_every_page(as_user, crm, role):
    client = as_user(role)
    run = finished_run(crm, fetched=7, created=5, updated=1, unchanged=1)
    sources = client.get("/sources/").content.decode()
    assert 'data-source="crm"' in sources and 'data-testid="sync-now"' in sources
    assert f'href="/sources/runs/{run.id}/"' in sources
    detail = client.get(f"/sources/{crm.id}/").content.decode()
    assert 'data-testid="run-row"' in detail and 'data-testid="upload"' in detail
    page = client.get(f"/sources/runs/{run.id}/").content.decode()
    assert 'data-testid="created">5<' in page


@pytest.mark.parametrize(
    ("role", "shown"), [("east_a", False), ("east_manager", False), ("hr", True), ("admin", True)]
)
def test_only_hr_and_admins_see_the_sources_link(as_user, role, shown):
    """Behind the header's Administration link, on the admin home."""
    client = as_user(role)
    html = client.get("/indicators/").content.decode()
    assert ('href="/manage/"' in html) is shown
    if shown:
        assert 'href="/sources/"' in client.get("/manage/").content.decode()


def test_only_admins_are_pointed_to_editing_sources(as_user, crm):
    edit = f"/admin/ingest/source/{crm.id}/change/"
    assert edit in as_user("admin").get(f"/sources/{crm.id}/").content.decode()
    assert edit not in as_user("hr").get(f"/sources/{crm.id}/").content.decode()


def test_an_unknown_source_or_run_is_404(as_user):
    client = as_user("hr")
    assert client.get("/sources/999/").status_code == 404
    assert client.get("/sources/runs/999/").status_code == 404
    assert client.post("/sources/999/sync/").status_code == 404


# ---- sync now -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sync_now_on_a_file_source_leads_to_the_run_page_with_its_counts(as_user, people, tmp_path):
    source = csv_source(
        tmp_path,
        "FB7,C002,E001,3,一般般吧,2026-10-12 09:00",
        "FB8,C001,E002,5,很好,2026-10-13 10:00",
        "FB9,C001,E404,5,很好,2026-10-13 11:00",
    )
    client = as_user("hr")

    # The pull runs in the background once the request's transaction commits.
    response = client.post(f"/sources/{source.id}/sync/")

    run = sync_finished(SyncRun.objects.get(source=source).pk)
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    assert (run.trigger, run.status, run.triggered_by.username) == ("manual", "succeeded", "hr")
    page = client.get(response.url, **ENGLISH).content.decode()
    assert 'data-testid="fetched">3<' in page and 'data-testid="created">2<' in page
    assert 'data-testid="rejected">1<' in page and "2 good rows landed." in page
    assert "data-sync-status-url" not in page  # finished: nothing to poll
    # The reason's words are in the language the pull ran in; its field and value are not.
    assert "<li>employee: " in page and "&#x27;E404&#x27;" in page
    sources = client.get("/sources/").content.decode()
    assert 'data-testid="stale"' not in sources


def test_sync_now_refuses_a_disabled_source(as_user, crm):
    crm.enabled = False
    crm.save(update_fields=["enabled"])
    client = as_user("admin")
    assert 'data-testid="sync-now"' not in client.get("/sources/").content.decode()
    response = client.post(f"/sources/{crm.id}/sync/")
    assert response.status_code == 302 and response.url == "/sources/"
    assert not SyncRun.objects.exists()


def test_sync_now_needs_a_post(as_user, crm):
    assert as_user("hr").get(f"/sources/{crm.id}/sync/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_source_that_cannot_be_read_shows_its_error_on_the_run_page(client, org_chart):
    """The pull fails in the background (Celery runs inline here: a thread); the run is failed
    with the connector's message, which its page shows."""
    source = Source.objects.create(
        name="gone",
        kind="file",
        config={"path": "/nonexistent/crm.csv"},
        mappings={"feedback": FEEDBACK_MAPPING},
    )
    client.force_login(org_chart["hr"].user)

    response = client.post(f"/sources/{source.id}/sync/")

    run = sync_finished(SyncRun.objects.get(source=source).pk)
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    assert run.status == SyncStatus.FAILED and "/nonexistent/crm.csv" in run.error
    page = client.get(response.url).content.decode()
    assert 'data-testid="run-error"' in page and "/nonexistent/crm.csv" in page


# ---- upload -------------------------------------------------------------------------------------


def test_an_xlsx_upload_lands_the_good_rows_and_reports_the_bad_one(as_user, crm):
    client = as_user("hr")

    response = client.post(
        f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_file()}, **ENGLISH
    )

    run = SyncRun.objects.get(source=crm)
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    assert (run.trigger, run.fetched, run.created, run.rejected) == ("upload", 3, 2, 1)
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["FB1", "FB3"]
    page = client.get(response.url, **ENGLISH).content.decode()
    assert "2 good rows landed." in page and "1 row was rejected" in page
    assert page.count('data-testid="rejected-row"') == 1
    # Excel row 3 (the header is row 1), its external id, the reason and the row as it came.
    assert "<td>3</td><td>feedback</td><td>FB2</td>" in page
    assert "employee: unknown employee &#x27;E999&#x27; (looked up by employee number)" in page
    assert "<code>跟单员工号=E999</code>" in page


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("反馈.txt", b"a,b\n1,2\n"), "is not an Excel (.xlsx) or CSV"),
        (
            SimpleUploadedFile("big.csv", b"x" * (MAX_UPLOAD_BYTES + 1)),
            "files of at most 10.0\xa0MB are accepted",
        ),
    ],
    ids=["wrong-type", "too-large"],
)
def test_an_upload_of_the_wrong_type_or_size_is_refused_with_a_clear_error(
    as_user, crm, upload, message
):
    response = as_user("hr").post(
        f"/sources/{crm.id}/", {"record_type": "feedback", "file": upload}, **ENGLISH
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SyncRun.objects.exists()


def test_an_unreadable_file_or_an_unmapped_type_shows_the_message(as_user, crm):
    client = as_user("hr")
    broken = client.post(
        f"/sources/{crm.id}/",
        {"record_type": "feedback", "file": feedback_file("坏.xlsx", b"not a workbook")},
        **ENGLISH,
    )
    assert broken.status_code == 200
    assert 'data-testid="upload-error"' in broken.content.decode()
    unmapped = client.post(
        f"/sources/{crm.id}/", {"record_type": "order", "file": feedback_file()}, **ENGLISH
    )
    assert unmapped.status_code == 200
    assert "Select a valid choice" in unmapped.content.decode()
    assert not SyncRun.objects.exists()


def test_a_broken_mapping_is_reported_on_the_form(as_user, people):
    source = Source.objects.create(
        name="crm-old",
        kind="file",
        mappings={"feedback": {**FEEDBACK_MAPPING, "timezone": "Mars/Olympus"}},
    )
    response = as_user("hr").post(
        f"/sources/{source.id}/", {"record_type": "feedback", "file": feedback_file()}, **ENGLISH
    )
    assert response.status_code == 200
    assert "Unknown time zone &#x27;Mars/Olympus&#x27;." in response.content.decode()


# ---- replay -------------------------------------------------------------------------------------


def test_replay_lands_a_rejected_row_once_the_employee_exists(as_user, crm):
    client = as_user("admin")
    client.post(f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_file()})
    EmployeeFactory(employee_no="E999")

    response = client.post(f"/sources/{crm.id}/replay/")

    replay = SyncRun.objects.get(source=crm, trigger="replay")
    assert response.status_code == 302 and response.url == f"/sources/runs/{replay.id}/"
    assert (replay.created, replay.rejected) == (1, 0)
    assert Feedback.objects.filter(external_id="FB2").exists()
    assert RejectedRow.objects.get().replayed_by == replay


def test_replay_with_a_broken_mapping_says_so_on_the_source_page(as_user, crm):
    client = as_user("hr")
    client.post(f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_file()})
    Source.objects.filter(pk=crm.pk).update(
        mappings={"feedback": {**FEEDBACK_MAPPING, "timezone": "Mars/Olympus"}}
    )
    response = client.post(f"/sources/{crm.id}/replay/", follow=True, **ENGLISH)
    assert response.redirect_chain[-1][0] == f"/sources/{crm.id}/"
    assert "Unknown time zone" in response.content.decode()


# ---- the run page -------------------------------------------------------------------------------


def test_a_running_run_page_polls_its_status_endpoint(as_user, crm):
    run = SyncRun.objects.create(
        source=crm, status=SyncStatus.RUNNING, started_at=timezone.now(), record_type="feedback"
    )
    run.batches, run.fetched = 3, 6000
    run.save(update_fields=["batches", "fetched"])
    page = as_user("hr").get(f"/sources/runs/{run.id}/", **ENGLISH).content.decode()
    assert f'data-sync-status-url="/api/v1/sync-runs/{run.id}/"' in page
    assert "/static/js/sync-progress.js" in page
    assert 'data-field="batches">3<' in page and 'data-testid="fetched">6000<' in page
    assert "Customer feedback" in page  # the record type being synced


def test_the_static_polling_script_is_served(client):
    response = client.get("/static/js/sync-progress.js")
    assert response.status_code == 200
    assert b"data-sync-status-url" in b"".join(response.streaming_content)


def test_rejected_rows_are_shown_fifty_per_page(as_user, crm):
    run = finished_run(crm, fetched=60, rejected=60)
    RejectedRow.objects.bulk_create(
        RejectedRow(
            run=run,
            record_type="feedback",
            row_number=number,
            external_id=f"FB{number}",
            raw={"反馈编号": f"FB{number}"},
            reasons=[{"field": "csat", "message": "not a number"}],
        )
        for number in range(2, 62)
    )
    client = as_user("hr")
    first = client.get(f"/sources/runs/{run.id}/").content.decode()
    second = client.get(f"/sources/runs/{run.id}/", {"page": 2}, **ENGLISH).content.decode()
    assert first.count('data-testid="rejected-row"') == 50
    assert second.count('data-testid="rejected-row"') == 10
    assert "<td>61</td>" in second and "CSAT (1–5): not a number" in second


# ---- freshness ----------------------------------------------------------------------------------


def test_a_source_without_a_success_in_26_hours_is_flagged_stale(as_user, people):
    now = timezone.now()
    fresh = Source.objects.create(name="fresh", kind="file")
    old = Source.objects.create(name="old", kind="file")
    Source.objects.create(name="never", kind="file")
    finished_run(fresh, finished_at=now - dt.timedelta(hours=25))
    finished_run(old, finished_at=now - dt.timedelta(hours=27))
    # A failure since does not make old data fresh.
    finished_run(old, status=SyncStatus.FAILED, error="timeout")
    html = as_user("hr").get("/sources/").content.decode()

    def row(name: str) -> str:
        start = html.index(f'data-source="{name}"')
        return html[start : html.index("</tr>", start)]

    assert 'data-testid="stale"' not in row("fresh")
    assert 'data-testid="stale"' in row("old") and "status-failed" in row("old")
    assert 'data-testid="stale"' in row("never")


# ---- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "most"),
    # The sources pages: one more for the open conflicts with corrections.
    [("/sources/", 7), ("/sources/{source}/", 7), ("/sources/runs/{run}/", 7)],
)
def test_pages_read_in_a_bounded_number_of_queries(
    as_user, people, django_assert_max_num_queries, url, most
):
    client = as_user("admin")
    sources = [
        Source.objects.create(name=f"src{n}", kind="file", mappings={"feedback": FEEDBACK_MAPPING})
        for n in range(5)
    ]
    for source in sources:
        for _ in range(3):
            run = finished_run(source, fetched=2, rejected=2)
            RejectedRow.objects.bulk_create(
                RejectedRow(run=run, record_type="feedback", row_number=n, raw={}, reasons=[])
                for n in (2, 3)
            )
    with django_assert_max_num_queries(most):
        response = client.get(url.format(source=sources[0].id, run=run.id))
    assert response.status_code == 200


# ---- the admin ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_admin_action_syncs_the_selected_sources(as_user, people, tmp_path):
    source = csv_source(tmp_path, "FB7,C002,E001,3,一般,2026-10-12 09:00")
    client = as_user("admin")
    response = client.post(
        "/admin/ingest/source/", {"action": "sync_now", "_selected_action": [source.id]}
    )
    run = sync_finished(SyncRun.objects.get(source=source).pk)
    assert response.status_code == 302
    assert (run.trigger, run.status, run.created) == ("manual", "succeeded", 1)
    changelist = client.get(response.url).content.decode()
    assert f'href="/sources/runs/{run.id}/"' in changelist


def test_admin_action_shows_a_new_webhook_token_once_and_keeps_its_hash(as_user, crm):
    response = as_user("admin").post(
        "/admin/ingest/source/", {"action": "new_webhook_token", "_selected_action": [crm.id]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-testid="token">') + len('data-testid="token">')
    token = html[start : html.index("<", start)]
    crm.refresh_from_db()
    assert crm.webhook_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert f"/api/v1/sources/{crm.id}/webhook/" in html


def test_the_admin_refuses_a_source_with_a_wrong_mapping(as_user):
    response = as_user("admin").post(
        "/admin/ingest/source/add/",
        {
            "name": "bad",
            "kind": "file",
            "config": "{}",
            "mappings": json.dumps({"feedback": {"fields": {"mood": "心情"}}}),
            "enabled": "on",
        },
        **ENGLISH,
    )
    assert response.status_code == 200
    assert "feedback: perf has no field &#x27;mood&#x27;." in response.content.decode()
    assert not Source.objects.exists()


def test_runs_rejected_rows_and_the_ledger_are_read_only_in_the_admin(as_user, crm):
    client = as_user("admin")
    client.post(f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_file()})
    run, row, entry = SyncRun.objects.get(), RejectedRow.objects.get(), LedgerEntry.objects.first()
    for name, obj in [("syncrun", run), ("rejectedrow", row), ("ledgerentry", entry)]:
        base = f"/admin/ingest/{name}/"
        assert client.get(base).status_code == 200, name
        page = client.get(f"{base}{obj.pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), name
        assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403, name
        assert client.get(f"{base}add/").status_code == 403, name
        assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403, name
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert (SyncRun.objects.count(), RejectedRow.objects.count()) == (1, 1)
