"""The judgement of a plan, database-free: hand-worked averages against targets."""

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from plans.engine import goals_judge, plan_verdict

GOALS = pd.DataFrame({"indicator": [1, 2], "target": [70.0, 4.0], "direction": ["higher", "lower"]})


def values(rows):
    return pd.DataFrame(rows, columns=["indicator", "period_start", "raw"]).astype({"raw": float})


def test_averages_over_the_measured_months_decide_each_goal():
    # FCR 65, 72, 76 → 71.0 ≥ 70: met. Response 5.0, 3.0 and one month not measured → 4.0 ≤ 4:
    # met (the month without data is left out, not counted as 0 hours).
    judged = goals_judge(
        GOALS,
        values(
            [
                (1, "m1", 65.0),
                (1, "m2", 72.0),
                (1, "m3", 76.0),
                (2, "m1", 5.0),
                (2, "m2", np.nan),
                (2, "m3", 3.0),
            ]
        ),
    )
    pdt.assert_series_equal(judged["average"], pd.Series([71.0, 4.0], name="average"))
    pdt.assert_series_equal(judged["months"], pd.Series([3, 2], name="months"))
    assert list(judged["verdict"]) == ["met", "met"]
    assert plan_verdict(judged) == "met"


def test_one_missed_goal_fails_the_plan():
    # FCR 60, 75 → 67.5 < 70: not met; response 3.5 ≤ 4: met.
    judged = goals_judge(GOALS, values([(1, "m1", 60.0), (1, "m2", 75.0), (2, "m1", 3.5)]))
    assert list(judged["verdict"]) == ["not_met", "met"]
    assert plan_verdict(judged) == "not_met"


def test_a_goal_without_data_is_not_measured_never_zero():
    # Response time was never measured: an average of 0 hours would have "met" it.
    judged = goals_judge(GOALS, values([(1, "m1", 80.0), (2, "m1", np.nan)]))
    assert np.isnan(judged["average"].iloc[1])
    assert list(judged["verdict"]) == ["met", "not_measured"]
    assert plan_verdict(judged) == "not_measured"


def test_no_values_at_all_and_no_goals_are_not_measured():
    assert plan_verdict(goals_judge(GOALS, values([]))) == "not_measured"
    assert plan_verdict(goals_judge(GOALS.iloc[:0], values([]))) == "not_measured"


def test_the_inputs_are_not_changed_and_a_bad_direction_raises():
    before = GOALS.copy()
    goals_judge(GOALS, values([(1, "m1", 80.0)]))
    pdt.assert_frame_equal(GOALS, before)
    with pytest.raises(ValueError, match="direction"):
        goals_judge(GOALS.assign(direction=["up", "lower"]), values([]))
