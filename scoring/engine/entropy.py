"""Objective weights by the entropy method, and their blend with the experts' AHP weights.

An indicator on which everybody scores alike tells people apart poorly, so it gets little weight;
one with a wide spread gets more. For scores x_ij ≥ 0 of n people on indicator j:
p_ij = x_ij / Σ_i x_ij, e_j = −Σ_i p_ij ln p_ij / ln n, d_j = 1 − e_j, w_j = d_j / Σ_j d_j.
People without a score on an indicator are left out of that indicator's sums.
"""

import numpy as np
import pandas as pd


def entropy_weights(scores: pd.DataFrame) -> pd.Series:
    """Entropy weights of the columns of ``scores`` (rows: people; columns: indicators; values:
    normalised scores ≥ 0, NaN for no data). Sums to 1.

    When no indicator has any spread (or too few people have scores), the entropy carries no
    information and every indicator gets the same weight.
    """
    values = scores.to_numpy(dtype=float)
    if np.any(values[~np.isnan(values)] < 0):
        raise ValueError("entropy weights need scores ≥ 0")
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    totals = np.nansum(values, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(present, values / totals, np.nan)
        terms = np.where(shares > 0, shares * np.log(shares), 0.0)
        entropy = -np.nansum(terms, axis=0) / np.log(counts)
    # One person, or all zeros: nothing to tell apart, so no divergence.
    divergence = np.where((counts > 1) & (totals > 0), 1.0 - entropy, 0.0)
    divergence = np.clip(divergence, 0.0, None)
    if divergence.sum() <= 0:
        return pd.Series(1.0 / scores.shape[1], index=scores.columns)
    return pd.Series(divergence / divergence.sum(), index=scores.columns)


def blend(ahp: pd.Series, entropy: pd.Series, alpha: float) -> pd.Series:
    """α · AHP + (1 − α) · entropy over the AHP weights' indicators, renormalised to sum 1."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"α must be between 0 and 1, not {alpha}")
    mixed = alpha * ahp + (1.0 - alpha) * entropy.reindex(ahp.index).fillna(0.0)
    return mixed / mixed.sum()
