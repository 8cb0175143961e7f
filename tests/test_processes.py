"""docker-compose.yml's commands and health checks, run as written against live processes here
(PostgreSQL and Redis as CI has them; a Celery worker, beat and gunicorn started by this test):
each check passes while its process works and fails once it is gone. A worker pointed at a
broker that does not answer fails its check and says why, in its log too; beat restarted keeps
an admin's edited schedule. About 40 s."""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from perf import liveness

ROOT = Path(settings.BASE_DIR)
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
NIGHTLY = "score-current-and-previous-month"

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the processes read what the test writes
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL), as CI has"),
]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _database_url() -> str:
    """The test database, as the processes must reach it."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(**overrides: str) -> dict[str, str]:
    """The app containers' environment, pointing at the test database and Redis; the
    virtualenv's ``python``, ``celery`` and ``gunicorn`` first on the path."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PERF_TEST")) and key != "DEBUG"
    }
    environment.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="perf.settings",
        DEBUG="false",
        SECRET_KEY="processes-test-secret-key-long-enough-for-check-deploy-0123456789",
        PERF_LEDGER_KEY="processes-test-ledger-key",
        PERF_HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        PGHOST="127.0.0.1",  # the images' checks reach CI's servers on the loopback
    )
    environment.update(overrides)
    return environment


def _health(service: dict, **overrides: str) -> subprocess.CompletedProcess:
    """The service's health check, exactly as compose runs it (CMD or CMD-SHELL)."""
    kind, *command = service["healthcheck"]["test"]
    if kind == "CMD-SHELL":
        command = ["sh", "-c", command[0].replace("$$", "$")]
    return subprocess.run(
        command,
        env=_environment(**overrides),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def _start(command: str, log: Path, **overrides: str) -> subprocess.Popen:
    """A service's command, in a process group of its own (a worker's pool goes with it)."""
    return subprocess.Popen(
        shlex.split(command),
        env=_environment(**overrides),
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, how)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _healthy_within(service: dict, seconds: float, **overrides: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        checked = _health(service, **overrides)
        if checked.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert checked.returncode == 0, checked.stderr + checked.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_databases_checks_pass_against_the_servers_here(services):
    for name in ("postgres", "redis"):
        checked = _health(services[name])
        assert checked.returncode == 0, (name, checked.stderr)


def test_worker_beat_and_web_checks_pass_while_they_work_and_fail_once_they_are_gone(
    services, tmp_path
):
    worker = _start(services["worker"]["command"], tmp_path / "worker.log")
    beat = _start(services["beat"]["command"], tmp_path / "beat.log")
    port = _free_port()
    web_command = (
        services["web"]["command"].split("&&")[-1].strip().rstrip('"').replace("8000", str(port))
    )
    web_check = {"healthcheck": {"test": [*services["web"]["healthcheck"]["test"]]}}
    web_check["healthcheck"]["test"][-1] = web_check["healthcheck"]["test"][-1].replace(
        "8000", str(port)
    )
    web = None
    try:
        assert web_command.startswith("gunicorn perf.wsgi --bind 0.0.0.0:")
        web = _start(web_command.replace("--workers 3", "--workers 1"), tmp_path / "web.log")
        _healthy_within(services["worker"], 60)
        _healthy_within(services["beat"], 30)
        _healthy_within(web_check, 30)
        # This process's /healthz pings the worker through the broker too. (What gunicorn and
        # beat wrote carries the real clock, not the suite's pinned one: forgotten first.)
        cache.delete_many([liveness.PINGED_KEY, liveness.WORKERS_KEY])
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
            workers = Client().get("/healthz").json()["checks"]["workers"]
        assert workers["status"] == "up", workers

        # An admin moves the nightly job; beat restarts; the time holds.
        nightly = PeriodicTask.objects.get(name=NIGHTLY)
        nightly.crontab = CrontabSchedule.objects.create(
            minute="5", hour="5", timezone=settings.TIME_ZONE
        )
        nightly.save()
        _stop(beat)
        stopped = _health(services["beat"])
        assert stopped.returncode != 0 and "beat stopped" in stopped.stderr
        beat = _start(services["beat"]["command"], tmp_path / "beat-again.log")
        _healthy_within(services["beat"], 30)
        moved = PeriodicTask.objects.select_related("crontab").get(name=NIGHTLY).crontab
        assert (moved.hour, moved.minute) == ("5", "5")

        _stop(worker, signal.SIGKILL)  # gone without a word
        gone = _health(services["worker"])
        assert gone.returncode != 0 and "did not answer" in gone.stderr
        _stop(web)
        assert _health(web_check).returncode != 0
    finally:
        for process in (worker, beat, web):
            if process is not None:
                _stop(process, signal.SIGKILL)


def test_a_worker_whose_broker_does_not_answer_fails_its_check_and_logs_why(services, tmp_path):
    log = tmp_path / "worker.log"
    worker = _start(services["worker"]["command"], log, REDIS_URL=UNREACHABLE_REDIS)
    try:
        deadline = time.monotonic() + 40
        while "Cannot connect to redis://127.0.0.1:1" not in log.read_text():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        checked = _health(services["worker"], REDIS_URL=UNREACHABLE_REDIS)
        assert checked.returncode == 1
        assert "the broker cannot be reached" in checked.stderr
        assert "Connection refused" in checked.stderr
    finally:
        _stop(worker, signal.SIGKILL)
