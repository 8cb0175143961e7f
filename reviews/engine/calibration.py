"""Calibration arithmetic: a cycle's grades against the target distribution, and the 9-box.

- **Expected counts**: the target share of each grade (S 10%, A 20%, B 40%, C 20%, D 10% by
  default) times the number of people *graded* in the group, in whole people by the largest
  remainder: each grade first gets the whole part of its quota, the people left go one each to
  the largest remainders, a tie to the grade nearer the middle (B, then A, C, S, D). The
  expected counts so add up to the people graded, and the differences (actual − expected) to 0.
  People not scored (no final, no grade) are counted apart, never as a D.
- **Growth**: the least-squares slope of the person's published monthly KPI totals over the
  cycle's months, in points per month (months not scored are left out; a gap counts as the
  months it spans), rounded to 0.01 as shown. Below −1: declining; from −1 to +1: steady;
  above +1: improving.
- **Performance**: the final score: below 70 low, from 70 to below 85 middle, 85 and above high.
- **9-box**: performance × growth. A person without a final (not scored) or with fewer than two
  scored months (no slope) is not placed, with the reason.

Pure: DataFrames in, new DataFrames out; no Django, no I/O.
"""

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

GRADES = ("S", "A", "B", "C", "D")  # as scoring.engine.grade.GRADES
# Who gets a leftover person first when remainders tie: the grade nearer the middle.
TIE_ORDER = ("B", "A", "C", "S", "D")

LOW, MIDDLE, HIGH = "low", "middle", "high"
DECLINING, STEADY, IMPROVING = "declining", "steady", "improving"
PERFORMANCE_LEVELS = (LOW, MIDDLE, HIGH)
GROWTH_LEVELS = (DECLINING, STEADY, IMPROVING)
# final < 70: low; 70 ≤ final < 85: middle; final ≥ 85: high (points, 0–100).
PERFORMANCE_BOUNDS = (70.0, 85.0)
# slope < −1: declining; −1 ≤ slope ≤ +1: steady; slope > +1: improving (points per month).
GROWTH_BOUNDS = (-1.0, 1.0)
MIN_MONTHS = 2  # scored months a slope needs
SLOPE_DECIMALS = 2

NOT_SCORED = "not_scored"  # no final
FEW_MONTHS = "few_months"  # fewer than MIN_MONTHS scored months


def expected_counts(graded: int, shares: Mapping[str, float]) -> dict[str, int]:
    """How many of ``graded`` people the target ``shares`` (one per grade, summing to 1) expect
    in each grade, in whole people by the largest remainder (see the module's rules)."""
    if graded < 0:
        raise ValueError(f"A number of people is not negative: {graded!r}.")
    # Rounded so that 0.1 × 30 is 3 and not 3.0000000000000004 or 2.9999999999999996.
    quotas = {grade: round(shares[grade] * graded, 9) for grade in GRADES}
    counts = {grade: math.floor(quota) for grade, quota in quotas.items()}
    left = graded - sum(counts.values())
    by_remainder = sorted(
        TIE_ORDER, key=lambda grade: (-(quotas[grade] - counts[grade]), TIE_ORDER.index(grade))
    )
    for grade in by_remainder[:left]:
        counts[grade] += 1
    return counts


def grade_distribution(grades: pd.DataFrame, shares: Mapping[str, float]) -> pd.DataFrame:
    """``grades``: one row per person: ``group`` (a label: the team, or the whole cycle),
    ``grade`` (the grade that stands, S–D; NaN or empty when not scored).

    One row per group (in order of first appearance) and grade (S to D), index
    (``group``, ``grade``): ``target_share`` (0–1), ``expected`` and ``actual`` (people),
    ``difference`` (actual − expected, people), ``graded`` and ``not_scored`` (the group's
    people with and without a grade)."""
    graded = grades["grade"].isin(GRADES)
    groups = list(dict.fromkeys(grades["group"]))
    actual = (
        grades[graded]
        .groupby(["group", "grade"])
        .size()
        .reindex(pd.MultiIndex.from_product([groups, GRADES], names=["group", "grade"]))
        .fillna(0)
        .astype(int)
    )
    graded_count = graded.groupby(grades["group"]).sum().reindex(groups).astype(int)
    not_scored = (~graded).groupby(grades["group"]).sum().reindex(groups).astype(int)
    expected = {group: expected_counts(int(graded_count[group]), shares) for group in groups}
    frame = pd.DataFrame(index=actual.index)
    frame["target_share"] = [float(shares[grade]) for _group, grade in frame.index]
    frame["expected"] = [expected[group][grade] for group, grade in frame.index]
    frame["actual"] = actual
    frame["difference"] = frame["actual"] - frame["expected"]
    frame["graded"] = [int(graded_count[group]) for group, _grade in frame.index]
    frame["not_scored"] = [int(not_scored[group]) for group, _grade in frame.index]
    return frame


def growth_slopes(totals: pd.DataFrame) -> pd.DataFrame:
    """``totals``: ``employee_id``, ``period_start`` (the first day of a month), ``total``
    (0–100; NaN for a month the person was not scored).

    Index employee id (people with at least one scored month): ``months`` (scored months),
    ``slope`` (points per month, rounded to 0.01; NaN with fewer than two scored months)."""
    scored = totals.dropna(subset=["total"])
    start = pd.to_datetime(scored["period_start"])
    frame = pd.DataFrame(
        {
            "employee_id": scored["employee_id"].to_numpy(),
            "month": (start.dt.year * 12 + start.dt.month).to_numpy(dtype=float),
            "total": scored["total"].to_numpy(dtype=float),
        }
    )
    grouped = frame.groupby("employee_id")
    dx = frame["month"] - grouped["month"].transform("mean")
    dy = frame["total"] - grouped["total"].transform("mean")
    spread = (dx * dx).groupby(frame["employee_id"]).sum()
    months = grouped.size()
    slope = ((dx * dy).groupby(frame["employee_id"]).sum() / spread).where(months >= MIN_MONTHS)
    result = pd.DataFrame({"months": months.astype(int), "slope": slope.round(SLOPE_DECIMALS)})
    return result.rename_axis("employee_id")


def nine_box(finals: pd.Series, slopes: pd.DataFrame) -> pd.DataFrame:
    """``finals``: index employee id (everybody to place), the final score (0–100, NaN when not
    scored). ``slopes``: as ``growth_slopes``.

    Index as ``finals``: ``final``, ``months`` (scored months, 0 without), ``slope``,
    ``performance`` (``LOW``/``MIDDLE``/``HIGH``) and ``growth``
    (``DECLINING``/``STEADY``/``IMPROVING``), both NaN for people not placed, and ``reason``
    (``NOT_SCORED``, ``FEW_MONTHS``, or NaN for people placed)."""
    result = pd.DataFrame({"final": finals.astype(float)}, index=finals.index)
    found = slopes.reindex(result.index)
    result["months"] = found["months"].fillna(0).astype(int)
    result["slope"] = found["slope"].astype(float)
    reason = np.select(
        [result["final"].isna(), result["slope"].isna()],
        [NOT_SCORED, FEW_MONTHS],
        default="",
    )
    placed = reason == ""
    low, high = PERFORMANCE_BOUNDS
    performance = np.select(
        [result["final"] < low, result["final"] < high], [LOW, MIDDLE], default=HIGH
    )
    falling, rising = GROWTH_BOUNDS
    growth = np.select(
        [result["slope"] < falling, result["slope"] > rising],
        [DECLINING, IMPROVING],
        default=STEADY,
    )
    result["performance"] = pd.Series(performance, index=result.index, dtype=object).where(placed)
    result["growth"] = pd.Series(growth, index=result.index, dtype=object).where(placed)
    result["reason"] = pd.Series(reason, index=result.index, dtype=object).where(~placed)
    return result
