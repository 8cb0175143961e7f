"""``/healthz``: is each part perf depends on reachable, and are the workers and beat alive?
``/api/v1/ping/``: is perf itself up?

Lives in the project package because it checks the project's wiring (database, cache, broker,
Celery), which belongs to no single app. A part down answers 503 (the web container's health
check fails); workers or beat without a recent sign of life answer 200 "degraded" with their
age: the web serves pages still, and restarting it would not revive them.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from perf.liveness import Liveness, beat_liveness, broker_check, workers_liveness

logger = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "up"


def _cache() -> str:
    ping = getattr(cache, "ping", None)  # perf.cache's Redis cache hides an outage from get/set
    if ping is not None:
        ping()
    cache.set("healthz", "ok", timeout=5)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value just stored")
    return "up"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.CELERY_BROKER_URL.startswith("memory://"):
        return "up"  # no broker configured: tasks run inline
    broker_check()
    return "up"


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "cache": _cache, "broker": _broker}
# Signs of life of the Celery processes: stale ones make the report "degraded", not "down".
SIGNS: dict[str, Callable[[], Liveness]] = {"workers": workers_liveness, "beat": beat_liveness}


def _signs(report: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {name: {"status": "inline"} for name in SIGNS}  # tasks run in the caller
    if report["broker"]["status"] != "up" or report["cache"]["status"] != "up":
        # Pinging through a broker that is down would only wait; the heartbeats are in Redis.
        return {name: {"status": "unknown", "detail": "broker or cache down"} for name in SIGNS}
    signs = {}
    for name, sign in SIGNS.items():
        try:
            signs[name] = sign().report()
        except Exception as exc:
            logger.warning("healthz: could not tell whether %s are alive: %s", name, exc)
            signs[name] = {"status": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    for name, found in signs.items():
        if found["status"] not in ("up", "inline"):
            logger.warning("healthz: %s %s (%s)", name, found["status"], found)
    return signs


@never_cache
def ping(request: HttpRequest) -> JsonResponse:
    """Liveness only: the process answers, through the whole middleware stack, touching nothing
    else. ``make bench`` compares the dashboards' throughput with this view's."""
    return JsonResponse({"ok": True})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each part "up" when all are reachable; 503 naming the parts that are down. The
    workers and beat are "up" with the age of their last sign of life, or "stale", "stopped"
    or "unknown": then the status is "degraded" (still 200); "inline" when tasks run in the
    web process itself (no workers configured)."""
    report: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = {"status": check()}
        except Exception as exc:  # any failure of a dependency is a "down", never a crash
            logger.warning("healthz: %s is down: %s", name, exc)
            report[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(part["status"] == "up" for part in report.values())
    report.update(_signs(report))
    status = "down"
    if healthy:
        alive = all(report[name]["status"] in ("up", "inline") for name in SIGNS)
        status = "up" if alive else "degraded"
    return JsonResponse({"status": status, "checks": report}, status=200 if healthy else 503)
