"""Handing a queued sync run to what runs it: the Celery workers, or, without them (tasks run
inline: the demo, local runs), a thread of this process. Either way the request that queued it
("Sync now", a large upload) answers at once, and the run's page follows it."""

import logging
import threading
from typing import Any

from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from frames.queue import QueueUnavailable, task_enqueue
from ingest.models import SyncRun
from ingest.runs import sync_run_end

logger = logging.getLogger(__name__)


def sync_run_hand_over(run: SyncRun, task: Any, *args: Any) -> None:
    """Have ``task(*args)`` sync the queued ``run`` (call it once the run is committed). With
    the task queue unreachable the run is failed with that reason and ``QueueUnavailable``
    raised: no run is left queued for a worker that will never hear of it."""
    if task.app.conf.task_always_eager:
        threading.Thread(
            target=_task_in_thread,
            args=(run.pk, task, args, translation.get_language()),
            name=sync_thread_name(run.pk),
            daemon=True,
        ).start()
        return
    try:
        task_enqueue(task, *args)
    except QueueUnavailable as down:
        reason = gettext("Not started: the task queue could not be reached (%(error)s).")
        sync_run_end(run, error=reason % {"error": down})
        logger.warning("Sync run %s not started: the task queue is down: %s", run.pk, down)
        raise


def sync_thread_name(run_id: int) -> str:
    """The name of the thread syncing a run when tasks run inline (tests wait for it)."""
    return f"sync-run-{run_id}"


def _task_in_thread(run_id: int, task: Any, args: tuple, language: str | None) -> None:
    """Run the task as a worker would (its retries included), in the language of whoever
    queued it. The task records its outcome on the run; what it raises is only logged."""
    try:
        with translation.override(language):
            task_enqueue(task, *args)
    except Exception:
        logger.exception("Sync run %s failed in its background thread", run_id)
    finally:
        connection.close()  # this thread's own database connection
