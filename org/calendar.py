"""The company calendar: its time zone (``TIME_ZONE``), working days (Monday to Friday) and
when a period closes: once its appeal window (``PERF_APPEALS["window_days"]`` after its end) has
passed, its records are changed only by approved appeals. Periods themselves are
``org.periods``."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from org.periods import Period, Window


def company_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def period_window(period: Period) -> Window:
    """The period in the company's time zone, with open clocks stopping now if it is running."""
    return period.window(tz=company_zone(), as_of=pd.Timestamp(timezone.now()))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` plus ``days`` working days (Monday to Friday), same time of day."""
    local = timezone.localtime(start, company_zone())
    target = np.busday_offset(local.date(), days, roll="forward")
    day = target.astype(dt.date)
    return local.replace(year=day.year, month=day.month, day=day.day)


def appeal_window_end(period: Period) -> dt.datetime:
    """The last moment the period may be appealed: its end plus the configured window."""
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=company_zone())
    return end + dt.timedelta(days=settings.PERF_APPEALS["window_days"])


def period_is_closed(period: Period, *, now: dt.datetime | None = None) -> bool:
    """A period is closed (locked but for approved appeals) once its appeal window has passed."""
    return (now or timezone.now()) >= appeal_window_end(period)
