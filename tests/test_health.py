"""/healthz says which part is down, with 503, instead of crashing; /api/v1/ping/ only that
perf is up."""

import pytest
from django.test import override_settings

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
    }


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


@pytest.mark.django_db
def test_ping_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/v1/ping/")
    assert response.status_code == 200 and response.json() == {"ok": True}
