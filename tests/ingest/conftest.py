import threading

import pytest
from django.utils import translation

import ingest.handover
from ingest.handover import sync_thread_name
from ingest.ledger import ledger_adopt, ledger_head_reset
from ingest.models import Source, SyncRun
from org.reasons import reason_text
from tests.factories import CustomerFactory, EmployeeFactory
from tests.ingest.http_source import HttpSource
from tests.ingest.marketplace import marketplace_files, marketplace_mappings


@pytest.fixture
def http_source():
    """Start loopback JSON APIs: ``http_source(rows, style=..., page_size=..., token=...,
    faults=...)`` returns a running HttpSource (see tests/ingest/http_source.py); every server
    started is stopped after the test."""
    servers = []

    def start(rows, **options) -> HttpSource:
        server = HttpSource(rows, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def in_english():
    """The test reads what perf says in English (reasons, messages, pages without a language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def people():
    """Two merchandisers (E001, E002) and two customers (C001, C002) that source rows name;
    the customers are in the ledger, as if they had been synced."""
    people = {
        "wang": EmployeeFactory(employee_no="E001"),
        "li": EmployeeFactory(employee_no="E002"),
        "acme": CustomerFactory(external_id="C001"),
        "beta": CustomerFactory(external_id="C002"),
    }
    ledger_adopt(actor="test")
    return people


def ledger_committed() -> None:
    """Write the ledger's head as the appends' commits would have: a test's transaction is
    rolled back, never committed, so the head writes waiting for its commit never run."""
    ledger_head_reset()


def worded(reasons: list[dict]) -> list[dict]:
    """Stored reasons as a reader sees them in the active language: field and message."""
    return [{"field": reason["field"], "message": reason_text(reason)} for reason in reasons]


@pytest.fixture
def held_sync(monkeypatch):
    """Hold the background syncs (tasks inline: a thread each) until the test lets them go, so
    what the request answered is seen before any row is synced; ``held_sync.set()`` releases
    them."""
    release = threading.Event()
    enqueue = ingest.handover.task_enqueue

    def waiting(task, *args):
        assert release.wait(30), "the test never released the sync"
        return enqueue(task, *args)

    monkeypatch.setattr(ingest.handover, "task_enqueue", waiting)
    return release


def sync_finished(run_id: int, seconds: float = 60) -> SyncRun:
    """The run once its background thread is done (rescoring what it changed included). For
    transactional tests: the thread reads what the request committed."""
    for thread in threading.enumerate():
        if thread.name == sync_thread_name(run_id):
            thread.join(seconds)
            assert not thread.is_alive(), f"sync run {run_id} did not finish in {seconds} s"
    return SyncRun.objects.get(pk=run_id)


@pytest.fixture
def marketplace(tmp_path, people, every_day_works) -> Source:
    """The four-file marketplace export (``tests.ingest.marketplace``) as a file source."""
    files = marketplace_files(tmp_path)
    return Source.objects.create(
        name="marketplace",
        kind="file",
        config={"path": files["orders"]},
        mappings=marketplace_mappings(files),
    )
