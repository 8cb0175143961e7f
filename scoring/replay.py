"""Replaying past periods with other weights, in memory: what a run would compute, read by the
same readers and scored by the same engine, written nowhere (the weight lab's "what if").

Reads only: no ScoreRun, no EmployeeScore, no ledger entry, no signal.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

import pandas as pd

from indicators.calculators.base import RecordFrames
from indicators.record_frames import record_frames
from indicators.selectors import catalog_in_force
from org.periods import Period, PeriodKind
from scoring.chunks import alongside, chunk_score, cyclic_gc_paused, targets_frame
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
    [replayed] = periods_replay(periods=[period], weights=lambda _period: (schemes, global_weights))
    return replayed


@dataclass(frozen=True)
class _Inputs:
    """What scoring a period reads: the records, the catalog and the targets in force."""

    frames: RecordFrames
    indicators: pd.DataFrame
    targets: pd.DataFrame


def _inputs_read(period: Period) -> _Inputs:
    frames = record_frames(period=period)
    indicators = catalog_in_force(period)
    targets = targets_frame(frames.employees, indicators, period, everyone=True)
    return _Inputs(frames=frames, indicators=indicators, targets=targets)


def _inputs_read_into(inputs: list[_Inputs], periods: list[Period]) -> None:
    inputs.extend(_inputs_read(period) for period in periods)


def periods_replay(
    *,
    periods: Sequence[Period],
    weights: Callable[[Period], tuple[dict[str, dict[str, object]], dict[str, dict[str, float]]]],
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """``period_replay`` of each of ``periods`` in turn, with the schemes and global weights
    ``weights`` gives for it. Each period's records are read while the one before is scored
    (the database works on one core while Python scores on the other, as a run writes), so a
    replay of six months costs about one read and six scorings."""
    periods = list(periods)
    config = scoring_config()
    following: list[_Inputs] = [_inputs_read(periods[0])] if periods else []
    for index, period in enumerate(periods):
        inputs = following.pop()
        schemes, global_weights = weights(period)  # read before the next month's reading starts
        read_ahead = partial(_inputs_read_into, following, periods[index + 1 : index + 2])
        with cyclic_gc_paused(), alongside(read_ahead):
            result = chunk_score(
                frames=inputs.frames,
                period=period,
                indicators=inputs.indicators,
                targets=inputs.targets,
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
        del inputs, result  # the month's records go before the next is scored
        yield people[RESULT_COLUMNS], raw
