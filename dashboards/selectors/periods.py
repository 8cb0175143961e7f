"""The periods with published scores, the one a page shows and its trend."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404

from org.fields import period_from_text
from org.periods import Period, PeriodKind
from scoring.models import RunStatus, ScoreRun

TREND_PERIODS = 6


@dataclass(frozen=True)
class ScoredPeriod:
    """A period and a stamp of its published results: the newest finished run and when the
    latest one finished. Either changes when a run of the period is published."""

    period: Period
    stamp: str

    @property
    def scored(self) -> bool:
        return bool(self.stamp)


def scored_periods() -> list[ScoredPeriod]:
    """Periods with published scores, newest first, with their stamps (one query over runs)."""
    rows = (
        # A provisional run (a month still running) published nothing.
        ScoreRun.objects.filter(status=RunStatus.SUCCEEDED, provisional=False)
        .values("period_kind", "period_start")
        .annotate(newest=Max("id"), finished=Max("finished_at"))
        .order_by("-period_start", "period_kind")
    )
    return [
        ScoredPeriod(
            Period(PeriodKind(row["period_kind"]), row["period_start"]),
            f"{row['newest']}@{row['finished'].timestamp() if row['finished'] else ''}",
        )
        for row in rows
    ]


def _stamp(period: Period, periods: Iterable[ScoredPeriod]) -> ScoredPeriod:
    """``period`` with its stamp among ``periods``; an empty stamp when nothing scored it."""
    return next((p for p in periods if p.period == period), ScoredPeriod(period, ""))


def period_pick(requested: str, periods: list[ScoredPeriod]) -> ScoredPeriod | None:
    """The period asked for (``2026-10``, ``2026-Q4``), else the latest scored month (else the
    latest scored period); ``None`` when nothing was ever scored. Malformed text, or a period
    outside the years perf scores (year 1 or 9999 has no month before or after), is a 404."""
    if requested:
        try:
            return _stamp(period_from_text(requested), periods)
        except ValidationError as exc:
            raise Http404 from exc
    months = [p for p in periods if p.period.kind is PeriodKind.MONTH]
    return (months or periods or [None])[0]


def trend_periods(period: Period, periods: list[ScoredPeriod]) -> list[ScoredPeriod]:
    """The ``TREND_PERIODS`` periods of the same kind ending with ``period``, oldest first."""
    found = [period]
    while len(found) < TREND_PERIODS:
        found.append(found[-1].previous())
    return [_stamp(p, periods) for p in reversed(found)]
