"""A large upload is kept in the private folder and synced by a worker (a background thread when
tasks run inline): the page answers at once with the run's progress page, the rows land, the
file is deleted. A small one is synced inside the request, as before.

Transactional: the background thread reads what the request committed."""

import base64
import json

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.models import Feedback, Source, SyncRun
from ingest.tasks import upload_sync_task
from tests.clock import LAST_MONTH
from tests.ingest.conftest import sync_finished
from tests.ingest.test_sync import FEEDBACK_MAPPING
from tests.test_outages import DEAD_REDIS, celery_pointed_at

pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
HEADER = ",".join(FEEDBACK_MAPPING["fields"].values())
ROWS = 300  # a file of about 13 KB, "large" under the threshold the tests set


def feedback_csv(rows: int = ROWS) -> SimpleUploadedFile:
    """``rows`` feedback rows for E001/C001 in the last month; row 2 names an unknown employee."""
    lines = [HEADER]
    for n in range(rows):
        employee = "E999" if n == 0 else "E001"
        day = f"{LAST_MONTH.label}-{n % 28 + 1:02d}"
        lines.append(f"FB{n:05d},C001,{employee},4,按时发货,{day} 10:00")
    return SimpleUploadedFile("反馈.csv", ("\n".join(lines) + "\n").encode())


@pytest.fixture
def crm(people) -> Source:
    return Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})


@pytest.fixture
def private(settings, tmp_path):
    """Uploads above 1 KB go to the background; the private folder is this test's own."""
    settings.PERF_UPLOAD_INLINE_MAX_BYTES = 1024
    settings.PERF_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def hr(client, org_chart):
    client.force_login(org_chart["hr"].user)
    return client


def kept_files(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_a_large_upload_answers_with_the_progress_page_and_its_rows_land(
    hr, crm, private, held_sync
):
    response = hr.post(f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_csv()})

    (run,) = SyncRun.objects.all()
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    # Answered before a single row was synced: the run waits, its file in the private folder.
    assert (run.status, run.trigger, run.fetched) == ("queued", "upload", 0)
    assert Feedback.objects.count() == 0
    (kept,) = (private / "private" / "uploads").iterdir()
    assert kept.name.startswith(f"run-{run.id}-") and kept.suffix == ".csv"
    assert kept_files(private / "media") == []  # nothing in the public media folder
    page = hr.get(response.url, **ENGLISH).content.decode()
    assert f'data-sync-status-url="/api/v1/sync-runs/{run.id}/"' in page  # the page follows it
    assert "Queued" in page and "Customer feedback" in page  # what it is about to sync

    held_sync.set()
    run = sync_finished(run.id)
    assert (run.status, run.fetched, run.created, run.rejected) == ("succeeded", ROWS, ROWS - 1, 1)
    assert Feedback.objects.count() == ROWS - 1
    assert run.periods == [LAST_MONTH.label]
    assert kept_files(private) == []  # the file is deleted once synced
    page = hr.get(response.url, **ENGLISH).content.decode()
    assert f"{ROWS - 1} good rows landed." in page and "1 row was rejected" in page


def test_a_small_upload_is_synced_inside_the_request_as_before(hr, crm, private):
    response = hr.post(
        f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_csv(rows=10)}
    )
    (run,) = SyncRun.objects.all()
    assert response.status_code == 302 and response.url == f"/sources/runs/{run.id}/"
    assert (run.status, run.created, run.rejected) == ("succeeded", 9, 1)
    assert kept_files(private) == []  # never kept


def test_a_large_file_that_cannot_be_read_fails_its_run_with_the_reason(hr, crm, private):
    broken = SimpleUploadedFile("反馈.xlsx", b"not a workbook" * 200)
    response = hr.post(f"/sources/{crm.id}/", {"record_type": "feedback", "file": broken})
    (run,) = SyncRun.objects.all()
    assert response.status_code == 302
    run = sync_finished(run.id)
    assert run.status == "failed" and run.error  # the reader's message, shown on the run page
    assert run.error in hr.get(response.url, **ENGLISH).content.decode()
    assert kept_files(private) == []


def test_a_large_upload_with_the_task_queue_down_answers_503_and_keeps_nothing(
    hr, crm, private, settings
):
    with celery_pointed_at(settings, DEAD_REDIS):
        response = hr.post(
            f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_csv()}, **ENGLISH
        )
    assert response.status_code == 503
    assert (
        "The task queue cannot be reached right now, so the file was not synced. "
        "Try again in a few minutes."
    ) in response.content.decode()
    (run,) = SyncRun.objects.all()
    assert run.status == "failed"
    assert run.error.startswith("Not started: the task queue could not be reached")
    assert kept_files(private) == []


@pytest.mark.skipif(not django_settings.CELERY_BROKER_URL.startswith("redis"), reason="no Redis")
def test_with_workers_the_upload_is_published_and_the_task_syncs_it(hr, crm, private, settings):
    """Not eager, a live broker: the request publishes the task; running it as a worker would
    lands the rows and deletes the file."""
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    broker.delete("celery")
    with celery_pointed_at(settings, django_settings.CELERY_BROKER_URL):
        response = hr.post(
            f"/sources/{crm.id}/", {"record_type": "feedback", "file": feedback_csv()}
        )
    message = json.loads(broker.lpop("celery"))
    (run,) = SyncRun.objects.all()
    assert response.status_code == 302 and run.status == "queued"
    assert message["headers"]["task"] == "ingest.tasks.upload_sync_task"
    args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    assert args[0] == run.id and args[2] == "反馈.csv"
    assert kept_files(private / "private") == [args[1]]

    upload_sync_task.apply(args=args, kwargs=kwargs)

    run.refresh_from_db()
    assert (run.status, run.created, run.rejected) == ("succeeded", ROWS - 1, 1)
    assert kept_files(private) == []
