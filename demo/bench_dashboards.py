"""The dashboards' load benchmark behind ``make bench``: requests per second for a manager's
heatmap of a ~50-person team and for one scorecard, each under ``CONNECTIONS`` concurrent
keep-alive connections, against ``/api/v1/ping/`` (a trivial JSON view) of the same server.

The server is started as deployed: gunicorn with debugging off and static files collected (for
whitenoise's manifest). The bench company has no user accounts, so for the run a user is linked
to one team manager who is made the manager of a second team too (two teams of 25 make the
50-person heatmap); that manager is signed in with a session made directly. Every change is
undone afterwards, and the teams' history is not touched (plain updates, reverted).
"""

import http.client
import importlib
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Count, Max, Q
from django.utils import timezone

from dashboards.selectors.periods import scored_periods
from demo.bench_drilldown import drilldown_bench
from ingest.models import Order
from org.models import Employee, Role, Team
from org.periods import Period
from scoring.models import EmployeeScore
from scoring.services import compute_period

CONNECTIONS = 20
SECONDS = 10.0  # measured per URL, after a warm-up
WARM_UP_REQUESTS = 3  # per URL: the first fills the cache, as any visitor after a run would
TEAMS = 2
BENCH_USERNAME = "bench-dashboards"
ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Manager:
    """The bench manager: their user, session, teams and a member to open the scorecard of."""

    user_id: int
    session_key: str
    team_size: int
    member_id: int


def _scored_period() -> Period:
    """The latest month with published scores; if there is none, the latest month with orders
    is scored once (a few minutes at the bench company's size)."""
    periods = [p for p in scored_periods() if p.period.kind.value == "month"]
    if periods:
        return periods[0].period
    latest = Order.objects.aggregate(latest=Max("submitted_at"))["latest"]
    period = Period.containing(timezone.localtime(latest).date())
    compute_period(period)
    return period


@contextmanager
def _bench_manager(period: Period):
    """A signed-in manager of the first ``TEAMS`` managed teams with scores in the period;
    everything it changes is put back on exit."""
    teams = list(
        Team.objects.filter(is_scored=True, manager__isnull=False)
        .annotate(
            scored=Count(
                "members__scores",
                filter=Q(
                    members__scores__is_current=True,
                    members__scores__period_kind=period.kind.value,
                    members__scores__period_start=period.start,
                ),
            )
        )
        .filter(scored__gt=0)
        .order_by("name")
        .values_list("id", "manager_id")[:TEAMS]
    )
    if len(teams) < TEAMS:
        raise RuntimeError(f"the dashboards bench needs {TEAMS} scored teams with a manager")
    manager_id = teams[0][1]
    if Employee.objects.filter(pk=manager_id, user__isnull=False).exists():
        raise RuntimeError("the bench company's managers have no accounts; this one has")
    User = get_user_model()
    User.objects.filter(username=BENCH_USERNAME).delete()  # left over by an interrupted run
    user = User.objects.create(username=BENCH_USERNAME, password=make_password(None))
    session = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    try:
        # Roles are reference data a migration creates; a flushed bench database may lack them.
        user.groups.add(Group.objects.get_or_create(name=Role.MANAGER.value)[0])
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        # Plain updates, undone below: a bench must leave no trace in the teams' history.
        Employee.objects.filter(pk=manager_id).update(user=user)
        Team.objects.filter(pk__in=[team for team, _ in teams[1:]]).update(manager_id=manager_id)
        scores = EmployeeScore.objects.filter(
            is_current=True,
            period_kind=period.kind.value,
            period_start=period.start,
            team_id__in=[team for team, _ in teams],
        )
        member = scores.exclude(employee_id=manager_id).order_by("employee_id").first()
        yield Manager(
            user_id=user.pk,
            session_key=session.session_key,
            team_size=scores.count(),
            member_id=member.employee_id,
        )
    finally:
        for team, original in teams[1:]:
            Team.objects.filter(pk=team).update(manager_id=original)
        Employee.objects.filter(pk=manager_id).update(user=None)
        if session.session_key:
            session.delete()
        user.delete()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _server():
    """gunicorn serving perf on a free port, debugging off, as deployed; yields the port."""
    env = {
        **os.environ,
        "DEBUG": "false",
        # The session made here is signed with this process's key: the server must share it.
        "SECRET_KEY": settings.SECRET_KEY,
        "PERF_LEDGER_KEY": settings.PERF_LEDGER_KEY,  # required with debugging off
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on the loopback: without it every request is redirected to https.
        "PERF_HTTPS": "false",
    }
    # Debugging off means whitenoise's manifest storage: the static files must be collected.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "perf.wsgi",
            "--workers",
            "2",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ping = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                if _get(ping, "/api/v1/ping/") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start serving within a minute")
            time.sleep(0.25)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


# What Chromium asks for: pages are then sent gzipped, as browsers get them.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _get(connection: http.client.HTTPConnection, path: str, cookie: str = "") -> int:
    """One request on a kept-alive connection, as a browser sends it, its body read in full;
    the status."""
    connection.request(
        "GET", path, headers={**BROWSER_HEADERS, **({"Cookie": cookie} if cookie else {})}
    )
    response = connection.getresponse()
    response.read()
    return response.status


def _browser_cookie(port: int, session_key: str) -> str:
    """The Cookie header a browser signed in with ``session_key`` sends after its first page:
    the session and the CSRF cookie the page set (pages are only kept for such requests)."""
    session = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/me/", headers={"Cookie": session})
    response = connection.getresponse()
    response.read()
    connection.close()
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if settings.CSRF_COOKIE_NAME not in cookies:
        raise RuntimeError("the first page set no CSRF cookie")
    return f"{session}; {settings.CSRF_COOKIE_NAME}={cookies[settings.CSRF_COOKIE_NAME].value}"


def _rate(port: int, path: str, cookie: str) -> float:
    """Requests per second answered 200 for ``path`` with ``CONNECTIONS`` client threads, each
    on its own keep-alive connection, for ``SECONDS``. Any other answer fails the bench."""
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(WARM_UP_REQUESTS):
        status = _get(warm, path, cookie)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}, not 200")
    warm.close()
    start = threading.Barrier(CONNECTIONS + 1)
    counts, failures = [0] * CONNECTIONS, []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        deadline = time.monotonic() + SECONDS
        try:
            while time.monotonic() < deadline:
                status = _get(connection, path, cookie)
                if status != 200:
                    failures.append(status)
                    return
                counts[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if failures:
        raise RuntimeError(f"{path} answered {failures[0]} under load")
    return sum(counts) / elapsed


def dashboards_bench() -> list[dict[str, object]]:
    """The dashboards lines of ``make bench``: pages under load, then one drill-down of 5,000
    records (``demo.bench_drilldown``)."""
    period = _scored_period()
    with _bench_manager(period) as manager, _server() as port:
        cookie = _browser_cookie(port, manager.session_key)
        query = f"?period={period.label}"
        json_rps = _rate(port, "/api/v1/ping/", cookie)
        heatmap_rps = _rate(port, f"/team/{query}", cookie)
        scorecard_rps = _rate(port, f"/people/{manager.member_id}/{query}", cookie)
        drilldown = drilldown_bench(
            port=port, cookie=cookie, person_id=manager.member_id, period=period
        )
    load = {
        "bench": "dashboards",
        "period": period.label,
        "team_size": manager.team_size,
        "connections": CONNECTIONS,
        "heatmap_rps": round(heatmap_rps, 1),
        "scorecard_rps": round(scorecard_rps, 1),
        "json_rps": round(json_rps, 1),
        "heatmap_ratio": round(heatmap_rps / json_rps, 2),
        "scorecard_ratio": round(scorecard_rps / json_rps, 2),
    }
    return [load, drilldown]
