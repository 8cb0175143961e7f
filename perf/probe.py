"""The Celery containers' health checks: ``python -m perf.probe worker`` or ``… beat``.

Exit status 0 when healthy; 1 with the reason on stderr otherwise (Docker keeps the output in
the container's health log: ``docker inspect --format '{{json .State.Health}}' <container>``).

- ``worker``: this host's worker (``celery@<hostname>``, Celery's default node name, one per
  container) answers a ping through the broker within ``PROBE_TIMEOUT`` seconds. A worker whose
  broker cannot be reached fails at once, saying so.
- ``beat``: beat's heartbeat (``perf.liveness``) is younger than ``BEAT_STALE_SECONDS`` and beat
  has not shut down.
"""

import argparse
import os
import socket
import sys

import django

PROBE_TIMEOUT = 3.0


def _worker() -> str | None:
    from perf.liveness import workers_answering

    node = f"celery@{socket.gethostname()}"
    try:
        answered = workers_answering(nodes=[node], timeout=PROBE_TIMEOUT)
    except Exception as exc:  # the broker is unreachable: the worker cannot be working
        return f"worker {node}: the broker cannot be reached ({type(exc).__name__}: {exc})"
    if node not in answered:
        return f"worker {node} did not answer a ping within {PROBE_TIMEOUT:g} s"
    return None


def _beat() -> str | None:
    from perf.liveness import beat_liveness

    beat = beat_liveness()
    if beat.up:
        return None
    age = "" if beat.age is None else f", last heartbeat {beat.age:.0f} s ago"
    return f"beat {beat.status}: {beat.detail}{age}"


PROBES = {"worker": _worker, "beat": _beat}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perf.probe", description=__doc__)
    parser.add_argument("process", choices=sorted(PROBES))
    process = parser.parse_args(argv).process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perf.settings")
    django.setup()
    problem = PROBES[process]()
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print(f"{process}: healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
