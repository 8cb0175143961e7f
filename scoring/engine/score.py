"""From raw indicator values to explained scores: the engine's two steps.

``score_chunk`` handles whole teams at a time (percentile normalisation and team comparisons stay
inside a team), so a period can be split across workers by team. ``finalise`` then ranks and
grades everybody of the run together, which needs the whole company.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.engine import explain, grade, rank
from scoring.engine.aggregate import aggregate
from scoring.engine.normalise import LINEAR, normalise, percentile_in_group
from scoring.engine.veto import capped_total, vetoes

TIERS = ("basic", "efficiency", "quality", "innovation")
THRESHOLDS = "thresholds"
DISTRIBUTION = "distribution"
# What a person's result is (``scoring.models.ScoreState`` stores them): only the scored get a
# total, tier scores, a grade, ranks and a plan.
SCORED = "scored"
NO_ACTIVITY = "no_activity"  # not a record of their own in the period
NOT_ENOUGH_DATA = "not_enough_data"  # measured less than ``min_measured_weight`` of the weight


@dataclass(frozen=True)
class ScoringConfig:
    """How totals become grades, and what a veto does. Defaults are the company defaults."""

    veto_cap: float = 59.0  # highest total a vetoed person can have
    veto_grade: str = "C"  # best grade a vetoed person can have
    grading: str = THRESHOLDS  # or DISTRIBUTION (forced)
    thresholds: Mapping[str, float] = field(
        default_factory=lambda: {"S": 90.0, "A": 80.0, "B": 70.0, "C": 60.0}
    )
    distribution: Mapping[str, float] = field(
        default_factory=lambda: {"S": 0.10, "A": 0.20, "B": 0.40, "C": 0.20, "D": 0.10}
    )
    plan_grade: str = "D"  # this grade puts a person on an improvement plan
    adaptive_periods: int = 3
    adaptive_threshold: float = 95.0
    # 0–1: the least share of a person's scheme weight (before re-sharing) their measured
    # indicators must carry for a total; below it the total would rest on a sliver of the work.
    min_measured_weight: float = 0.6


@dataclass(frozen=True)
class ChunkResult:
    """``employees``: index employee id; ``team_id``, ``level``, ``state`` (``SCORED``,
    ``NO_ACTIVITY`` or ``NOT_ENOUGH_DATA``), ``measured_share`` (0–1), ``total`` (after any veto
    cap), ``uncapped_total``, one column per tier, ``vetoes`` and ``missing`` (lists of codes),
    ``not_measured`` (the missing codes with why: ``{code: {"reason": …}}``), ``suggestions``
    (``{"zh": [...], "en": [...]}``), ``plan`` (bool). Totals and tiers are NaN, suggestions
    empty and ``plan`` false for everyone not scored.

    ``indicators``: one row per employee with activity and weighed indicator: ``employee_id``,
    ``code``, ``raw``, ``target``, ``normalised``, ``weight`` (as applied; NaN when not scored),
    ``contribution`` (points; likewise), ``team_average`` (raw), ``team_percentile``.

    The explanations, in the order of ``employees``, come from ``explanations()``: writing the
    numbers need not wait for the words.
    """

    employees: pd.DataFrame
    indicators: pd.DataFrame
    figures: explain.Figures
    texts: dict[str, explain.IndicatorText]
    veto_cap: float

    def explanations(self) -> list[dict[str, list[str]]]:
        """Each person's explanation, ``{"zh": [...], "en": [...]}``."""
        return explain.explanations(self.figures, self.texts, self.veto_cap)


def _texts(indicators: pd.DataFrame) -> dict[str, explain.IndicatorText]:
    return {
        code: explain.IndicatorText(
            name={"zh": row.name_zh, "en": row.name_en},
            unit=row.unit,
            direction=row.direction,
            floor=None if pd.isna(row.floor) else float(row.floor),
        )
        for code, row in indicators.iterrows()
    }


def _rows_where(
    frame: pd.DataFrame, keep: npt.NDArray[np.bool_], other: pd.DataFrame | float | bool = np.nan
) -> pd.DataFrame:
    """``frame`` with the rows where ``keep`` is false replaced by ``other``."""
    return frame.where(np.broadcast_to(keep[:, None], frame.shape), other)


def _team_percentiles(
    raw: pd.DataFrame, teams: pd.Series, indicators: pd.DataFrame
) -> pd.DataFrame:
    """employees × codes: the share of teammates with a value each person does better than."""
    return pd.DataFrame(
        {
            code: percentile_in_group(
                raw[code], teams, higher_is_better=indicators.loc[code, "direction"] == "higher"
            )
            for code in raw.columns
        },
        index=raw.index,
    )


def _reasons(
    missing: list[list[str]], not_measured: pd.DataFrame | None, index: pd.Index
) -> list[dict[str, dict[str, object]]]:
    """Per person, each weighed code without data with why it was not measured. People missing
    the same codes for the same reasons share one dict (stored and worded once per pattern)."""
    default: dict[str, object] = {"reason": explain.NO_VALUE}
    cells = np.empty((len(index), 0), dtype=object)
    columns: dict[str, int] = {}
    if not_measured is not None:
        reasons = not_measured.reindex(index=index)
        columns = {code: position for position, code in enumerate(reasons.columns)}
        cells = reasons.to_numpy(dtype=object)
    patterns: dict[tuple[object, ...], dict[str, dict[str, object]]] = {}
    result = []
    for row, codes in enumerate(missing):
        found = [cells[row, columns[code]] if code in columns else None for code in codes]
        key = (*codes, *map(id, found))  # the reasons live as long as ``cells``
        if key not in patterns:
            patterns[key] = {
                code: reason if isinstance(reason, dict) else default
                for code, reason in zip(codes, found, strict=True)
            }
        result.append(patterns[key])
    return result


def score_chunk(
    *,
    raw: pd.DataFrame,
    people: pd.DataFrame,
    indicators: pd.DataFrame,
    weights: pd.DataFrame,
    targets: pd.DataFrame,
    active: pd.Series,
    config: ScoringConfig,
    not_measured: pd.DataFrame | None = None,
) -> ChunkResult:
    """Score whole teams.

    Only the scored are compared: an idle person (no record of their own in the period) is not
    scored and their counts of zero are left out of their team's percentiles and averages; a
    person whose measured indicators carry less than ``config.min_measured_weight`` of their
    scheme's weight is not scored either, and the others are compared without them (a seller
    with two orders must not set anyone's percentile). Such a person's own values are still
    normalised against everyone with data, for their scorecard.

    - ``raw``: employees × indicator codes, raw values (NaN: no data).
    - ``people``: index employee id; ``team_id``, ``level``.
    - ``indicators``: index code; ``tier``, ``direction``, ``normalisation``, ``baseline``,
      ``floor``, ``floor_vetoes``, ``unit``, ``name_zh``, ``name_en``.
    - ``weights``: employees × codes, the global weight in the person's scheme (NaN: not weighed).
    - ``targets``: employees × codes, the target in force for the person (NaN for percentile).
    - ``active``: per employee, whether they have a record of their own in the period.
    - ``not_measured``: employees × codes, why a raw value is NaN (a dict with ``reason``, as
      ``indicators.calculators.measured_values`` gives it; ``None`` or absent: ``no_value``).
    """
    codes = list(raw.columns)
    indicators = indicators.loc[codes]
    teams = people["team_id"].reindex(raw.index)
    has_activity = active.reindex(raw.index, fill_value=False).to_numpy(dtype=bool)
    raw = _rows_where(raw, has_activity)
    scores = normalise(raw, indicators=indicators, targets=targets, groups=teams)
    totals = aggregate(scores, weights, indicators["tier"])
    state = pd.Series(
        np.select(
            [
                ~has_activity,
                ~(totals.measured_share >= config.min_measured_weight) | totals.total.isna(),
            ],
            [NO_ACTIVITY, NOT_ENOUGH_DATA],
            SCORED,
        ),
        index=raw.index,
        dtype=object,
    )
    scored = (state == SCORED).to_numpy()
    peers = raw
    if not scored[has_activity].all():  # someone with too little data: compare without them
        peers = _rows_where(raw, scored)
        # Only percentiles depend on who else is compared; a linear score is the person's own.
        relative = list(indicators.index[indicators["normalisation"] != LINEAR])
        among_scored = normalise(
            peers[relative], indicators=indicators, targets=targets, groups=teams
        )
        scores = scores.copy()
        scores[relative] = _rows_where(among_scored, scored, other=scores[relative])
        totals = aggregate(scores, weights, indicators["tier"])
    weighed = weights.reindex_like(raw).notna()
    # A veto caps a total: someone without one has nothing to cap.
    flags = _rows_where(vetoes(raw, indicators, weighed), scored, other=False)
    vetoed = flags.any(axis=1)
    uncapped = totals.total.where(scored)
    total = capped_total(uncapped, vetoed, config.veto_cap)
    # Someone not scored has no weights applied and no contributions: there is no total.
    applied = _rows_where(totals.weights, scored)
    contributions = _rows_where(totals.contributions, scored)
    team_average = peers.groupby(teams).transform("mean")
    # Among the scored only: someone without a total is not placed among their teammates.
    team_percentile = _team_percentiles(peers, teams, indicators)

    tiers = _rows_where(totals.tiers.reindex(columns=list(TIERS)), scored)
    missing = explain.codes_where(
        pd.DataFrame(totals.missing.to_numpy(), index=raw.index, columns=codes)
    )
    figures = explain.Figures(
        raw=raw,
        scores=scores,
        contributions=contributions,
        weights=applied,
        team_average=team_average,
        team_percentile=team_percentile,
        tiers=tiers,
        total=total,
        missing=missing,
        vetoes=explain.codes_where(flags),
        state=state.tolist(),
        measured_share=totals.measured_share.to_numpy(dtype=float),
        min_measured_weight=config.min_measured_weight,
        not_measured=_reasons(missing, not_measured, raw.index),
    )
    advice, plan = explain.suggestions(figures)
    plan &= scored
    code_array = np.asarray(codes, dtype=object)

    employees = pd.DataFrame(
        {
            "team_id": teams,
            "level": people["level"].reindex(raw.index),
            "state": state,
            "measured_share": totals.measured_share,
            "total": total,
            "uncapped_total": uncapped,
            **{tier: tiers[tier] for tier in TIERS},
            "vetoes": figures.vetoes,
            "missing": figures.missing,
            "not_measured": figures.not_measured,
            "suggestions": advice,
            "plan": plan,
        },
        index=raw.index,
    )
    # One row per employee × indicator (employees × codes frames share index and columns).
    long = pd.DataFrame(
        {
            "employee_id": np.repeat(raw.index.to_numpy(), len(codes)),
            "code": np.tile(code_array, len(raw.index)),
            **{
                name: frame.reindex_like(raw).to_numpy(dtype=float).ravel()
                for name, frame in (
                    ("raw", raw),
                    ("target", targets),
                    ("normalised", scores),
                    ("weight", applied),
                    ("contribution", contributions),
                    ("team_average", team_average),
                    ("team_percentile", team_percentile),
                )
            },
        }
    )
    # An idle person has no values to show: their indicators are not written at all.
    kept = weighed.to_numpy() & has_activity[:, None]
    long = long[kept.ravel()].reset_index(drop=True)
    return ChunkResult(
        employees=employees,
        indicators=long,
        figures=figures,
        texts=_texts(indicators),
        veto_cap=config.veto_cap,
    )


def finalise(employees: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Ranks, percentiles and grades for everybody scored together.

    ``employees``: index employee id; ``team_id``, ``total``, ``vetoes``, ``suggestions``,
    ``plan``. Adds ``team_rank``, ``team_percentile``, ``company_rank``,
    ``company_percentile``, ``grade``; a vetoed person's grade is no better than the veto grade;
    the plan grade turns ``plan`` on and adds its suggestion. People without a total (not
    scored) get none of these and do not count in anyone else's: ranks run 1..n over the scored,
    and a forced distribution shares grades out over them only.
    """
    result = employees.copy()
    result["team_rank"], result["team_percentile"] = rank.ranks(result["total"], result["team_id"])
    company = pd.Series(0, index=result.index)
    result["company_rank"], result["company_percentile"] = rank.ranks(result["total"], company)
    if config.grading == DISTRIBUTION:
        grades = grade.by_distribution(result["total"], dict(config.distribution))
    else:
        grades = grade.by_thresholds(result["total"], dict(config.thresholds))
    vetoed = result["vetoes"].map(bool)
    result["grade"] = grade.worse_of(grades, config.veto_grade, vetoed)
    on_plan_grade = result["grade"] == config.plan_grade
    result["plan"] = result["plan"].astype(bool) | on_plan_grade
    result["suggestions"] = [
        {
            language: [*advice[language], explain.PLAN_FOR_GRADE[language]]
            for language in explain.LANGUAGES
        }
        if planned
        else advice
        for advice, planned in zip(result["suggestions"], on_plan_grade, strict=True)
    ]
    return result
