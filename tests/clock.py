"""The suite's clock: every test runs at a pinned instant, and builds its periods from it.

The pin is 10:00 (company time) on the 18th of the month the process clock is in: mid-month and
mid-morning, so no test meets a month end, a midnight or a short February, and the previous
month's appeal window is open. Tests name periods relative to the pin (``THIS_MONTH``,
``months_ago(2)``) and days within them (``at(period, day, hour)``), never literal months, so
the suite gives the same answers in any month. CI runs it a second time with the pin 18 months
ahead (``PERF_TEST_CLOCK_AHEAD_DAYS=548``) to keep it so. The pin moves every thread's clock (the
live server's too); PostgreSQL keeps its own, which no code reads.
"""

import datetime as dt
import os
from zoneinfo import ZoneInfo

from org.periods import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")
PINNED_DAY, PINNED_HOUR = 18, 10


def _pinned(today: dt.date) -> dt.datetime:
    return dt.datetime(today.year, today.month, PINNED_DAY, PINNED_HOUR, tzinfo=SHANGHAI)


# Read once, when the suite starts, from the process clock; CI's second pass runs the suite as
# if on a day that many days ahead.
AHEAD = dt.timedelta(days=int(os.environ.get("PERF_TEST_CLOCK_AHEAD_DAYS", "0")))
PINNED_NOW = _pinned((dt.datetime.now(SHANGHAI) + AHEAD).date())
THIS_MONTH = Period.containing(PINNED_NOW.date())


def months_ago(months: int) -> Period:
    """The month ``months`` before the pinned one (``months_ago(1)`` is last month)."""
    period = THIS_MONTH
    for _ in range(months):
        period = period.previous()
    return period


def months_ahead(months: int) -> Period:
    period = THIS_MONTH
    for _ in range(months):
        period = period.next()
    return period


LAST_MONTH = months_ago(1)


def at(period: Period, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """``day`` of ``period`` at ``hour``:``minute``, Shanghai time."""
    return dt.datetime.combine(
        period.start.replace(day=day), dt.time(hour, minute), tzinfo=SHANGHAI
    )


def stamp(day: int, hour: int, minute: int = 0, *, period: Period = LAST_MONTH) -> str:
    """``at(period, day, hour, minute)`` as people type it: ``YYYY-MM-DD HH:MM``."""
    return f"{at(period, day, hour, minute):%Y-%m-%d %H:%M}"
