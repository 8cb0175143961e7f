"""``/healthz``: is each part perf depends on reachable? ``/api/v1/ping/``: is perf itself up?

Lives in the project package because it checks the project's wiring (database, cache, broker),
which belongs to no single app.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

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
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    return "up"


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
def ping(request: HttpRequest) -> JsonResponse:
    """Liveness only: the process answers, through the whole middleware stack, touching nothing
    else. ``make bench`` compares the dashboards' throughput with this view's."""
    return JsonResponse({"ok": True})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each part "up" when all are reachable; 503 naming the parts that are down."""
    report: dict[str, dict[str, str]] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = {"status": check()}
        except Exception as exc:  # any failure of a dependency is a "down", never a crash
            logger.warning("healthz: %s is down: %s", name, exc)
            report[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(part["status"] == "up" for part in report.values())
    return JsonResponse(
        {"status": "up" if healthy else "down", "checks": report}, status=200 if healthy else 503
    )
