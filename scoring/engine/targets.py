"""Adaptive targets: someone far above target for several periods in a row gets a higher one."""

import pandas as pd

HIGHER = "higher"


def raised_targets(
    history: pd.DataFrame, indicators: pd.DataFrame, *, periods: int, threshold: float
) -> pd.DataFrame:
    """New targets for (employee, indicator) pairs that scored ≥ ``threshold`` in each of the last
    ``periods`` periods against one and the same target.

    - ``history``: one row per employee · indicator · period, the last ``periods`` periods only:
      ``employee_id``, ``code``, ``period``, ``normalised``, ``target``.
    - ``indicators``: index code; ``direction``, ``target_step`` (0.05 = 5%).

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
    earned["target"] = earned["target"] * (1.0 + sign * spec["target_step"].to_numpy())
    return earned[["employee_id", "code", "target"]]
