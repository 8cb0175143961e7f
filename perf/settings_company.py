"""The company's own rules, from the environment (read by ``perf.settings``): its calendar,
perf's address as its people reach it, the longest process-node threshold its sources may send,
and how totals become grades."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# The company calendar (org.calendar): its time zone (periods, naive times in imports, month
# attribution, schedules and the times shown), the first day of its week, its working days and
# whose public holidays and make-up working days count ("cn": China's, from chinesecalendar;
# "none": weekends only). Holidays and working days of the company's own are kept in the admin.
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(name: str, value: str) -> int:
    """A weekday as 0 (Monday) … 6 (Sunday), from mon/monday/1 … sun/sunday/7."""
    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1
    if text[:3] in _WEEKDAYS and len(text) >= 3:
        return _WEEKDAYS.index(text[:3])
    raise ImproperlyConfigured(f"{name} must be a weekday (mon … sun, or 1 … 7), not {value!r}.")


TIME_ZONE = env("PERF_TIME_ZONE", default="Asia/Shanghai").strip()
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as _zone_error:
    raise ImproperlyConfigured(
        f"PERF_TIME_ZONE must be an IANA time zone such as Asia/Shanghai or Europe/Berlin, "
        f"not {TIME_ZONE!r}."
    ) from _zone_error
# perf's own address as people reach it (https://perf.example.com/): the set-password links of
# accounts a people sync creates are mailed with it. Empty: a sync cannot know the address, so
# it mails no link and logs the accounts waiting for one.
PERF_SITE_URL = env("PERF_SITE_URL", default="").strip()
if PERF_SITE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _site = _urlsplit(PERF_SITE_URL)
    if _site.scheme not in ("http", "https") or not _site.hostname:
        raise ImproperlyConfigured(
            f"PERF_SITE_URL must be perf's address such as https://perf.example.com/, "
            f"not {PERF_SITE_URL!r}."
        )
# The longest threshold an order's process node may have, in hours (default 90 days: delivery to
# remote regions takes weeks); a longer one arriving from a source is refused as an entry error.
PERF_NODE_MAX_HOURS = env.int("PERF_NODE_MAX_HOURS", default=2160)
if not 1 <= PERF_NODE_MAX_HOURS <= 8760:
    raise ImproperlyConfigured(
        f"PERF_NODE_MAX_HOURS must be a number of hours from 1 to 8760, not {PERF_NODE_MAX_HOURS}."
    )
PERF_WEEK_START = _weekday("PERF_WEEK_START", env("PERF_WEEK_START", default="mon"))
PERF_WORKING_DAYS = tuple(
    sorted(
        {
            _weekday("PERF_WORKING_DAYS", day)
            for day in env("PERF_WORKING_DAYS", default="mon,tue,wed,thu,fri").split(",")
        }
    )
)
PERF_HOLIDAY_CALENDAR = env("PERF_HOLIDAY_CALENDAR", default="cn").strip().lower()
if PERF_HOLIDAY_CALENDAR not in ("cn", "none"):
    raise ImproperlyConfigured(
        f"PERF_HOLIDAY_CALENDAR must be cn or none, not {PERF_HOLIDAY_CALENDAR!r}."
    )

# Grading and veto rules of the company (scoring.engine.score.ScoringConfig).
PERF_SCORING = {
    "grading": env("PERF_GRADING", default="thresholds"),  # or "distribution" (forced)
    "veto_cap": env.float("PERF_VETO_CAP", default=59.0),
    "veto_grade": env("PERF_VETO_GRADE", default="C"),
    # The least share (0–1) of a person's scheme weight their measured indicators must carry for
    # a total and a grade; below it they are shown as "not enough data".
    "min_measured_weight": env.float("PERF_MIN_MEASURED_WEIGHT", default=0.6),
}
if PERF_SCORING["grading"] not in ("thresholds", "distribution"):
    raise ImproperlyConfigured("PERF_GRADING must be thresholds or distribution")
if not 0.0 <= PERF_SCORING["min_measured_weight"] <= 1.0:
    raise ImproperlyConfigured(
        "PERF_MIN_MEASURED_WEIGHT must be a share between 0 and 1 (0.6 for 60%), not "
        f"{PERF_SCORING['min_measured_weight']!r}."
    )
