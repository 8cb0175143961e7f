"""/healthz says which part is down, with 503, instead of crashing, and how long ago the workers
and beat last showed a sign of life; /api/v1/ping/ only that perf is up. (tests/test_processes.py
runs it against a live worker.)"""

import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from perf import liveness

STOPPED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.mark.django_db
def test_all_parts_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert {name: part["status"] for name, part in body["checks"].items()} == {
        "database": "up",
        "cache": "up",
        "broker": "up",
        # The suite runs tasks inline: no worker or beat to wait for.
        "workers": "inline",
        "beat": "inline",
    }


@pytest.mark.django_db
def test_workers_and_beat_without_a_recent_sign_of_life_are_degraded_with_their_age(client):
    """No worker runs here: the first request pings (at most a second), those after it within
    the ping interval only read what it found."""
    liveness.beat_heartbeat()
    cache.set(liveness.WORKERS_KEY, time.time() - 125, timeout=None)  # answered 2 min ago
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        started = time.monotonic()
        first = client.get("/healthz")
        pinged = time.monotonic() - started
        started = time.monotonic()
        again = client.get("/healthz")
        read = time.monotonic() - started

    assert first.status_code == 200  # degraded: the web itself serves on
    body = first.json()
    assert body["status"] == "degraded"
    workers, beat = body["checks"]["workers"], body["checks"]["beat"]
    assert workers["status"] == "stale" and workers["age_seconds"] == pytest.approx(125, abs=5)
    assert beat["status"] == "up" and beat["age_seconds"] < 5
    assert again.json()["checks"]["workers"]["status"] == "stale"
    assert pinged < 1 + liveness.BROKER_TIMEOUT and read < 0.5


@pytest.mark.django_db
def test_beat_stopped_or_never_seen_is_reported_so(client):
    cache.set(liveness.PINGED_KEY, True)  # a fresh ping result: none is sent
    cache.set(liveness.WORKERS_KEY, time.time() - 3)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        never = client.get("/healthz").json()
        liveness.beat_heartbeat(stopped=True)
        stopped = client.get("/healthz").json()
    assert never["checks"]["workers"]["status"] == "up"
    assert never["checks"]["beat"] == {
        "status": "unknown",
        "detail": "beat has written no heartbeat",
    }
    assert stopped["status"] == "degraded"
    assert stopped["checks"]["beat"]["status"] == "stopped"


@pytest.mark.django_db
def test_stopped_redis_is_reported_down_with_503(client):
    redis_cache = {
        "default": {
            "BACKEND": "perf.cache.FailOpenRedisCache",  # as configured: it fails open
            "LOCATION": STOPPED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(
        CACHES=redis_cache, CELERY_BROKER_URL=STOPPED_REDIS, CELERY_TASK_ALWAYS_EAGER=False
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["cache"]["status"] == "down"
    assert "Connection refused" in body["checks"]["cache"]["error"]  # failing open hides nothing
    assert body["checks"]["broker"]["status"] == "down"
    assert "Connection" in body["checks"]["broker"]["error"]
    # Nothing to ask the workers through: said, without waiting on the broker again.
    assert body["checks"]["workers"]["status"] == "unknown"


@pytest.mark.django_db
def test_ping_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/v1/ping/")
    assert response.status_code == 200 and response.json() == {"ok": True}
