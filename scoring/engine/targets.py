"""Adaptive targets: someone far above target for several periods in a row gets a higher one."""

import numpy as np
import pandas as pd

HIGHER = "higher"
PERCENT = "percent"


def raised_targets(
    history: pd.DataFrame, indicators: pd.DataFrame, *, periods: int, threshold: float
) -> pd.DataFrame:
    """New targets for (employee, indicator) pairs that scored ≥ ``threshold`` in each of the last
    ``periods`` periods against one and the same target.

    - ``history``: one row per employee · indicator · period, the last ``periods`` periods only:
      ``employee_id``, ``code``, ``period``, ``normalised``, ``target``.
    - ``indicators``: index code; ``direction``, ``target_step`` (0.05 = 5%), ``unit``.

    The target moves by the step in the better direction (up when higher is better, down when
    lower is better). Requiring the same target throughout means a raised target needs another
    full run of periods before it is raised again. Returns ``employee_id``, ``code``, ``target``.
    """
    rows = history.dropna(subset=["target"])
    streaks = rows.groupby(["employee_id", "code"]).agg(
        periods=("period", "nunique"),
        lowest=("normalised", "min"),
        targets=("target", "nunique"),
        target=("target", "first"),
    )
    earned = streaks[
        (streaks["periods"] >= periods)
        & (streaks["lowest"] >= threshold)
        & (streaks["targets"] == 1)
    ].reset_index()
    spec = indicators.reindex(earned["code"])
    sign = (spec["direction"] == HIGHER).map({True: 1.0, False: -1.0}).to_numpy()
    current = earned["target"].to_numpy()
    raised = current * (1.0 + sign * spec["target_step"].to_numpy())
    # A percentage cannot go past 100 or below 0: a target already at the bound stays.
    percent = (spec["unit"] == PERCENT).to_numpy()
    raised = np.where(percent, np.clip(raised, 0.0, 100.0), raised)
    earned["target"] = raised
    return earned.loc[np.abs(raised - current) > 1e-9, ["employee_id", "code", "target"]]
