"""Quality veto (质量否决): a key indicator past its floor caps the total and the grade, so speed
bought with quality does not pay."""

import pandas as pd

HIGHER = "higher"


def vetoes(raw: pd.DataFrame, indicators: pd.DataFrame, weighed: pd.DataFrame) -> pd.DataFrame:
    """employees × codes: True where a vetoing indicator the person is weighed on is past its floor
    (below it when higher is better, above it when lower is better). Missing data never vetoes.

    ``indicators``: index code; ``floor``, ``floor_vetoes``, ``direction``.
    """
    flags = pd.DataFrame(False, index=raw.index, columns=raw.columns)
    for code in raw.columns:
        spec = indicators.loc[code]
        if not spec["floor_vetoes"] or pd.isna(spec["floor"]):
            continue
        if spec["direction"] == HIGHER:
            flags[code] = raw[code] < spec["floor"]
        else:
            flags[code] = raw[code] > spec["floor"]
    return flags & weighed.reindex_like(flags).fillna(False).astype(bool)


def capped_total(total: pd.Series, vetoed: pd.Series, cap: float) -> pd.Series:
    """The total, no higher than ``cap`` for someone with a veto."""
    return total.where(~vetoed | (total <= cap), cap)
