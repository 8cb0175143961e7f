"""Redis down: sign-in, every role's landing page and the API keep working (the cache fails open,
sessions live in the database as well), /healthz says 503, and starting a score run or a sync
answers 503 with a clear message and leaves no run queued or running.

These run through the real parts: the configured Redis cache backend and a Celery that is not
eager, both pointed at a port nothing listens on; transactional, so that ``on_commit`` hands
tasks over at once, as in production."""

import logging
import time
from contextlib import contextmanager

import pytest
from django.core.cache import caches

from ingest.models import Feedback, Source, SyncRun, SyncStatus
from ingest.sources import webhook_token_set
from perf.cache import FailOpenRedisCache
from perf.celery import app as celery_app
from scoring.models import RunStatus, ScoreRun
from tests.clock import LAST_MONTH, stamp
from tests.conftest import PASSWORD
from tests.factories import CustomerFactory
from tests.ingest.test_sync import FEEDBACK_MAPPING

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
QUEUE_DOWN = "The task queue cannot be reached right now"

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def celery_pointed_at(settings, broker: str):
    """Celery, not eager (tasks are really published), with ``broker`` as its broker; the
    connections it pooled are dropped on the way in and out. (The Celery app copied Django's
    settings when it first read them, perhaps in an earlier test: it is told directly too.)"""

    def drop_pools() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    # Under the names Celery reads Django's settings by, which win over its own names.
    pointed = {"CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": False}
    before = {key: celery_app.conf[key] for key in pointed}
    settings.CELERY_BROKER_URL = broker
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(pointed)
    drop_pools()
    try:
        yield
    finally:
        celery_app.conf.update(before)
        drop_pools()


@pytest.fixture
def redis_down(settings):
    """The cache and the broker both on a dead port, as ``REDIS_URL`` pointing there makes
    them (perf.settings): the configured fail-open backend, with the short socket timeouts."""
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "perf.cache.FailOpenRedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    with celery_pointed_at(settings, DEAD_REDIS):
        yield


def sign_in(client, username: str):
    """Through the sign-in form, as a person would; returns the page it lands on."""
    client.get("/login/")  # the CSRF cookie, as a browser gets it
    return client.post(
        "/login/", {"username": username, "password": PASSWORD}, follow=True, **ENGLISH
    )


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("admin", "/manage/"),
        ("hr", "/hr/"),
        ("east_manager", "/team/"),
        ("east_a", "/me/"),
    ],
)
def test_every_role_signs_in_and_lands_on_its_page(
    client, org_chart, redis_down, username, landing
):
    page = sign_in(client, username)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == landing
    # The session was kept in the database: the next page knows who this is.
    again = client.get(landing, **ENGLISH)
    assert again.status_code == 200
    assert "Log out" in again.content.decode()


def test_a_reload_of_a_dashboard_is_served_again(client, org_chart, redis_down):
    sign_in(client, "hr")
    for _ in range(2):  # nothing kept: each one is rendered again
        assert client.get("/hr/").status_code == 200


def test_the_api_reads(client, org_chart, redis_down):
    sign_in(client, "hr")
    response = client.get("/api/v1/scores/", {"period": LAST_MONTH.label})
    assert response.status_code == 200
    assert response.json() == []  # nobody scored yet, read from the database


def test_signing_out_works(client, org_chart, redis_down):
    sign_in(client, "east_a")
    client.post("/logout/")
    assert client.get("/me/").status_code == 302  # to the sign-in page


def test_the_cache_failing_open_is_logged_as_a_warning(client, org_chart, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="perf.cache"):
        sign_in(client, "east_a")
    warnings = [r for r in caplog.records if r.name == "perf.cache"]
    assert warnings and warnings[0].levelno == logging.WARNING
    assert "The cache (Redis) cannot be reached" in warnings[0].getMessage()
    assert "Connection refused" in warnings[0].getMessage()


def test_health_stays_503(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["cache"]["status"], checks["broker"]["status"]) == ("down", "down")


def test_starting_a_score_run_answers_503_and_leaves_no_run_queued(client, org_chart, redis_down):
    sign_in(client, "hr")
    started = time.monotonic()
    response = client.post(
        "/api/v1/score-runs/",
        {"period": LAST_MONTH.label},
        content_type="application/json",
        **ENGLISH,
    )
    assert time.monotonic() - started < 10  # the publish retry policy gives up quickly
    assert response.status_code == 503
    assert response.json()["detail"] == (
        "The task queue cannot be reached right now, so the score run was not started. "
        "Try again in a few minutes."
    )
    assert not ScoreRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
    (run,) = ScoreRun.objects.all()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Not started: the task queue could not be reached")


@pytest.fixture
def crm(tmp_path) -> Source:
    path = tmp_path / "crm.csv"
    path.write_text("id\n", encoding="utf-8")
    return Source.objects.create(
        name="crm", kind="file", config={"path": str(path)}, mappings={"feedback": {}}
    )


def test_sync_now_answers_503_and_leaves_no_run_running(client, org_chart, crm, redis_down):
    sign_in(client, "hr")
    response = client.post(f"/sources/{crm.id}/sync/", **ENGLISH)
    assert response.status_code == 503
    assert QUEUE_DOWN in response.content.decode()
    assert "so the sync was not started" in response.content.decode()
    (run,) = SyncRun.objects.all()
    assert run.status == SyncStatus.FAILED
    assert run.error.startswith("Not started: the task queue could not be reached")


def test_sync_now_through_the_api_answers_503(client, org_chart, crm, redis_down):
    sign_in(client, "admin")
    response = client.post(f"/api/v1/sources/{crm.id}/sync/", **ENGLISH)
    assert response.status_code == 503
    assert response.json()["detail"].startswith(QUEUE_DOWN)
    assert not SyncRun.objects.exclude(status=SyncStatus.FAILED).exists()


def test_sync_now_from_the_admin_says_the_queue_is_down(client, org_chart, crm, redis_down):
    sign_in(client, "admin")
    response = client.post(
        "/admin/ingest/source/",
        {"action": "sync_now", "_selected_action": [crm.id]},
        follow=True,
        **ENGLISH,
    )
    assert response.status_code == 200
    assert "Crm: the task queue cannot be reached right now" in response.content.decode()
    assert not SyncRun.objects.exclude(status=SyncStatus.FAILED).exists()


def test_writes_missed_during_an_outage_are_dropped_once_redis_answers():
    """An entry a write should have replaced while Redis was down (a signed-out session, a
    retired page) is deleted when Redis answers again, never served stale."""
    live = caches["default"]
    if not isinstance(live, FailOpenRedisCache):
        pytest.skip("the suite runs without REDIS_URL: no Redis cache to test")
    live.set("session", "signed in")
    live._down_until = time.monotonic() + 60  # as after a failure: Redis is not tried
    live.delete("session")  # the sign-out cannot reach Redis
    assert live.get("session") is None  # a miss while down
    live._down_until = 0.0  # Redis answers again
    assert live.get("other") is None  # the first call that reaches Redis drops what was missed
    assert live.get("session") is None
    assert live._stale == set()


def test_rows_pushed_with_the_queue_down_land_and_their_rescoring_is_failed_not_queued(
    client, org_chart, redis_down
):
    """Records that changed ask for a rescoring nobody waits for: the push still lands its rows
    and answers 200; the run that could not be handed over is failed with the reason (the
    nightly run scores the month again)."""
    CustomerFactory(external_id="C001")
    source = Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})
    token = webhook_token_set(source=source)
    row = {"反馈编号": "FB1", "客户编码": "C001", "满意度": 5, "评价内容": "发货很快"}
    row["提交时间"] = stamp(8, 14)
    row["跟单员工号"] = org_chart["east_a"].employee_no
    response = client.post(
        f"/api/v1/sources/{source.id}/webhook/",
        {"record_type": "feedback", "rows": [row]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert response.json()["run"]["created"] == 1
    assert Feedback.objects.count() == 1
    (run,) = ScoreRun.objects.all()
    assert (run.status, run.period_start) == (RunStatus.FAILED, LAST_MONTH.start)
    # In the language active when the hand-over failed (the push's, or the default): the cause.
    assert "127.0.0.1:1" in run.error
