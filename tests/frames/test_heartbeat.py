"""A run's heartbeat: one UPDATE of its row, at most every PERF_HEARTBEAT_SECONDS per process."""

import types

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frames import heartbeat as heartbeats
from scoring.models import ScoreRun
from tests.clock import LAST_MONTH

pytestmark = pytest.mark.django_db


def test_a_heartbeat_is_one_update_and_no_more_often_than_the_setting_says(settings, monkeypatch):
    settings.PERF_HEARTBEAT_SECONDS = 10
    clock = types.SimpleNamespace(seconds=1000.0)
    monkeypatch.setattr(heartbeats.time, "monotonic", lambda: clock.seconds)
    run = ScoreRun.objects.create(period_start=LAST_MONTH.start)

    def beats(**options) -> int:
        with CaptureQueriesContext(connection) as queries:
            heartbeats.heartbeat(ScoreRun, run.pk, **options)
        return len(queries)

    assert beats() == 1
    run.refresh_from_db()
    assert run.heartbeat_at is not None
    clock.seconds += 9
    assert beats() == 0  # too soon: nothing written
    assert beats(force=True) == 1  # a step that must be seen at once
    clock.seconds += 10
    assert beats() == 1
