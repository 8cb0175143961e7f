"""Are the Celery workers and beat alive? ``/healthz`` and the compose health checks
(``perf.probe``) ask here.

Beat writes a heartbeat on every tick of its scheduler (``perf.beat``: at least every 5 s) and
marks it stopped when it shuts down; workers answer a ping through the broker (their main
process answers it even while every pool process is busy with a long chunk). Both live in the
cache (Redis, which is also the broker: a beat or a worker that cannot reach it is not working
either). ``/healthz`` pings at most once per ``PING_EVERY`` seconds, for at most
``PING_TIMEOUT``, and remembers when a worker last answered, so it stays fast.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from kombu import Connection

from perf.celery import app

BEAT_KEY = "liveness:beat"
WORKERS_KEY = "liveness:workers"  # when a worker last answered a ping
PINGED_KEY = "liveness:pinged"  # kept while the last ping is fresh: one ping per PING_EVERY
# Beat ticks at least every 5 s; a minute without a heartbeat is a beat gone or stuck. Workers
# are pinged every PING_EVERY s by /healthz; a minute without an answer is as long.
BEAT_STALE_SECONDS = 60
WORKERS_STALE_SECONDS = 60
PING_EVERY = 15
PING_TIMEOUT = 1.0
BROKER_TIMEOUT = 2


@dataclass(frozen=True)
class Liveness:
    """``status``: "up", "stale" (no sign of life for too long), "stopped" (beat shut down) or
    "unknown" (never seen); ``age``: seconds since the last sign of life, ``None`` if never."""

    status: str
    age: float | None
    detail: str = ""

    @property
    def up(self) -> bool:
        return self.status == "up"

    def report(self) -> dict[str, object]:
        found: dict[str, object] = {"status": self.status}
        if self.age is not None:
            found["age_seconds"] = round(self.age, 1)
        if self.detail:
            found["detail"] = self.detail
        return found


def broker_check() -> None:
    """Raise when the broker cannot be reached within ``BROKER_TIMEOUT`` seconds."""
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
        )


def beat_heartbeat(*, stopped: bool = False) -> None:
    """Beat is alive now (or, ``stopped``, has just shut down)."""
    cache.set(BEAT_KEY, {"at": time.time(), "stopped": stopped}, timeout=None)


def beat_liveness() -> Liveness:
    beat = cache.get(BEAT_KEY)
    if not isinstance(beat, dict):
        return Liveness("unknown", None, "beat has written no heartbeat")
    age = max(0.0, time.time() - float(beat["at"]))
    if beat.get("stopped"):
        return Liveness("stopped", age, "beat shut down")
    if age > BEAT_STALE_SECONDS:
        return Liveness("stale", age, f"no heartbeat for more than {BEAT_STALE_SECONDS} s")
    return Liveness("up", age)


def workers_answering(
    *, nodes: list[str] | None = None, timeout: float = PING_TIMEOUT
) -> list[str]:
    """The workers (of ``nodes``, or any: then the first answer is enough) that answer a ping
    within ``timeout`` seconds. Raises when the broker cannot be reached."""
    broker_check()  # fail within seconds, not after the control connection's retries
    replies = app.control.ping(destination=nodes, timeout=timeout, limit=len(nodes) if nodes else 1)
    return sorted(name for reply in replies for name in reply)


def workers_liveness() -> Liveness:
    """Whether a worker answered a ping lately: pings (at most once per ``PING_EVERY`` seconds,
    whichever process asks first) and reads when one last answered."""
    if cache.add(PINGED_KEY, True, timeout=PING_EVERY) and workers_answering():
        cache.set(WORKERS_KEY, time.time(), timeout=None)
    seen = cache.get(WORKERS_KEY)
    if seen is None:
        return Liveness("unknown", None, "no worker has answered a ping")
    age = max(0.0, time.time() - float(seen))
    if age > WORKERS_STALE_SECONDS:
        return Liveness("stale", age, f"no worker answered for more than {WORKERS_STALE_SECONDS} s")
    return Liveness("up", age)
