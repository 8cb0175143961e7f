"""Runs and syncs heal themselves, on real processes: Celery workers and beat started here
against the test database and Redis (as CI has them), killed with kill -9 mid-run.

The processes run with short limits (``HEALING``: a heartbeat at most every 0.5 s, stalled after
4 s, swept every second) so that what takes minutes in production (the sweep every 60 s, a run
stalled after 5 minutes of silence, a sync after 2) takes seconds here; the rules are the same.
A run is held mid-way deterministically: this test holds the period's publishing lock, so the
run's chunks are written (hidden) and its finalisation waits for the lock when the worker is
killed. A sync is held the same way by its source, which does not answer the second page.
About a minute and a half.
"""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from frames.queue import task_enqueue
from ingest.ledger_verify import ledger_verify
from ingest.models import Order, SyncRun, SyncStatus
from ingest.services import sync_run_create
from ingest.tasks import source_sync_task
from scoring import services
from scoring.models import EmployeeScore, RunStatus, ScoreRun
from scoring.runs import period_lock_name
from scoring.tasks import score_run_task
from tests.clock import LAST_MONTH
from tests.ingest.conftest import http_source, in_english, people  # noqa: F401 (fixtures)
from tests.ingest.http_source import Fault
from tests.ingest.test_sync import order_row, rest_source
from tests.scoring.test_tasks import two_teams  # noqa: F401 (a fixture)
from tests.test_outages import celery_pointed_at
from tests.test_processes import _start, _stop

HEALING = {
    "PERF_HEARTBEAT_SECONDS": "0.5",
    "PERF_RUN_STALL_SECONDS": "4",
    "PERF_SYNC_STALL_SECONDS": "4",
    "PERF_QUEUED_STALL_SECONDS": "8",
    "PERF_SWEEP_SECONDS": "1",
    "PERF_SCORE_CHUNK_EMPLOYEES": "1",  # a chunk a team: two chunks, hidden until published
    "PERF_SOURCE_ALLOWED_HOSTS": "127.0.0.1",
}
# From the kill to the sweep's verdict: the stall limit, a sweep interval, and slack for a
# loaded machine (the processes share two cores with the suite).
HEALED_WITHIN = 4 + 1 + 25
WORKER = "celery -A perf worker --loglevel=info --concurrency=2 --without-mingle --without-gossip"

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the processes read what the test writes
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL), as CI has"),
]


@pytest.fixture(autouse=True)
def _pinned_clock():
    """The real clock, as the processes have it: the sweep compares the times they write."""
    yield


@pytest.fixture
def processes(tmp_path, settings) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Start ``"worker"`` or ``"beat"`` processes with the healing limits, sharing this test's
    ledger (its key and head file); every one is killed afterwards."""
    started: list[subprocess.Popen] = []
    environment = {
        **HEALING,
        "PERF_LEDGER_KEY": settings.PERF_LEDGER_KEY,
        "PERF_LEDGER_HEAD_FILE": str(settings.PERF_LEDGER_HEAD_FILE),
    }

    def start(kind: str) -> subprocess.Popen:
        command = WORKER if kind == "worker" else "celery -A perf beat --loglevel=info"
        log = tmp_path / f"{kind}-{len(started)}.log"
        process = _start(command, log, **environment)
        started.append(process)
        return process

    try:
        # This process hands tasks to them through Redis (it runs tasks inline otherwise).
        with celery_pointed_at(settings, settings.REDIS_URL):
            yield start
    finally:
        for process in started:
            _stop(process, signal.SIGKILL)


def _kill(process: subprocess.Popen) -> None:
    """kill -9 the worker and its pool: gone without a word, its tasks unacknowledged."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _until(what: Callable[[], object], seconds: float, describe: Callable[[], object]) -> object:
    deadline = time.monotonic() + seconds
    while not (found := what()):
        assert time.monotonic() < deadline, describe()
        time.sleep(0.1)
    return found


def _run(run_id: int) -> ScoreRun:
    return ScoreRun.objects.get(pk=run_id)


def _send(task, *args) -> None:
    """Hand a task to the workers through Redis (``processes`` points Celery there)."""
    assert not task.app.conf.task_always_eager
    task_enqueue(task, *args)


class _HeldLock:
    """The period's publishing lock, held by a connection of this test's own."""

    def __init__(self, name: str) -> None:
        db = connection.settings_dict
        self.name = name
        self.connection = psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        )

    def hold(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [self.name])

    def release(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [self.name])
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def held() -> Iterator[Callable[[str], _HeldLock]]:
    """Locks held by connections of this test's own, closed afterwards."""
    locks: list[_HeldLock] = []

    def lock(name: str) -> _HeldLock:
        locks.append(_HeldLock(name))
        return locks[-1]

    yield lock
    for each in locks:
        each.close()


def _waiting_to_publish(run_id: int) -> bool:
    run = _run(run_id)
    return run.status == RunStatus.RUNNING and 0 < run.chunks_total == run.chunks_done


def _hidden(run_id: int) -> int:
    return EmployeeScore.objects.filter(run_id=run_id, is_current=False).count()


def test_a_run_whose_worker_is_killed_is_queued_again_then_failed_and_a_new_run_succeeds(
    processes,
    held,
    two_teams,  # noqa: F811
):
    run = services.score_run_create(period=LAST_MONTH)
    lock = held(period_lock_name(run))
    lock.hold()
    processes("beat")
    worker = processes("worker")
    _send(score_run_task, run.pk)
    _until(lambda: _waiting_to_publish(run.pk), 120, lambda: vars(_run(run.pk)))
    assert _hidden(run.pk) == 5  # both chunks written, hidden

    _kill(worker)
    # The killed worker's database session still waits for the lock; let it end.
    lock.release()
    lock.hold()
    worker = processes("worker")
    # The sweep queues it again (once) and the new worker takes it, up to the lock again.
    _until(
        lambda: _run(run.pk).requeues == 1 and _waiting_to_publish(run.pk),
        HEALED_WITHIN + 30,
        lambda: vars(_run(run.pk)),
    )

    _kill(worker)
    lock.release()
    lock.close()
    killed_at = time.monotonic()
    processes("worker")  # the killed worker's container restarts
    # Killed again: the sweep fails it, saying why, and drops its hidden rows.
    _until(
        lambda: _run(run.pk).status == RunStatus.FAILED, HEALED_WITHIN, lambda: vars(_run(run.pk))
    )
    assert time.monotonic() - killed_at < HEALED_WITHIN
    failed = _run(run.pk)
    assert "worker stopped" in failed.error or "工作进程" in failed.error, failed.error
    assert _hidden(run.pk) == 0

    again = services.score_run_create(period=LAST_MONTH)  # allowed: the failed run is not active
    _send(score_run_task, again.pk)
    _until(lambda: _run(again.pk).status == RunStatus.SUCCEEDED, 60, lambda: vars(_run(again.pk)))
    assert EmployeeScore.objects.filter(run=again, is_current=True).count() == 5
    assert _run(again.pk).error == ""


def test_the_same_task_delivered_twice_at_once_or_just_after_gives_one_run_succeeded(
    processes,
    two_teams,  # noqa: F811
):
    processes("worker")
    for pause in (0, 0.1):
        run = services.score_run_create(period=LAST_MONTH)
        _send(score_run_task, run.pk)
        time.sleep(pause)
        _send(score_run_task, run.pk)
        seen = set()

        def finished(run_id=run.pk, seen=seen) -> bool:
            status = _run(run_id).status
            seen.add(status)
            return status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

        _until(finished, 60, lambda run_id=run.pk: vars(_run(run_id)))
        done = _run(run.pk)
        assert (done.status, done.error) == (RunStatus.SUCCEEDED, ""), vars(done)
        assert RunStatus.FAILED not in seen
    assert ScoreRun.objects.count() == 2
    assert EmployeeScore.objects.filter(is_current=True).count() == 5


@contextmanager
def _gated_source(http_source, rows: list[dict]) -> Iterator[tuple[object, threading.Event]]:  # noqa: F811
    """The source answers its first page, then holds the second request until released."""
    gate = threading.Event()

    def fault(number: int, request) -> Fault | None:
        if number == 2:
            gate.wait(60)
        return None

    server = http_source(rows, style="page", page_size=2, faults=fault)
    try:
        yield server, gate
    finally:
        gate.set()


def _sync(run_id: int) -> SyncRun:
    return SyncRun.objects.get(pk=run_id)


def test_a_sync_whose_worker_is_killed_is_swept_and_its_rerun_is_exact(
    processes,
    http_source,  # noqa: F811
    people,  # noqa: F811
    in_english,  # noqa: F811
):
    rows = [order_row(number) for number in range(1, 7)]
    with _gated_source(http_source, rows) as (server, gate):
        source = rest_source(server)
        processes("beat")
        worker = processes("worker")
        run = sync_run_create(source=source)
        _send(source_sync_task, run.pk)
        _until(
            lambda: _sync(run.pk).batches == 1 and len(server.requests) == 2,
            60,
            lambda: vars(_sync(run.pk)),
        )
        _kill(worker)
        killed_at = time.monotonic()
        gate.set()
        processes("worker")
        _until(
            lambda: _sync(run.pk).status == SyncStatus.SUCCEEDED,
            HEALED_WITHIN,
            lambda: vars(_sync(run.pk)),
        )
        assert time.monotonic() - killed_at < HEALED_WITHIN
    synced = _sync(run.pk)
    assert (synced.requeues, synced.error) == (1, "")
    # Resumed after the batch committed before the kill: nothing lost, nothing twice.
    assert (synced.fetched, synced.created, synced.updated, synced.rejected) == (6, 6, 0, 0)
    assert sorted(Order.objects.values_list("external_id", flat=True)) == [
        row["order_no"] for row in rows
    ]
    report = ledger_verify()
    assert report.ok, report.problem


def test_a_sync_delivered_twice_never_shows_failed(
    processes,
    http_source,  # noqa: F811
    people,  # noqa: F811
    in_english,  # noqa: F811
):
    rows = [order_row(number) for number in range(1, 7)]
    server = http_source(rows, style="page", page_size=2, faults=lambda n, r: Fault(delay=0.3))
    source = rest_source(server)
    processes("worker")
    run = sync_run_create(source=source)
    _send(source_sync_task, run.pk)
    _send(source_sync_task, run.pk)
    seen = set()

    def finished() -> bool:
        status = _sync(run.pk).status
        seen.add(status)
        return status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED)

    _until(finished, 60, lambda: vars(_sync(run.pk)))
    synced = _sync(run.pk)
    assert (synced.status, synced.error) == (SyncStatus.SUCCEEDED, "")
    assert SyncStatus.FAILED not in seen
    assert (synced.fetched, synced.created) == (6, 6)
    assert Order.objects.count() == 6
