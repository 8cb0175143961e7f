"""The sync task's retry policy: a source that is down is retried, one set up wrong is not."""

import pytest
from celery.exceptions import Retry
from django.db import OperationalError

from ingest import tasks
from ingest.connectors import SourceUnavailable
from ingest.models import Order, SyncRun, SyncStatus
from ingest.services import sync_run_create
from perf.celery import PerfTask, app
from tests.ingest.http_source import Fault
from tests.ingest.test_sync import order_row, rest_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture(autouse=True)
def _errors_kept_in_results(monkeypatch):
    """Errors stay in the task's result, as on a worker, so Celery plays the retries out
    (inline, without their waits) instead of raising the first one."""
    # Celery reads Django's settings under their CELERY_ names.
    monkeypatch.setitem(app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)


def test_every_task_shares_one_retry_policy_for_transient_errors_only():
    for task in (tasks.source_sync_task, tasks.source_sync_scheduled):
        assert isinstance(task, PerfTask)
        assert set(task.autoretry_for) == {
            OperationalError,
            SourceUnavailable,
            *PerfTask.autoretry_for,
        }
        assert not issubclass(ValueError, task.autoretry_for)
    assert PerfTask.retry_backoff and PerfTask.max_retries == 3


def test_a_source_that_is_down_is_retried_then_fails_with_its_last_problem(http_source, people):
    server = http_source([order_row(1)], faults=lambda number, request: Fault(status=503))
    run = sync_run_create(source=rest_source(server, max_retries=0))

    result = tasks.source_sync_task.apply(args=[run.pk])

    assert result.failed() and isinstance(result.result, SourceUnavailable)
    assert "HTTP 503" in str(result.result)
    # The first attempt and the policy's three retries, each one request.
    assert len(server.requests) == 1 + PerfTask.max_retries
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "HTTP 503" in run.error


def test_a_source_that_is_down_once_succeeds_on_the_retry(http_source, people):
    server = http_source([order_row(1), order_row(2)], faults=[(1, 503)])
    run = sync_run_create(source=rest_source(server, max_retries=0))

    assert tasks.source_sync_task.apply(args=[run.pk]).successful()

    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED and run.error == ""
    assert Order.objects.count() == 2


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"url": "http://127.0.0.1:9/api", "items_path": 7}, "items_path"),
        (
            {"auth": {"type": "bearer", "token_env": "PERF_SOURCE_NO_SUCH_VARIABLE"}},
            "PERF_SOURCE_NO_SUCH_VARIABLE",
        ),
    ],
    ids=["invalid setting", "missing secret"],
)
def test_a_source_set_up_wrong_fails_at_once_with_the_message_on_its_page(
    http_source, people, client, org_chart, config, message
):
    server = http_source([order_row(1)])
    run = sync_run_create(source=rest_source(server, **config))

    result = tasks.source_sync_task.apply(args=[run.pk])

    assert result.successful() and not isinstance(result.result, Retry)
    assert server.requests == []
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and message in run.error
    client.force_login(org_chart["hr"].user)
    page = client.get(f"/sources/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert message in page


def test_a_refused_http_request_is_not_retried(http_source, people):
    server = http_source([order_row(1)], faults=lambda number, request: Fault(status=404))
    run = sync_run_create(source=rest_source(server))

    assert tasks.source_sync_task.apply(args=[run.pk]).successful()

    assert len(server.requests) == 1
    assert SyncRun.objects.get(pk=run.pk).status == SyncStatus.FAILED
