"""Grades S/A/B/C/D from totals: by thresholds, or by a forced distribution over the ranking."""

from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd

GRADES = ("S", "A", "B", "C", "D")


def by_thresholds(total: pd.Series, thresholds: dict[str, float]) -> pd.Series:
    """The best grade whose threshold the total reaches (S ≥ 90, A ≥ 80, … by default); D below
    all; NaN total gives no grade."""
    grades = pd.Series(GRADES[-1], index=total.index, dtype=object)
    for grade in reversed(GRADES[:-1]):
        grades = grades.mask(total >= thresholds[grade], grade)
    return grades.where(total.notna())


def by_distribution(total: pd.Series, shares: dict[str, float]) -> pd.Series:
    """Grades handed out down the ranking in the given shares (S 10%, A 20%, …). People tied on
    the total share the better grade, so a tie never splits across a boundary."""
    present = total.dropna()
    n = len(present)
    # 0-based position of each person's first tied place, in descending order of total.
    position = present.rank(method="min", ascending=False).to_numpy() - 1
    # Grade i covers positions [bounds[i-1], bounds[i]); rounded so 0.1 + 0.2 stays 0.3.
    bounds = np.round(np.cumsum([shares[grade] for grade in GRADES]) * n, 9)
    index = np.searchsorted(bounds, position, side="right")
    labels = np.asarray(GRADES, dtype=object)[np.minimum(index, len(GRADES) - 1)]
    return pd.Series(labels, index=present.index, dtype=object).reindex(total.index)


def worse_of(grades: pd.Series, cap: str, capped: pd.Series) -> pd.Series:
    """``grades`` no better than ``cap`` where ``capped`` holds."""
    order = {grade: position for position, grade in enumerate(GRADES)}
    # Every grade and the cap are among GRADES, so ``order.get`` finds a position for each.
    by_position = cast("Callable[[str], int]", order.get)
    worse = grades.map(lambda grade: grade if pd.isna(grade) else max(grade, cap, key=by_position))
    return grades.where(~capped, worse)
