"""The Celery application: configured from Django settings (``CELERY_*``), tasks found per app.

Every task's retry policy is declared here, once, on the base class every ``shared_task``
gets: only transient errors are retried, with exponential backoff and jitter. Time limits are
settings (``CELERY_TASK_TIME_LIMIT``); periodic schedules are ``CELERY_BEAT_SCHEDULE``.
"""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

from ingest.connectors.base import SourceUnavailable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perf.settings")

# What passes on its own: the database connection lost or a lock wait timed out (Django's
# OperationalError and InterfaceError), a source unreachable or busy. A ValueError, an
# IntegrityError or a source's bad settings fail the same way on every attempt, so they are
# never retried: the run that met them records the message instead.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, SourceUnavailable)


class PerfTask(Task):
    """The base of every perf task: its retry policy."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 30  # seconds before the first retry, doubled each time
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 3


app = Celery("perf", task_cls=PerfTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
