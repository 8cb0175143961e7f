"""Scoring periods: pure date arithmetic (no Django), for the engine, the calculators and
everything above them. ``org.calendar`` adds the company's time zone, working days and closing.

A period is a calendar month (the default), a week or a quarter, in company time. A week starts
on the company's first day of the week (Monday by default) and is named like the ISO week that
holds most of its days (the one its fourth day falls in), so a Sunday-to-Saturday week is named
after the Monday-to-Sunday week it shares six days with. It is
half-open, ``[start, end)``: a record at exactly midnight on the first of November
belongs to November. Bounds are dates in the company's time zone (given by the caller, from
settings); ``window`` turns them into UTC instants so records stored in UTC are assigned by the
company's calendar, not by UTC's.
"""

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

import pandas as pd


class PeriodKind(StrEnum):
    MONTH = "month"
    WEEK = "week"
    QUARTER = "quarter"


_PATTERNS = {
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    start: dt.date

    @classmethod
    def parse(cls, text: str, *, week_start: int = 0) -> "Period":
        """``2026-10`` (month), ``2026-Q4`` (quarter) or ``2026-W43`` (week, starting on
        ``week_start``: 0 Monday … 6 Sunday)."""
        text = text.strip().upper()
        for kind, pattern in _PATTERNS.items():
            found = pattern.match(text)
            if not found:
                continue
            year, number = int(found[1]), int(found[2])
            try:
                if kind is PeriodKind.MONTH:
                    return cls(kind, dt.date(year, number, 1))
                if kind is PeriodKind.QUARTER:
                    return cls(kind, dt.date(year, 3 * number - 2, 1))
                monday = dt.date.fromisocalendar(year, number, 1)
                # The week holding most of the ISO week's days: it starts at most three days
                # after that Monday, or at most three days before it.
                offset = week_start if week_start <= 3 else week_start - 7
                return cls(kind, monday + dt.timedelta(days=offset))
            except ValueError:
                break
        raise ValueError(
            f"{text!r} is not a period: use YYYY-MM (month), YYYY-Qn (quarter) or YYYY-Wnn (week)"
        )

    @classmethod
    def containing(
        cls, day: dt.date, kind: PeriodKind = PeriodKind.MONTH, *, week_start: int = 0
    ) -> "Period":
        """The period of ``kind`` that contains ``day`` (weeks starting on ``week_start``)."""
        if kind is PeriodKind.MONTH:
            return cls(kind, day.replace(day=1))
        if kind is PeriodKind.QUARTER:
            return cls(kind, dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))
        return cls(kind, day - dt.timedelta(days=(day.weekday() - week_start) % 7))

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        if self.kind is PeriodKind.WEEK:
            return self.start + dt.timedelta(days=7)
        months = 1 if self.kind is PeriodKind.MONTH else 3
        month_index = self.start.year * 12 + self.start.month - 1 + months
        return dt.date(month_index // 12, month_index % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        year, week, _ = (self.start + dt.timedelta(days=3)).isocalendar()
        return f"{year}-W{week:02d}"

    def previous(self) -> "Period":
        if self.kind is PeriodKind.WEEK:  # a week keeps its own first weekday
            return Period(self.kind, self.start - dt.timedelta(days=7))
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def next(self) -> "Period":
        return Period(self.kind, self.end)

    def window(self, *, tz: ZoneInfo, as_of: pd.Timestamp | None = None) -> "Window":
        """This period's UTC bounds in time zone ``tz``, with the previous period's start for
        comparisons. ``as_of`` (UTC) is when the data was read: for a period still running,
        clocks that are still open stop there rather than at the period's end."""
        end = _utc(self.end, tz)
        return Window(
            start=_utc(self.start, tz),
            end=end,
            previous_start=_utc(self.previous().start, tz),
            first_day=self.start,
            end_day=self.end,
            tz=tz,
            cutoff=end if as_of is None else min(end, as_of),
        )

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Window:
    """A period as instants (UTC ``pd.Timestamp``) and as company-calendar dates.

    ``previous_start`` opens the period before, which retention indicators compare against;
    ``cutoff`` is where clocks still running stop (the end, or earlier for a running period).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    previous_start: pd.Timestamp
    first_day: dt.date
    end_day: dt.date  # exclusive
    tz: ZoneInfo  # the company's time zone
    cutoff: pd.Timestamp  # the end, or when the data was read if that is earlier


def _utc(day: dt.date, tz: ZoneInfo) -> pd.Timestamp:
    """Midnight of ``day`` in time zone ``tz``, as a UTC instant."""
    return pd.Timestamp(dt.datetime.combine(day, dt.time(), tzinfo=tz)).tz_convert("UTC")
