"""Syncs that heal: the sweep queues a pull whose worker stopped again once (it resumes from the
last committed batch), then fails it with the reason; a push whose process stopped is failed at
once; one active pull per source, "Sync now" joining it; a delivery of a finished run changes
nothing. (The same on real worker processes killed with kill -9: tests/test_healing.py.)"""

import datetime as dt

import pytest
from django.utils import timezone

from ingest import tasks
from ingest.models import Order, SyncRun, SyncStatus, SyncTrigger
from ingest.services import sync_run_create, sync_run_open
from ingest.stalls import sync_runs_sweep
from tests.ingest.test_sync import order_row, rest_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
STALL = dt.timedelta(seconds=120)  # PERF_SYNC_STALL_SECONDS's default


def _later() -> dt.datetime:
    return timezone.now() + STALL + dt.timedelta(seconds=1)


def test_a_pull_whose_worker_stopped_is_queued_again_and_resumes(
    http_source, people, django_capture_on_commit_callbacks
):
    server = http_source([order_row(n) for n in range(1, 5)], style="page", page_size=2)
    run = sync_run_create(source=rest_source(server))
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.RUNNING, heartbeat_at=timezone.now())

    assert sync_runs_sweep(now=timezone.now() + STALL / 2).requeued == []
    with django_capture_on_commit_callbacks(execute=True):  # the task runs inline here
        swept = sync_runs_sweep(now=_later())

    assert (swept.requeued, swept.failed) == ([run.pk], [])
    run.refresh_from_db()
    assert (run.status, run.requeues, run.error, run.created) == (SyncStatus.SUCCEEDED, 1, "", 4)
    assert Order.objects.count() == 4


def test_a_pull_stalled_again_and_a_stalled_push_are_failed_with_the_reason(http_source, people):
    source = rest_source(http_source([order_row(1)]))
    pull = sync_run_create(source=source)
    push = sync_run_create(source=source, trigger=SyncTrigger.WEBHOOK)
    SyncRun.objects.filter(pk=pull.pk).update(status=SyncStatus.RUNNING, requeues=1)
    SyncRun.objects.filter(pk=push.pk).update(status=SyncStatus.RUNNING)

    swept = sync_runs_sweep(now=_later())

    assert (swept.requeued, sorted(swept.failed)) == ([], sorted([pull.pk, push.pk]))
    pull.refresh_from_db()
    push.refresh_from_db()
    assert pull.status == push.status == SyncStatus.FAILED
    assert "the next sync resumes after them" in pull.error
    assert "send or upload the rest again" in push.error
    # A late delivery of the pull's task changes nothing.
    assert tasks.source_sync_task.apply(args=[pull.pk]).successful()
    pull.refresh_from_db()
    assert pull.status == SyncStatus.FAILED and "resumes after them" in pull.error


def test_one_active_pull_per_source_a_second_joins_it_and_pushes_run_beside(http_source, people):
    source = rest_source(http_source([order_row(1)]))
    first, created = sync_run_open(source=source, trigger=SyncTrigger.MANUAL)
    second, again = sync_run_open(source=source, trigger=SyncTrigger.SCHEDULE)
    push, pushed = sync_run_open(source=source, trigger=SyncTrigger.WEBHOOK)
    assert (created, again, pushed) == (True, False, True)
    assert second == first and push != first

    assert tasks.source_sync_task.apply(args=[first.pk]).successful()
    first.refresh_from_db()
    assert first.status == SyncStatus.SUCCEEDED
    # Finished: a duplicate delivery leaves it as it is, and the next pull is a new run.
    assert tasks.source_sync_task.apply(args=[first.pk]).result == {}
    first.refresh_from_db()
    assert (first.status, first.error, first.created) == (SyncStatus.SUCCEEDED, "", 1)
    assert sync_run_open(source=source, trigger=SyncTrigger.MANUAL)[1] is True


def test_sync_now_answers_with_the_running_pulls_id(as_user, http_source, people, held_sync):
    source = rest_source(http_source([order_row(1)]))
    client = as_user("hr")
    first = client.post(f"/api/v1/sources/{source.pk}/sync/")
    again = client.post(f"/api/v1/sources/{source.pk}/sync/")
    held_sync.set()
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
