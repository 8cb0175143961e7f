"""Raw indicator values to 0–100 scores.

Linear: the baseline scores 0, the target 100, in between proportionally, clipped outside; the
direction follows from which side of the baseline the target lies (a response-time target below
its baseline means lower is better). Percentile: the share of peers the person does better than,
ties counting half, so the middle of the group scores 50 and someone alone scores 50.
"""

import numpy as np
import pandas as pd

LINEAR = "linear"
PERCENTILE = "percentile"
HIGHER = "higher"


def linear(raw: pd.Series, baseline: float, target: pd.Series | float) -> pd.Series:
    """0–100 by linear interpolation from ``baseline`` (0) to ``target`` (100), clipped.

    ``target`` may differ per person (adaptive targets); NaN stays NaN.
    """
    span = target - baseline
    return ((raw - baseline) / span * 100.0).clip(lower=0.0, upper=100.0)


def percentile_in_group(
    values: pd.Series, groups: pd.Series, *, higher_is_better: bool
) -> pd.Series:
    """Per value, 100 × (peers worse + ½ · peers equal) / (peers), peers being the others in its
    group with a value. 50 for someone without peers; NaN stays NaN."""
    oriented = values if higher_is_better else -values
    frame = pd.DataFrame({"value": oriented, "group": groups})
    present = frame.dropna(subset=["value"])
    grouped = present.groupby("group")["value"]
    # rank(method="average") counts each tie as half below, half above, itself included.
    below_or_half = grouped.rank(method="average") - 1.0
    peers = grouped.transform("count") - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(peers > 0, below_or_half / peers * 100.0, 50.0)
    return pd.Series(share, index=present.index).reindex(values.index)


def normalise(
    raw: pd.DataFrame,
    *,
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    groups: pd.Series,
) -> pd.DataFrame:
    """0–100 scores for every raw value.

    - ``raw``: employees × indicator codes.
    - ``indicators``: index code; ``normalisation``, ``direction``, ``baseline``.
    - ``targets``: employees × codes, the target in force for each person (NaN for percentile).
    - ``groups``: the peer group (team) of each employee, for percentile indicators.
    """
    scores = {}
    for code in raw.columns:
        spec = indicators.loc[code]
        if spec["normalisation"] == LINEAR:
            scores[code] = linear(raw[code], float(spec["baseline"]), targets[code])
        else:
            scores[code] = percentile_in_group(
                raw[code], groups, higher_is_better=spec["direction"] == HIGHER
            )
    return pd.DataFrame(scores, index=raw.index, columns=raw.columns)
