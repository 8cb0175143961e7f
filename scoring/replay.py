"""Replaying past periods with other weights, in memory: what a run would compute, read by the
same readers and scored by the same engine, written nowhere (the weight lab's "what if").

Reads only: no ScoreRun, no EmployeeScore, no ledger entry, no signal.
"""

from collections.abc import Iterable

import pandas as pd

from indicators.selectors import catalog_in_force, record_frames
from org.periods import Period, PeriodKind
from scoring.chunks import chunk_score, targets_frame
from scoring.engine.score import finalise
from scoring.models import EmployeeScore
from scoring.runs import scoring_config
from scoring.selectors import scheme_weights, schemes_in_force

# What a replay and the published results give per person and period.
RESULT_COLUMNS = ["employee_id", "period", "team_id", "level", "state", "total", "grade"]


def published_months(limit: int = 24) -> list[Period]:
    """The latest ``limit`` months with published results (current, not provisional), newest
    first."""
    starts = (
        EmployeeScore.objects.filter(
            is_current=True, period_kind=PeriodKind.MONTH, run__provisional=False
        )
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()[:limit]
    )
    return [Period(PeriodKind.MONTH, start) for start in starts]


def published_results(periods: Iterable[Period]) -> pd.DataFrame:
    """The published result of each person in ``periods`` (one query): ``RESULT_COLUMNS``,
    ``period`` the period's first day; ``total`` NaN and ``grade`` empty for the unscored."""
    periods = list(periods)
    rows = (
        EmployeeScore.objects.filter(
            is_current=True,
            run__provisional=False,
            period_kind__in={period.kind.value for period in periods},
            period_start__in=[period.start for period in periods],
        )
        .order_by("period_start", "employee_id")
        .values_list("employee_id", "period_start", "team_id", "level", "state", "total", "grade")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=RESULT_COLUMNS)
    frame["total"] = frame["total"].astype(float)
    return frame


def weights_in_force(period: Period) -> tuple[dict[str, dict[str, object]], dict]:
    """The schemes in force for ``period`` per level (as a run records them) and their global
    weights per level (as a run reads them)."""
    schemes = schemes_in_force(period)
    return schemes, scheme_weights(schemes)


def period_replay(
    *,
    period: Period,
    schemes: dict[str, dict[str, object]],
    global_weights: dict[str, dict[str, float]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The whole company's results of ``period`` scored with ``schemes`` and ``global_weights``
    (per level, as ``weights_in_force`` gives them; a lab puts a draft's in place of a level's)
    and ranked and graded together as a run does.

    Returns the people (``RESULT_COLUMNS``) and their raw indicator values (``employee_id``,
    ``period``, ``code``, ``raw``; the weighed indicators of the active, NaN: not measured).
    """
    frames = record_frames(period=period)
    indicators = catalog_in_force(period)
    targets = targets_frame(frames.employees, indicators, period, everyone=True)
    config = scoring_config()
    result = chunk_score(
        frames=frames,
        period=period,
        indicators=indicators,
        targets=targets,
        schemes=schemes,
        global_weights=global_weights,
        config=config,
    )
    people = finalise(result.employees, config).rename_axis("employee_id").reset_index()
    people["period"] = period.start
    people["grade"] = people["grade"].fillna("")
    people["total"] = people["total"].astype(float)
    raw = result.indicators[["employee_id", "code", "raw"]].copy()
    raw["period"] = period.start
    return people[RESULT_COLUMNS], raw
