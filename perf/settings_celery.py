"""perf's cache, Celery and self-healing settings, from the environment (read by
``perf.settings``). Celery keeps the company's time zone."""

from datetime import timedelta

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from perf.settings_company import TIME_ZONE

env = environ.Env()

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, failing open: an outage makes reads miss and writes no-ops (perf.cache).
            "BACKEND": "perf.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "perf",
            # Fail fast when Redis is down instead of hanging a request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
# A task is acknowledged once it has finished, not when a worker takes it: a worker killed
# mid-task (kill -9, out of memory) leaves its message in Redis, handed out again once the
# visibility timeout has passed (a pool process that dies has its task requeued at once). Every
# step is idempotent, so a second delivery is harmless. Each worker process holds one task at a
# time (a long chunk never keeps others waiting behind it). The visibility timeout is longer
# than the task time limit, or Redis would hand a task that still runs to a second worker. A
# killed worker's run or sync does not wait for that hour: the sweep below heals it in minutes.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Outages: handing a task over tries the broker twice (a pooled connection Redis dropped is
# replaced once), each time waiting at most the socket timeouts (a broker that accepts and never
# answers would hang it otherwise), then gives up: a request with the broker down answers 503
# within seconds (frames.queue). Uploads larger than PERF_UPLOAD_INLINE_MAX_BYTES are synced
# by a worker (a background thread when tasks run inline), the page following the run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
    "visibility_timeout": 60 * 60,  # seconds: 1 h, twice the task time limit
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Runs and syncs write a heartbeat as they work (at most every PERF_HEARTBEAT_SECONDS): a score
# run at each chunk, a sync at each batch. One whose heartbeat (or, before its first, its queued
# time) is older than its stall limit is taken for dead by the sweep: queued again once, failed
# the second time. A score run's limit is well above its longest silent step (a chunk of 5,000
# people, seconds on the bench company); a queued run or sync may wait behind others' tasks.
# Employees per chunk when workers share a score run. Each chunk reads its month again
# (filtered to its people), so chunks are large: at the bench company's 10,000 people, one per
# worker of two.
PERF_SCORE_CHUNK_EMPLOYEES = env.int("PERF_SCORE_CHUNK_EMPLOYEES", default=5000)
if PERF_SCORE_CHUNK_EMPLOYEES < 1:
    raise ImproperlyConfigured("PERF_SCORE_CHUNK_EMPLOYEES must be a positive number.")
PERF_HEARTBEAT_SECONDS = env.float("PERF_HEARTBEAT_SECONDS", default=10.0)
PERF_SWEEP_SECONDS = env.float("PERF_SWEEP_SECONDS", default=60.0)
PERF_RUN_STALL_SECONDS = env.float("PERF_RUN_STALL_SECONDS", default=300.0)
PERF_SYNC_STALL_SECONDS = env.float("PERF_SYNC_STALL_SECONDS", default=120.0)
PERF_QUEUED_STALL_SECONDS = env.float("PERF_QUEUED_STALL_SECONDS", default=900.0)
for _name in ("PERF_SWEEP_SECONDS", "PERF_RUN_STALL_SECONDS", "PERF_SYNC_STALL_SECONDS"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive number of seconds.")
if min(PERF_RUN_STALL_SECONDS, PERF_SYNC_STALL_SECONDS) <= PERF_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "PERF_RUN_STALL_SECONDS and PERF_SYNC_STALL_SECONDS must be longer than "
        "PERF_HEARTBEAT_SECONDS, or a working run would be taken for dead."
    )
PERF_UPLOAD_INLINE_MAX_BYTES = env.int("PERF_UPLOAD_INLINE_MAX_BYTES", default=1024 * 1024)
# Schedules live in the database (django-celery-beat), editable in the admin. The entries below
# are the one place periodic tasks are declared: beat (perf.beat) creates those missing from the
# database when it starts and never changes one that exists, so an admin's time or switch holds
# across restarts. Beat's scheduler also writes its heartbeat (perf.liveness).
CELERY_BEAT_SCHEDULER = "perf.beat:Scheduler"
CELERY_BEAT_SCHEDULE = {
    # Every night, after the day's syncs: the previous month published again (late data and
    # approved corrections still land in it) and the current one, still running, provisionally.
    "score-current-and-previous-month": {
        "task": "scoring.tasks.score_recent_months",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every PERF_SWEEP_SECONDS (60): score runs and syncs whose heartbeat stopped (their worker
    # was killed) are queued again once, then failed with the reason, their hidden rows dropped.
    "sweep-stalled-runs": {
        "task": "scoring.tasks.stalled_runs_sweep",
        "schedule": timedelta(seconds=PERF_SWEEP_SECONDS),
    },
    # Every 5 minutes: merchandisers warned of their process nodes about to time out and timed
    # out (notices.services.node_warnings_raise; each node warns once per kind).
    "warn-nodes-due": {
        "task": "notices.tasks.node_warnings_raise_task",
        "schedule": timedelta(minutes=5),
    },
}
