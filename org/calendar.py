"""The company calendar: its time zone (``TIME_ZONE``, from ``PERF_TIME_ZONE``), the first day
of its week (``PERF_WEEK_START``), its working days (``PERF_WORKING_DAYS`` less its public
holidays, ``PERF_HOLIDAY_CALENDAR``, and its own holidays, plus make-up working days and its own
working days: ``CompanyDay`` rows, edited in the admin) and when a period closes: once its appeal
window (``PERF_APPEALS["window_days"]`` calendar days after its end) has passed, its records are
changed only by approved appeals. Periods themselves are ``org.periods``.

China's public holidays and make-up working days (调休) come from ``chinesecalendar``, which
knows the years the State Council has announced (2004 to 2026 in version 1.11.0). For a year it
does not know, no public holiday is assumed: its days are working days by the week alone until
the library is upgraded or the company enters that year's holidays as company days.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar
import pandas as pd
from django.conf import settings
from django.utils import timezone

from org.models import CompanyDay, CompanyDayKind
from org.periods import Period, Window

logger = logging.getLogger(__name__)
# The last year whose public holidays the installed chinesecalendar knows.
CN_KNOWN_UNTIL = max(chinese_calendar.holidays).year


def company_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def week_start() -> int:
    """The first day of the company's week: 0 (Monday) … 6 (Sunday)."""
    return int(settings.PERF_WEEK_START)


def period_window(period: Period) -> Window:
    """The period in the company's time zone, with open clocks stopping now if it is running."""
    return period.window(tz=company_zone(), as_of=pd.Timestamp(timezone.now()))


@dataclass(frozen=True)
class WorkingDays:
    """Which days from ``first`` to ``last`` (inclusive) are working days: the week's working
    days, less ``holidays``, plus ``extra`` (make-up and company working days)."""

    first: dt.date
    last: dt.date
    weekdays: frozenset[int]
    holidays: frozenset[dt.date]
    extra: frozenset[dt.date]

    def __contains__(self, day: dt.date) -> bool:
        if day in self.extra:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays


def public_days(first: dt.date, last: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    """The public holidays and make-up working days from ``first`` to ``last`` of the
    configured country (none for ``PERF_HOLIDAY_CALENDAR=none`` or years the library lacks)."""
    if settings.PERF_HOLIDAY_CALENDAR != "cn":
        return set(), set()
    if last.year > CN_KNOWN_UNTIL:
        logger.warning(
            "chinesecalendar knows China's public holidays until %s: days after it are counted "
            "by the week and the company's own days only (upgrade it or add company days).",
            CN_KNOWN_UNTIL,
        )
    holidays = {day for day in chinese_calendar.holidays if first <= day <= last}
    workdays = {day for day in chinese_calendar.workdays if first <= day <= last}
    return holidays, workdays


def working_days(first: dt.date, last: dt.date) -> WorkingDays:
    """The company's working days from ``first`` to ``last``: one query for its own days."""
    holidays, extra = public_days(first, last)
    own = CompanyDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "kind")
    for day, kind in own:  # the company's own list overrides the public calendar
        if kind == CompanyDayKind.HOLIDAY:
            holidays.add(day)
            extra.discard(day)
        else:
            extra.add(day)
            holidays.discard(day)
    return WorkingDays(
        first=first,
        last=last,
        weekdays=frozenset(settings.PERF_WORKING_DAYS),
        holidays=frozenset(holidays),
        extra=frozenset(extra),
    )


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` plus ``days`` working days, same time of day in company time. A start on a day
    off counts from the next working day (Saturday + 5 is the Monday after next)."""
    local: dt.datetime = timezone.localtime(start, company_zone())
    day, remaining = local.date(), days
    # Enough days for most spans at once (Spring Festival closes ~9 days); further spans only
    # when a long run of company holidays outlasts it.
    span = dt.timedelta(days=2 * days + 30)
    calendar = working_days(day, day + span)
    while day not in calendar or remaining > 0:
        if day in calendar:
            remaining -= 1
        day += dt.timedelta(days=1)
        if day > calendar.last:
            calendar = working_days(day, day + span)
    return local.replace(year=day.year, month=day.month, day=day.day)


def appeal_window_end(period: Period) -> dt.datetime:
    """The last moment the period may be appealed: its end plus the configured window
    (calendar days, as the appeal rules state them)."""
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=company_zone())
    return end + dt.timedelta(days=settings.PERF_APPEALS["window_days"])


def period_is_closed(period: Period, *, now: dt.datetime | None = None) -> bool:
    """A period is closed (locked but for approved appeals) once its appeal window has passed."""
    return (now or timezone.now()) >= appeal_window_end(period)
