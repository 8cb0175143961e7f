"""Periods: parsing, bounds in company time, neighbours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from org.periods import Period, PeriodKind


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "previous"),
    [
        ("2026-10", PeriodKind.MONTH, dt.date(2026, 10, 1), dt.date(2026, 11, 1), "2026-09"),
        ("2026-01", PeriodKind.MONTH, dt.date(2026, 1, 1), dt.date(2026, 2, 1), "2025-12"),
        ("2026-12", PeriodKind.MONTH, dt.date(2026, 12, 1), dt.date(2027, 1, 1), "2026-11"),
        ("2026-Q1", PeriodKind.QUARTER, dt.date(2026, 1, 1), dt.date(2026, 4, 1), "2025-Q4"),
        ("2026-q4", PeriodKind.QUARTER, dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026-Q3"),
        # ISO week 1 of 2026 starts on Monday 29 December 2025.
        ("2026-W01", PeriodKind.WEEK, dt.date(2025, 12, 29), dt.date(2026, 1, 5), "2025-W52"),
        ("2026-W44", PeriodKind.WEEK, dt.date(2026, 10, 26), dt.date(2026, 11, 2), "2026-W43"),
    ],
)
def test_parse_bounds_and_previous(text, kind, start, end, previous):
    period = Period.parse(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.previous().label == previous
    assert period.previous().next() == period
    assert Period.parse(period.label) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026-W54", "202610", "October", ""])
def test_bad_periods_are_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse(text)


def test_window_is_company_midnight_in_utc():
    window = Period.parse("2026-10").window(tz=ZoneInfo("Asia/Shanghai"))
    assert window.start == pd.Timestamp("2026-09-30 16:00", tz="UTC")
    assert window.end == pd.Timestamp("2026-10-31 16:00", tz="UTC")
    assert window.previous_start == pd.Timestamp("2026-08-31 16:00", tz="UTC")
    assert (window.first_day, window.end_day) == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))


@pytest.mark.parametrize(
    ("day", "kind", "label"),
    [
        (dt.date(2026, 10, 31), PeriodKind.MONTH, "2026-10"),
        (dt.date(2026, 11, 1), PeriodKind.QUARTER, "2026-Q4"),
        (dt.date(2026, 11, 1), PeriodKind.WEEK, "2026-W44"),
    ],
)
def test_the_period_containing_a_day(day, kind, label):
    assert Period.containing(day, kind).label == label


@pytest.mark.parametrize(
    ("week_start", "start", "day_in_it"),
    [
        # ISO week 44 of 2026 runs Monday 26 October to Sunday 1 November.
        (0, dt.date(2026, 10, 26), dt.date(2026, 11, 1)),
        # Sunday to Saturday: named after the ISO week it shares six days with.
        (6, dt.date(2026, 10, 25), dt.date(2026, 10, 31)),
        # Saturday to Friday: five days of ISO week 44.
        (5, dt.date(2026, 10, 24), dt.date(2026, 10, 30)),
        # Thursday to Wednesday: four days of ISO week 44.
        (3, dt.date(2026, 10, 29), dt.date(2026, 11, 4)),
    ],
)
def test_a_company_week_starts_on_its_first_weekday_and_keeps_the_iso_name(
    week_start, start, day_in_it
):
    week = Period.parse("2026-W44", week_start=week_start)
    assert (week.start, week.end, week.label) == (start, start + dt.timedelta(days=7), "2026-W44")
    assert week.previous() == Period.parse("2026-W43", week_start=week_start)
    assert week.previous().next() == week
    assert Period.containing(day_in_it, PeriodKind.WEEK, week_start=week_start) == week
    assert (
        Period.containing(
            start - dt.timedelta(days=1), PeriodKind.WEEK, week_start=week_start
        ).label
        == "2026-W43"
    )


def test_periods_asked_for_by_text_use_the_company_week(settings):
    from org.fields import period_from_text

    settings.PERF_WEEK_START = 6  # Sunday
    assert period_from_text("2026-W44").start == dt.date(2026, 10, 25)
    assert period_from_text("2026-10").start == dt.date(2026, 10, 1)
