"""The weight lab's comparison of published results with a replay (pure pandas, no Django).

``before`` and ``after`` hold one row per person and period: ``employee_id``, ``period``,
``team_id``, ``level``, ``state``, ``total`` (points 0–100, NaN: not scored), ``grade`` ("" for
none). ``raw`` holds indicator values: ``employee_id``, ``period``, ``code``, ``raw``.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY = ["employee_id", "period"]
# The fewest pairs a correlation is computed from: with two, any two points make r = ±1.
MIN_PAIRS = 3


@dataclass(frozen=True)
class Comparison:
    """``movers``: the people whose grade differs, one row per person and period:
    ``employee_id``, ``period``, ``team_id``, ``level``, ``total_before``, ``total_after``,
    ``grade_before``, ``grade_after``; ordered by period, level, team, person.

    ``distribution``: per ``level``, ``team_id`` and ``grade`` (S…D, "" for not scored), the
    number of person-periods ``before`` and ``after``.

    ``correlation``: per ``level`` and ``team_id`` (both NaN/None on the company's row, the
    level's own row has ``team_id`` NaN), ``n`` (person-periods scored both ways) and ``rho``,
    Spearman's rank correlation of the totals before and after (NaN: fewer than ``MIN_PAIRS``
    or no spread)."""

    movers: pd.DataFrame
    distribution: pd.DataFrame
    correlation: pd.DataFrame


def _joined(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per person and period found in either; team and level as replayed (the roster
    of the period), else as published."""
    columns = [*KEY, "team_id", "level", "total", "grade"]
    joined = before[columns].merge(
        after[columns], on=KEY, how="outer", suffixes=("_before", "_after")
    )
    for name in ("team_id", "level"):
        joined[name] = joined[f"{name}_after"].where(
            joined[f"{name}_after"].notna(), joined[f"{name}_before"]
        )
    for name in ("grade_before", "grade_after"):
        joined[name] = joined[name].fillna("")
    return joined.drop(columns=["team_id_before", "team_id_after", "level_before", "level_after"])


def spearman(first: pd.Series, second: pd.Series) -> tuple[int, float]:
    """Pairs with both values, and Spearman's rho over them: Pearson's r of the ranks, tied
    values sharing their average rank. NaN with fewer than ``MIN_PAIRS`` pairs or when either
    side has no spread."""
    return _correlation(first, second, ranked=True)


def pearson(first: pd.Series, second: pd.Series) -> tuple[int, float]:
    """Pairs with both values, and Pearson's r over them (NaN as ``spearman``)."""
    return _correlation(first, second, ranked=False)


def _correlation(first: pd.Series, second: pd.Series, *, ranked: bool) -> tuple[int, float]:
    both = first.notna() & second.notna()
    x, y = first[both].astype(float), second[both].astype(float)
    if ranked:  # ranks among the pairs only
        x, y = x.rank(), y.rank()
    n = int(both.sum())
    if n < MIN_PAIRS or x.nunique() < 2 or y.nunique() < 2:
        return n, float("nan")
    dx, dy = x - x.mean(), y - y.mean()
    return n, float((dx * dy).sum() / np.sqrt((dx * dx).sum() * (dy * dy).sum()))


def compare(before: pd.DataFrame, after: pd.DataFrame) -> Comparison:
    """Published results against a replay (see ``Comparison``)."""
    joined = _joined(before, after)
    moved = joined[joined["grade_before"] != joined["grade_after"]]
    movers = moved[
        [*KEY, "team_id", "level", "total_before", "total_after", "grade_before", "grade_after"]
    ].sort_values(["period", "level", "team_id", "employee_id"], ignore_index=True)

    counts = [
        joined.groupby(["level", "team_id", f"grade_{side}"]).size().rename(side)
        for side in ("before", "after")
    ]
    for series in counts:
        series.index = series.index.set_names(["level", "team_id", "grade"])
    distribution = (
        pd.concat(counts, axis=1).fillna(0).astype(int).sort_index().reset_index()
        if len(joined)
        else pd.DataFrame(columns=["level", "team_id", "grade", "before", "after"])
    )

    teams = _grouped_spearman(joined, ["level", "team_id"])
    levels = _grouped_spearman(joined, ["level"]).assign(team_id=np.nan)
    company = pd.DataFrame(
        [(None, np.nan, *spearman(joined["total_before"], joined["total_after"]))],
        columns=["level", "team_id", "n", "rho"],
    )
    correlation = pd.concat(
        [frame for frame in (teams, levels[teams.columns]) if len(frame)] + [company],
        ignore_index=True,
    )
    return Comparison(movers=movers, distribution=distribution, correlation=correlation)


def _grouped_spearman(joined: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``spearman`` of the totals before and after within each group of ``keys`` (the groups
    of ``joined``, sorted; rows with a key missing belong to none): ``keys``, ``n``, ``rho``.
    All groups at once (a company has hundreds of teams): ranks among each group's pairs, and
    Pearson's r of them from per-group sums, as ``spearman`` computes it for one group."""
    groups = joined.groupby(keys, sort=True).size().index
    both = joined["total_before"].notna() & joined["total_after"].notna()
    pairs = joined.loc[both, [*keys, "total_before", "total_after"]].astype(
        {"total_before": float, "total_after": float}
    )
    by = [pairs[key] for key in keys]
    x = pairs["total_before"].groupby(by).rank()
    y = pairs["total_after"].groupby(by).rank()
    dx = x - x.groupby(by).transform("mean")
    dy = y - y.groupby(by).transform("mean")
    sums = pd.DataFrame({"xy": dx * dy, "xx": dx * dx, "yy": dy * dy}).groupby(by).sum()
    n = pairs.groupby(keys).size()
    spread = pairs.groupby(keys)[["total_before", "total_after"]].nunique().min(axis=1)
    rho = (sums["xy"] / np.sqrt(sums["xx"] * sums["yy"])).where((n >= MIN_PAIRS) & (spread >= 2))
    table = pd.DataFrame({"n": n, "rho": rho}).reindex(groups)
    table["n"] = table["n"].fillna(0).astype(int)
    return table.reset_index()


def outcome_correlations(raw: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Pearson's r of each indicator with each outcome across person-periods: ``indicator``,
    ``outcome``, ``n`` (person-periods measured on both), ``r`` (NaN as ``pearson``). An
    outcome is not correlated with itself; an outcome no one was measured on still gets its
    rows (n 0)."""
    wide = raw.pivot_table(index=KEY, columns="code", values="raw", aggfunc="first", dropna=False)
    rows = []
    for outcome in outcomes:
        target = wide[outcome] if outcome in wide else pd.Series(np.nan, index=wide.index)
        rows.extend(
            (code, outcome, *pearson(wide[code], target))
            for code in wide.columns
            if code != outcome
        )
    return pd.DataFrame.from_records(rows, columns=["indicator", "outcome", "n", "r"])
