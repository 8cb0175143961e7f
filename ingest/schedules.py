"""The periodic tasks (django-celery-beat) as people read them: what runs, when, in words of the
active language ("每天 01:15 同步数据源「crm」", "Sync data source “crm” daily at 01:15"), with the
next run. Here, beside the sources' schedules (``ingest.sources``), as the lowest layer that
reads them: the admin home and the admin's lists of sources and tasks show them.

A task's stored name ("sync source crm", "sweep-stalled-runs") stays what it is, a unique and
stable key (beat and ``ingest.sources`` find tasks by it); screens show ``description`` instead.
Tasks of higher layers are named by their task path, as beat names them, not imported.
"""

import datetime as dt
import json
from dataclasses import dataclass

from cron_descriptor import ExpressionDescriptor, FormatException, Options
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from ingest.models import Source

SOURCE_SYNC = "ingest.tasks.source_sync_scheduled"
# What the tasks perf schedules do; a task not named here is shown by its stored name.
WHAT = {
    "scoring.tasks.score_recent_months": lambda: gettext(
        "Score the previous month again and the current one provisionally"
    ),
    "scoring.tasks.stalled_runs_sweep": lambda: gettext(
        "Queue again or fail score runs and syncs whose worker stopped"
    ),
    "celery.backend_cleanup": lambda: gettext("Delete expired task results"),
}


@dataclass(frozen=True)
class Schedule:
    """One periodic task as the admin home and the admin's task list show it."""

    task: PeriodicTask
    what: str
    when: str
    next_run_at: dt.datetime | None  # None when paused or when it cannot be told

    @property
    def description(self) -> str:
        # Chinese puts the time first ("每天 01:15 同步…"), English after ("Sync … daily at …").
        return capfirst(gettext("%(what)s %(when)s") % {"what": self.what, "when": self.when})


def schedules_read() -> list[Schedule]:
    """Every periodic task, described, enabled ones first: two queries."""
    tasks = list(
        PeriodicTask.objects.select_related("crontab", "interval").order_by("-enabled", "name")
    )
    names = source_names()
    now = timezone.now()
    return [schedule_describe(task, source_names=names, now=now) for task in tasks]


def source_names() -> dict[int, str]:
    """Each scheduled source's name by its periodic task's id: one query."""
    return dict(Source.objects.filter(schedule__isnull=False).values_list("schedule_id", "name"))


def schedule_describe(
    task: PeriodicTask, *, source_names: dict[int, str], now: dt.datetime
) -> Schedule:
    """``task`` in words (its crontab or interval read, not queried, when already joined)."""
    return Schedule(
        task=task,
        what=_what(task, source_names),
        when=_when(task),
        next_run_at=_next_run(task, now) if task.enabled else None,
    )


def _what(task: PeriodicTask, source_names: dict[int, str]) -> str:
    if task.task == SOURCE_SYNC:
        name = source_names.get(task.pk)
        if name is None:  # the source is gone or was unlinked: name it by its id argument
            args = json.loads(task.args or "[]")
            name = str(args[0]) if args else task.name
        return gettext("sync data source “%(source)s”") % {"source": name}
    if task.task in WHAT:
        return WHAT[task.task]()
    return gettext("run “%(task)s”") % {"task": task.name}


def _when(task: PeriodicTask) -> str:
    if task.crontab_id:
        return crontab_words(task.crontab)
    if task.interval_id:
        return interval_words(task.interval)
    if task.one_off:
        return gettext("once")
    return gettext("on a schedule set in the administration")


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def crontab_words(cron: CrontabSchedule) -> str:
    """A crontab in words: the shapes perf's schedules take (daily, hourly, weekly, monthly)
    by perf's own sentences, anything else by cron-descriptor in the active language."""
    minute, hour = _number(cron.minute), _number(cron.hour)
    every_day = cron.day_of_month == "*" and cron.month_of_year == "*"
    if minute is not None and every_day:
        if hour is None and cron.hour == "*" and cron.day_of_week == "*":
            return gettext("every hour at minute %(minute)d") % {"minute": minute}
        if hour is not None:
            time = f"{hour:02d}:{minute:02d}"
            if cron.day_of_week == "*":
                return gettext("daily at %(time)s") % {"time": time}
            weekday = _number(cron.day_of_week)
            if weekday is not None and weekday <= 7:
                # cron counts from Sunday (0 or 7); Django's WEEKDAYS from Monday (0).
                day = WEEKDAYS[(weekday - 1) % 7]
                return gettext("every %(weekday)s at %(time)s") % {"weekday": day, "time": time}
    if minute is not None and hour is not None and cron.day_of_week == "*":
        day = _number(cron.day_of_month)
        if day is not None and cron.month_of_year == "*":
            return gettext("monthly on day %(day)d at %(time)s") % {
                "day": day,
                "time": f"{hour:02d}:{minute:02d}",
            }
    options = Options()
    options.locale_code = "zh_CN" if (get_language() or "").startswith("zh") else "en_US"
    options.use_24hour_time_format = True
    expression = " ".join(
        [cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week]
    )
    try:
        return ExpressionDescriptor(expression, options).get_description()
    except FormatException:
        return expression


def interval_words(interval: IntervalSchedule) -> str:
    every = interval.every
    units = {
        IntervalSchedule.DAYS: ngettext("every %(n)d day", "every %(n)d days", every),
        IntervalSchedule.HOURS: ngettext("every %(n)d hour", "every %(n)d hours", every),
        IntervalSchedule.MINUTES: ngettext("every %(n)d minute", "every %(n)d minutes", every),
        IntervalSchedule.SECONDS: ngettext("every %(n)d second", "every %(n)d seconds", every),
        IntervalSchedule.MICROSECONDS: ngettext(
            "every %(n)d microsecond", "every %(n)d microseconds", every
        ),
    }
    return units[interval.period] % {"n": every}


def _next_run(task: PeriodicTask, now: dt.datetime) -> dt.datetime | None:
    """When beat will next start ``task``, to the minute (computed, no query)."""
    last = task.last_run_at or now
    if task.crontab_id:
        schedule = task.crontab.schedule
        # The crontab counts in its own zone only when handed a time in it.
        local = now.astimezone(schedule.tz)
        due = local + schedule.remaining_estimate(max(last, now).astimezone(schedule.tz))
    elif task.interval_id:
        due = max(last + task.interval.schedule.run_every, now)
    else:
        return None
    return (due + dt.timedelta(seconds=30)).replace(second=0, microsecond=0)
