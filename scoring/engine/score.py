"""From raw indicator values to explained scores: the engine's two steps.

``score_chunk`` handles whole teams at a time (percentile normalisation and team comparisons stay
inside a team), so a period can be split across workers by team. ``finalise`` then ranks and
grades everybody of the run together, which needs the whole company.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.engine import explain, grade, rank
from scoring.engine.aggregate import aggregate
from scoring.engine.normalise import normalise, percentile_in_group
from scoring.engine.veto import capped_total, vetoes

TIERS = ("basic", "efficiency", "quality", "innovation")
THRESHOLDS = "thresholds"
DISTRIBUTION = "distribution"


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


@dataclass(frozen=True)
class ChunkResult:
    """``employees``: index employee id; ``team_id``, ``level``, ``total`` (after any veto cap),
    ``uncapped_total``, one column per tier, ``vetoes`` and ``missing`` (lists of codes),
    ``not_measured`` (the missing codes with why: ``{code: {"reason": …}}``), ``suggestions``
    (``{"zh": [...], "en": [...]}``), ``plan`` (bool).

    ``indicators``: one row per employee and weighed indicator: ``employee_id``, ``code``,
    ``raw``, ``target``, ``normalised``, ``weight`` (as applied), ``contribution`` (points),
    ``team_average`` (raw), ``team_percentile``.

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


def _reasons(
    missing: list[list[str]], not_measured: pd.DataFrame | None, index: pd.Index
) -> list[dict[str, dict[str, object]]]:
    """Per person, each weighed code without data with why it was not measured."""
    default: dict[str, object] = {"reason": explain.NO_VALUE}
    if not_measured is None:
        return [dict.fromkeys(codes, default) for codes in missing]
    reasons = not_measured.reindex(index=index)
    columns = {code: position for position, code in enumerate(reasons.columns)}
    cells = reasons.to_numpy(dtype=object)
    result = []
    for row, codes in enumerate(missing):
        found = {}
        for code in codes:
            reason = cells[row, columns[code]] if code in columns else None
            found[code] = reason if isinstance(reason, dict) else default
        result.append(found)
    return result


def score_chunk(
    *,
    raw: pd.DataFrame,
    people: pd.DataFrame,
    indicators: pd.DataFrame,
    weights: pd.DataFrame,
    targets: pd.DataFrame,
    config: ScoringConfig,
    not_measured: pd.DataFrame | None = None,
) -> ChunkResult:
    """Score whole teams.

    - ``raw``: employees × indicator codes, raw values (NaN: no data).
    - ``people``: index employee id; ``team_id``, ``level``.
    - ``indicators``: index code; ``tier``, ``direction``, ``normalisation``, ``baseline``,
      ``floor``, ``floor_vetoes``, ``unit``, ``name_zh``, ``name_en``.
    - ``weights``: employees × codes, the global weight in the person's scheme (NaN: not weighed).
    - ``targets``: employees × codes, the target in force for the person (NaN for percentile).
    - ``not_measured``: employees × codes, why a raw value is NaN (a dict with ``reason``, as
      ``indicators.calculators.measured_values`` gives it; ``None`` or absent: ``no_value``).
    """
    codes = list(raw.columns)
    indicators = indicators.loc[codes]
    teams = people["team_id"].reindex(raw.index)
    scores = normalise(raw, indicators=indicators, targets=targets, groups=teams)
    totals = aggregate(scores, weights, indicators["tier"])
    weighed = weights.reindex_like(raw).notna()
    flags = vetoes(raw, indicators, weighed)
    vetoed = flags.any(axis=1)
    total = capped_total(totals.total, vetoed, config.veto_cap)
    team_average = raw.groupby(teams).transform("mean")
    team_percentile = pd.DataFrame(
        {
            code: percentile_in_group(
                raw[code], teams, higher_is_better=indicators.loc[code, "direction"] == "higher"
            )
            for code in codes
        },
        index=raw.index,
    )

    tiers = totals.tiers.reindex(columns=list(TIERS))
    missing = explain.codes_where(
        pd.DataFrame(totals.missing.to_numpy(), index=raw.index, columns=codes)
    )
    figures = explain.Figures(
        raw=raw,
        scores=scores,
        contributions=totals.contributions,
        weights=totals.weights,
        team_average=team_average,
        team_percentile=team_percentile,
        tiers=tiers,
        total=total,
        missing=missing,
        vetoes=explain.codes_where(flags),
        not_measured=_reasons(missing, not_measured, raw.index),
    )
    advice, plan = explain.suggestions(figures)
    code_array = np.asarray(codes, dtype=object)

    employees = pd.DataFrame(
        {
            "team_id": teams,
            "level": people["level"].reindex(raw.index),
            "total": total,
            "uncapped_total": totals.total,
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
                    ("weight", totals.weights),
                    ("contribution", totals.contributions),
                    ("team_average", team_average),
                    ("team_percentile", team_percentile),
                )
            },
        }
    )
    long = long[weighed.to_numpy().ravel()].reset_index(drop=True)
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
    the plan grade turns ``plan`` on and adds its suggestion.
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
