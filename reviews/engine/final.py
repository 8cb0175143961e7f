"""A review cycle's final score per person: the KPI part and the qualitative part, weighed.

- **KPI part** (0–100): the mean of the person's published monthly totals in the cycle's
  months. A month in which they were not scored (no activity, not enough data) is left out,
  not counted as 0; with no scored month the KPI part is unknown.
- **A review's score** (0–100): the weighted mean, by the competencies' weights, of its ratings
  mapped from 1–5 onto 0–100 as ``(rating − 1) / 4 × 100`` (1 → 0, 2 → 25, 3 → 50, 4 → 75,
  5 → 100).
- **Qualitative part** (0–100): the mean of the person's submitted manager reviews (several
  managers count alike). The self-review is shown beside it and does not count, unless the
  person's template gives it a share ``s`` (0–1): then ``(1 − s) × manager + s × self``. A
  self-review alone never makes a qualitative part; with no manager review it is unknown.
- **Final** (0–100): ``w × KPI part + (1 − w) × qualitative part``, with the w of the person's
  level where their level's template states one, else the cycle's. A part that is unknown is
  left out and the other counts in full (re-weighted to 1); the ``basis`` says which: ``both``,
  ``kpi_only``, ``qualitative_only`` or ``not_scored`` (neither part: no final, no grade).
- **Grade**: from the final by the scoring engine's thresholds (``scoring.engine.grade``). The
  final is rounded to 0.01 point first, as it is shown, so a final shown as 80.00 is an A
  whatever the last bit of the floating-point sum.

Pure: DataFrames in, a new DataFrame out; no Django, no I/O.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scoring.engine.grade import by_thresholds

SELF = "self"
MANAGER = "manager"
BOTH = "both"
KPI_ONLY = "kpi_only"
QUALITATIVE_ONLY = "qualitative_only"
NOT_SCORED = "not_scored"
RATING_MIN, RATING_MAX = 1, 5
FINAL_DECIMALS = 2  # finals are kept, shown and graded to 0.01 point


def rating_points(rating: pd.Series) -> pd.Series:
    """Ratings 1–5 as points 0–100: ``(rating − 1) / 4 × 100``."""
    return (rating - RATING_MIN) / (RATING_MAX - RATING_MIN) * 100.0


def kpi_parts(totals: pd.DataFrame) -> pd.DataFrame:
    """``totals``: ``employee_id``, ``period_start``, ``total`` (0–100; NaN for a month the
    person was not scored). Index employee id: ``kpi_part`` (mean of the scored months' totals)
    and ``kpi_periods`` (how many months counted); people with no scored month are absent."""
    scored = totals.dropna(subset=["total"])
    grouped = scored.groupby("employee_id")["total"]
    return pd.DataFrame({"kpi_part": grouped.mean(), "kpi_periods": grouped.count()})


def review_scores(ratings: pd.DataFrame) -> pd.DataFrame:
    """``ratings``: one row per rating of a submitted review: ``review_id``, ``employee_id``,
    ``kind`` (``SELF`` or ``MANAGER``), ``weight`` (the competency's, > 0), ``rating`` (1–5).
    Index review id: ``employee_id``, ``kind``, ``score`` (0–100, the weighted mean of the
    ratings as points)."""
    frame = ratings.assign(weighted=rating_points(ratings["rating"]) * ratings["weight"])
    grouped = frame.groupby("review_id")
    return pd.DataFrame(
        {
            "employee_id": grouped["employee_id"].first(),
            "kind": grouped["kind"].first(),
            "score": grouped["weighted"].sum() / grouped["weight"].sum(),
        }
    )


def final_scores(
    people: pd.DataFrame,
    totals: pd.DataFrame,
    ratings: pd.DataFrame,
    *,
    kpi_weight: float,
    thresholds: Mapping[str, float],
) -> pd.DataFrame:
    """Each person's parts, final and grade (see the module's rules).

    ``people``: index employee id (everybody in the cycle), ``self_review_weight`` (0–1, from
    their level's template) and optionally ``kpi_weight`` (their level's w, 0–1; NaN: the
    cycle's). ``totals``: as ``kpi_parts``. ``ratings``: as ``review_scores``.
    ``kpi_weight``: the cycle's w, 0–1. ``thresholds``: the lowest final of each grade but D
    (``{"S": 90, "A": 80, …}``).

    Index employee id as ``people``: ``kpi_weight`` (the w applied), ``kpi_part``,
    ``kpi_periods`` (0 without a KPI part), ``self_part``, ``manager_part``,
    ``qualitative_part``, ``final`` (0–100; NaN when unknown), ``basis``, ``grade`` (NaN when
    not scored).
    """
    levels = people.get("kpi_weight", pd.Series(np.nan, index=people.index, dtype=float))
    for weight in (kpi_weight, *levels.dropna()):
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"The KPI weight is a share from 0 to 1, not {float(weight)!r}.")
    result = pd.DataFrame(index=people.index)
    result["kpi_weight"] = levels.astype(float).fillna(kpi_weight)
    kpi = kpi_parts(totals).reindex(result.index)
    result["kpi_part"] = kpi["kpi_part"].astype(float)
    result["kpi_periods"] = kpi["kpi_periods"].fillna(0).astype(int)

    reviews = review_scores(ratings)
    by_kind = reviews.pivot_table(
        index="employee_id", columns="kind", values="score", aggfunc="mean"
    )
    by_kind = by_kind.reindex(index=result.index, columns=[SELF, MANAGER]).astype(float)
    result["self_part"] = by_kind[SELF]
    result["manager_part"] = by_kind[MANAGER]
    share = people["self_review_weight"].where(result["self_part"].notna(), 0.0)
    result["qualitative_part"] = (1.0 - share) * result["manager_part"] + share * result[
        "self_part"
    ].fillna(0.0)

    has_kpi, has_review = result["kpi_part"].notna(), result["qualitative_part"].notna()
    w = result["kpi_weight"]
    weighted = w * result["kpi_part"] + (1.0 - w) * result["qualitative_part"]
    final = np.select(
        [has_kpi & has_review, has_kpi, has_review],
        [weighted, result["kpi_part"], result["qualitative_part"]],
        default=np.nan,
    )
    result["final"] = pd.Series(final, index=result.index, dtype=float).round(FINAL_DECIMALS)
    result["basis"] = np.select(
        [has_kpi & has_review, has_kpi, has_review],
        [BOTH, KPI_ONLY, QUALITATIVE_ONLY],
        default=NOT_SCORED,
    )
    result["grade"] = by_thresholds(result["final"], dict(thresholds))
    return result
