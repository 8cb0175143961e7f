"""Normalised scores to tier scores and a total, by the global weights of each person's scheme.

Missing data rule: an indicator without data for a person (NaN score) is left out and the weights
of the person's other indicators are scaled up so they still sum to 1; the explanation names what
was left out. An indicator the person's scheme does not weigh (NaN weight) never counts. How much
of the scheme's weight the measured indicators carry before that re-sharing is kept
(``measured_share``): too little of it and the person is not scored at all (``score_chunk``).
"""

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Aggregate:
    weights: pd.DataFrame  # employees × codes: weight actually applied (renormalised), NaN if none
    contributions: pd.DataFrame  # employees × codes: weight × score, in total points
    tiers: pd.DataFrame  # employees × tiers: weighted mean score of the tier's indicators
    total: pd.Series  # 0–100, NaN for someone with no data at all
    missing: pd.DataFrame  # employees × codes: weighed by the scheme but without data
    # 0–1: the share of the person's weighed indicators' weight (as the scheme gives it, before
    # re-sharing) carried by the ones with data; NaN for someone the scheme weighs on nothing.
    measured_share: pd.Series


def aggregate(scores: pd.DataFrame, weights: pd.DataFrame, tier_of: pd.Series) -> Aggregate:
    """``scores`` and ``weights`` are employees × indicator codes (0–100 and global weights);
    ``tier_of`` maps each code to its tier."""
    weights = weights.reindex(index=scores.index, columns=scores.columns)
    weighed = weights.notna() & (weights > 0)
    usable = weighed & scores.notna()
    applied = weights.where(usable)
    share = applied.div(applied.sum(axis=1), axis=0)
    contributions = share * scores
    total = contributions.sum(axis=1, min_count=1)
    tiers = {}
    for tier in pd.unique(tier_of.reindex(scores.columns)):
        codes = [code for code in scores.columns if tier_of[code] == tier]
        part = applied[codes]
        tiers[tier] = (part * scores[codes]).sum(axis=1, min_count=1) / part.sum(
            axis=1, min_count=1
        )
    scheme_weight = weights.where(weighed).sum(axis=1, min_count=1)
    measured_share = applied.sum(axis=1).div(scheme_weight)
    return Aggregate(
        weights=share,
        contributions=contributions,
        tiers=pd.DataFrame(tiers, index=scores.index),
        total=total,
        missing=weighed & scores.isna(),
        measured_share=measured_share,
    )
