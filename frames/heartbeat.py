"""A run's heartbeat: the time it last showed it was alive, for the sweep that heals runs whose
worker died (``scoring.stalls``, ``ingest.stalls``).

One UPDATE of the row's ``heartbeat_at``, at most every ``PERF_HEARTBEAT_SECONDS`` per row and
process. It must be written outside the caller's transaction (before or after it), or the sweep
would not see it until the commit: a step's silence is what its stall limit must outlast.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
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


def silent_runs(
    model: type[models.Model],
    *,
    now: dt.datetime,
    running: str,
    running_seconds: int,
    queued: str,
    queued_seconds: int,
    queued_also: Q | None = None,
) -> models.QuerySet:
    """Runs of ``model`` running and silent for longer than ``running_seconds``, or queued and
    not taken for longer than ``queued_seconds`` (and matching ``queued_also``, if given). Silent
    since their last heartbeat, else since they started, else since they were created."""
    running_limit = now - dt.timedelta(seconds=running_seconds)
    queued_limit = now - dt.timedelta(seconds=queued_seconds)
    queued_silent = Q(status=queued, last_sign__lt=queued_limit)
    if queued_also is not None:
        queued_silent &= queued_also
    return model._default_manager.annotate(
        last_sign=Coalesce("heartbeat_at", "started_at", "created_at")
    ).filter(Q(status=running, last_sign__lt=running_limit) | queued_silent)
