"""Ranks and percentiles of totals, in a team and in the company, with ties."""

import pandas as pd

from scoring.engine.normalise import percentile_in_group


def ranks(total: pd.Series, groups: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank (1 = best; tied people share the better rank: 1, 1, 3) and percentile (share of the
    others in the group with a lower total, ties counting half) within each group."""
    frame = pd.DataFrame({"total": total, "group": groups})
    rank = frame.groupby("group")["total"].rank(method="min", ascending=False)
    percentile = percentile_in_group(total, groups, higher_is_better=True)
    return rank, percentile
