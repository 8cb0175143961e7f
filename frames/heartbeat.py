"""A run's heartbeat: the time it last showed it was alive, for the sweep that heals runs whose
worker died (``scoring.stalls``, ``ingest.stalls``).

One UPDATE of the row's ``heartbeat_at``, at most every ``PERF_HEARTBEAT_SECONDS`` per row and
process. It must be written outside the caller's transaction (before or after it), or the sweep
would not see it until the commit: a step's silence is what its stall limit must outlast.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

# (model label, primary key) → monotonic time of this process's last heartbeat for the row.
_last_beat: dict[tuple[str, int], float] = {}


def heartbeat(model: type[models.Model], pk: int, *, force: bool = False) -> None:
    """Write that the run ``pk`` of ``model`` is alive now, unless this process did so less
    than ``PERF_HEARTBEAT_SECONDS`` ago (``force``: whatever the time since)."""
    key = (model._meta.label, pk)
    beat = time.monotonic()
    if not force and beat - _last_beat.get(key, -float("inf")) < settings.PERF_HEARTBEAT_SECONDS:
        return
    model._default_manager.filter(pk=pk).update(heartbeat_at=timezone.now())
    _last_beat[key] = beat
    if len(_last_beat) > 1000:  # a long-lived worker forgets the rows of finished runs
        _last_beat.clear()
        _last_beat[key] = beat


@dataclass(frozen=True)
class Swept:
    """What a sweep of stalled runs (score runs, syncs) did: the ids it queued again and those it
    failed."""

    requeued: list[int]
    failed: list[int]
