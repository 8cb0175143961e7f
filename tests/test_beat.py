"""Beat's scheduler (perf.beat): the declared periodic tasks are created when missing and never
written over, so an admin's time and switch survive a restart; each tick is a heartbeat."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from perf import liveness
from perf.beat import Scheduler
from perf.celery import app

NIGHTLY = "score-current-and-previous-month"
SWEEP = "sweep-stalled-runs"


def _beat_starts() -> Scheduler:
    """What beat does when it starts: its scheduler sets up the schedule."""
    return Scheduler(app=app)


def _tasks() -> dict[str, tuple[str, str, bool]]:
    """Each periodic task's hour and minute (a crontab) or "every" and its seconds (an
    interval), and whether it is on."""
    return {
        task.name: (
            (task.crontab.hour, task.crontab.minute)
            if task.crontab
            else (
                "every",
                str(task.interval.every * (60 if task.interval.period == "minutes" else 1)),
            )
        )
        + (task.enabled,)
        for task in PeriodicTask.objects.select_related("crontab", "interval")
    }


# Transactional: django-celery-beat closes the connection between reads (close_old_connections),
# which would end a test's enclosing transaction.
@pytest.mark.django_db(transaction=True)
def test_a_restart_keeps_an_admins_time_and_switch_and_adds_only_what_is_missing():
    _beat_starts()
    created = _tasks()
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(created)
    assert created[NIGHTLY] == ("2", "30", True)
    assert created[SWEEP] == ("every", "60", True)

    # An admin moves the nightly job to 04:10 and turns the sweep off; someone deletes the
    # periodic task of the backend clean-up.
    nightly = PeriodicTask.objects.get(name=NIGHTLY)
    nightly.crontab = CrontabSchedule.objects.create(
        minute="10", hour="4", timezone=settings.TIME_ZONE
    )
    nightly.save()
    PeriodicTask.objects.filter(name=SWEEP).update(enabled=False)
    PeriodicTask.objects.filter(name="celery.backend_cleanup").delete()

    scheduler = _beat_starts()  # beat restarted

    after = _tasks()
    assert after[NIGHTLY] == ("4", "10", True)
    assert after[SWEEP] == ("every", "60", False)
    assert after["celery.backend_cleanup"] == ("4", "0", True)  # missing: created again
    assert set(after) == set(created)
    # Beat runs by the admin's schedule: the disabled task is not scheduled at all.
    assert SWEEP not in scheduler.schedule
    assert scheduler.schedule[NIGHTLY].schedule.hour == {4}


@pytest.mark.django_db(transaction=True)
def test_each_tick_is_a_heartbeat_and_a_shutdown_says_beat_stopped():
    assert liveness.beat_liveness().status == "unknown"
    scheduler = _beat_starts()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scheduler, "apply_entry", lambda *a, **k: None)  # send nothing
        scheduler.tick()
    beat = liveness.beat_liveness()
    assert beat.status == "up" and beat.age < 5

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        stale = liveness.beat_liveness()
    assert stale.status == "stale" and stale.age == pytest.approx(61, abs=5)

    scheduler.close()
    assert liveness.beat_liveness().status == "stopped"
