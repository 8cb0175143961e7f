"""From a scheme's judgment matrices to consistency figures and global weights (pure numpy).

A scheme has one matrix over its tiers and one per tier over that tier's indicators. Each may hold
several experts' judgments, combined by element-wise geometric mean before the eigenvector is
taken. Global weight = tier weight × weight within the tier.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.engine import ahp

TIERS_MATRIX = "tiers"


@dataclass(frozen=True)
class MatrixOutcome:
    key: str
    items: tuple[str, ...]
    combined: np.ndarray
    result: ahp.AHPResult
    experts: int

    def summary(self) -> dict[str, object]:
        """What a scheme stores about this matrix (JSON-ready)."""
        return {
            "n": len(self.items),
            "experts": self.experts,
            "lambda_max": round(self.result.lambda_max, 6),
            "ci": round(self.result.ci, 6),
            "cr": round(self.result.cr, 6),
            "consistent": bool(self.result.consistent),
        }

    def weight_of(self) -> dict[str, float]:
        return dict(zip(self.items, (float(w) for w in self.result.weights), strict=True))


@dataclass(frozen=True)
class IndicatorWeight:
    indicator: str
    tier: str
    tier_weight: float
    local_weight: float
    global_weight: float


def matrix_outcome(
    key: str, items: Sequence[str], matrices: Sequence[Sequence[Sequence[float]]]
) -> MatrixOutcome:
    """The combined judgments of every expert for one matrix, and their AHP evaluation."""
    combined = ahp.aggregate(matrices)
    if combined.shape[0] != len(items):
        raise ahp.MatrixError(
            "wrong_size",
            f"the {key} matrix compares {len(items)} items but is {combined.shape[0]} wide",
            n=len(items),
            size=combined.shape[0],
        )
    return MatrixOutcome(
        key=key,
        items=tuple(items),
        combined=combined,
        result=ahp.evaluate(combined),
        experts=len(matrices),
    )


def global_weights(outcomes: dict[str, MatrixOutcome]) -> list[IndicatorWeight]:
    """Tier weight × local weight for every indicator of every tier in the tiers matrix."""
    tier_weights = outcomes[TIERS_MATRIX].weight_of()
    weights = []
    for tier, tier_weight in tier_weights.items():
        for indicator, local in outcomes[tier].weight_of().items():
            weights.append(
                IndicatorWeight(
                    indicator=indicator,
                    tier=tier,
                    tier_weight=tier_weight,
                    local_weight=local,
                    global_weight=tier_weight * local,
                )
            )
    return weights
