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
import numpy as np
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


def period_parse(text: str) -> Period:
    """``Period.parse`` with the company's weeks (``PERF_WEEK_START``)."""
    return Period.parse(text, week_start=week_start())


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


MICROS_PER_HOUR = 3_600_000_000
MICROS_PER_DAY = 24 * MICROS_PER_HOUR


def add_working_hours(starts: pd.Series, hours: pd.Series) -> pd.Series:
    """``starts`` (instants) plus ``hours`` of working time, as UTC instants, element-wise.

    Working time is whole working days of the company calendar, 00:00–24:00 company time (perf
    defines no working hours within a day): days off (the week's rest days, public and company
    holidays) do not count, make-up working days do. Friday 16:00 + 24 h is Monday 16:00; a
    start on a day off counts from the next working day's 00:00. Hours are rounded to whole
    microseconds (what the database keeps), so a fractional threshold gives the same instant
    in memory, in the database and in the ledger. A missing start or hours gives NaT.

    One query for the company's own days over the batch's span and numpy for the rest: the
    wall-clock position of each start in working time, plus the hours, found back among the
    working days by a sorted search."""
    starts = pd.to_datetime(starts, utc=True)
    micros = np.round(pd.to_numeric(hours, errors="coerce").to_numpy(dtype=float) * MICROS_PER_HOUR)
    valid = starts.notna().to_numpy() & np.isfinite(micros)
    out = pd.Series(pd.NaT, index=starts.index, dtype="datetime64[us, UTC]")
    if not valid.any():
        return out
    zone = company_zone()
    wall = starts[valid].dt.tz_convert(zone).dt.tz_localize(None).to_numpy("datetime64[us]")
    wall_us = wall.astype(np.int64)
    micros = micros[valid].astype(np.int64)
    day_no = wall_us // MICROS_PER_DAY  # days since 1970-01-01, company wall clock
    first = int(day_no.min())
    # Enough working days after the last start to hold the longest span (plus the start day).
    needed = int(-(-micros.max() // MICROS_PER_DAY)) + 1
    last = int(day_no.max()) + 2 * needed + 30
    while True:
        is_work = _working_mask(first, last)
        if is_work[int(day_no.max()) - first :].sum() > needed:
            break
        last += 2 * needed + 30  # a long run of company holidays: look further
    worked_before = np.concatenate([[0], np.cumsum(is_work)[:-1]]) * MICROS_PER_DAY
    index = day_no - first
    position = worked_before[index] + np.where(is_work[index], wall_us - day_no * MICROS_PER_DAY, 0)
    target = position + micros
    work_days = np.flatnonzero(is_work)
    # The last working day starting at or before the target (a target at a day's end is the
    # next working day's 00:00, as a start on a day off is).
    which = np.searchsorted(worked_before[work_days], target, side="right") - 1
    due_wall = (
        (first + work_days[which]) * MICROS_PER_DAY + target - worked_before[work_days[which]]
    )
    due = pd.DatetimeIndex(due_wall.astype("datetime64[us]")).tz_localize(
        zone, ambiguous=np.zeros(len(due_wall), dtype=bool), nonexistent="shift_forward"
    )
    out[valid] = pd.Series(due.tz_convert("UTC"), index=starts.index[valid])
    return out


def working_hours_after(start: dt.datetime, hours) -> dt.datetime:
    """One instant plus ``hours`` of working time (see ``add_working_hours``)."""
    due = add_working_hours(pd.Series([start]), pd.Series([hours])).iloc[0]
    return due.to_pydatetime()


def working_hours_between(starts: pd.Series, ends: pd.Series) -> pd.Series:
    """Working time from each of ``starts`` to the matching one of ``ends``, in hours (negative
    when the end comes first), element-wise; NaN where either is missing. The inverse of
    ``add_working_hours``, on the same calendar: an instant on a day off stands at the next
    working day's 00:00, so from Friday 16:00 to Monday 16:00 is 24 hours. One query for the
    company's own days over the span."""
    starts = pd.to_datetime(starts, utc=True)
    ends = pd.to_datetime(ends, utc=True)
    out = pd.Series(np.nan, index=starts.index, dtype=float)
    valid = starts.notna().to_numpy() & ends.notna().to_numpy()
    if not valid.any():
        return out
    zone = company_zone()
    start_us, end_us = (
        instants[valid]
        .dt.tz_convert(zone)
        .dt.tz_localize(None)
        .to_numpy("datetime64[us]")
        .astype(np.int64)
        for instants in (starts, ends)
    )
    first = int(min(start_us.min(), end_us.min()) // MICROS_PER_DAY)
    last = int(max(start_us.max(), end_us.max()) // MICROS_PER_DAY)
    is_work = _working_mask(first, last)
    worked_before = np.concatenate([[0], np.cumsum(is_work)[:-1]]) * MICROS_PER_DAY

    def position(wall_us: np.ndarray) -> np.ndarray:
        day_no = wall_us // MICROS_PER_DAY
        index = day_no - first
        return worked_before[index] + np.where(is_work[index], wall_us - day_no * MICROS_PER_DAY, 0)

    out[valid] = (position(end_us) - position(start_us)) / MICROS_PER_HOUR
    return out


def _working_mask(first: int, last: int) -> np.ndarray:
    """Which days (numbered from 1970-01-01) from ``first`` to ``last`` are working days."""
    epoch = dt.date(1970, 1, 1)
    days = [epoch + dt.timedelta(days=n) for n in range(first, last + 1)]
    calendar = working_days(days[0], days[-1])
    return np.array([day in calendar for day in days], dtype=bool)


def appeal_window_end(period: Period) -> dt.datetime:
    """The last moment the period may be appealed: its end plus the configured window
    (calendar days, as the appeal rules state them)."""
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=company_zone())
    return end + dt.timedelta(days=settings.PERF_APPEALS["window_days"])


def period_is_closed(period: Period, *, now: dt.datetime | None = None) -> bool:
    """A period is closed (locked but for approved appeals) once its appeal window has passed."""
    return (now or timezone.now()) >= appeal_window_end(period)
