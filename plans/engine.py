"""The judgement of an improvement plan: pure pandas, no Django.

The rule: each goal is judged on the average of the person's published monthly values of its
indicator over the plan's months (months not measured are left out, never counted as 0). A goal
is met when that average reaches the target in the indicator's direction (at or above it when
higher is better, at or below it when lower is better), missed when it does not, and not
measured when no month has a value. The plan is met when every goal is met, not met when any
goal is missed, and otherwise (some goal without data, none missed) not measured: unknown is
not zero, and a plan cannot be met on indicators nobody measured.
"""

import numpy as np
import pandas as pd

MET, NOT_MET, NOT_MEASURED = "met", "not_met", "not_measured"
HIGHER, LOWER = "higher", "lower"


def goals_judge(goals: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Each goal with its average and verdict.

    ``goals``: ``indicator`` (id), ``target`` (the indicator's unit), ``direction``
    (``higher``/``lower``). ``values``: ``indicator``, ``period_start``, ``raw`` (NaN: not
    measured that month). Returns ``goals`` with ``average`` (NaN without data), ``months``
    (months with a value) and ``verdict`` (met / not_met / not_measured).
    """
    unknown = set(goals["direction"]) - {HIGHER, LOWER}
    if unknown:
        raise ValueError(f"unknown direction {sorted(unknown)}")
    measured = values.dropna(subset=["raw"])
    by_indicator = measured.groupby("indicator")["raw"].agg(["mean", "count"])
    judged = goals.copy()
    judged["average"] = judged["indicator"].map(by_indicator["mean"]).astype(float)
    judged["months"] = judged["indicator"].map(by_indicator["count"]).fillna(0).astype(int)
    reached = np.where(
        judged["direction"] == HIGHER,
        judged["average"] >= judged["target"],
        judged["average"] <= judged["target"],
    )
    judged["verdict"] = np.where(
        judged["average"].isna(), NOT_MEASURED, np.where(reached, MET, NOT_MET)
    )
    return judged


def plan_verdict(judged: pd.DataFrame) -> str:
    """The plan's verdict from ``goals_judge``'s rows: met, not_met or not_measured (also for
    a plan without goals: there is nothing it could have met)."""
    verdicts = set(judged["verdict"])
    if NOT_MET in verdicts:
        return NOT_MET
    if not verdicts or NOT_MEASURED in verdicts:
        return NOT_MEASURED
    return MET
