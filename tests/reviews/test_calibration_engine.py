"""Calibration arithmetic (``reviews.engine.calibration``), worked by hand. Database-free.

Target shares S 10%, A 20%, B 40%, C 20%, D 10%; expected counts in whole people by the largest
remainder, ties to the grade nearer B (B, A, C, S, D). Growth is the least-squares slope of the
monthly totals in points per month; performance is the final (< 70 low, < 85 middle, else
high).
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from reviews.engine.calibration import (
    DECLINING,
    FEW_MONTHS,
    HIGH,
    IMPROVING,
    LOW,
    MIDDLE,
    NOT_SCORED,
    STEADY,
    expected_counts,
    grade_distribution,
    growth_slopes,
    nine_box,
)

SHARES = {"S": 0.10, "A": 0.20, "B": 0.40, "C": 0.20, "D": 0.10}
NaN = np.nan


@pytest.mark.parametrize(
    ("graded", "counts"),
    [
        (0, (0, 0, 0, 0, 0)),
        (10, (1, 2, 4, 2, 1)),  # every quota whole
        (30, (3, 6, 12, 6, 3)),  # 0.1 × 30 is 3, not 3.0000000000000004 floored
        # quotas .2 .4 .8 .4 .2: two people to the largest remainders, B (.8), then A (.4: A
        # and C tie, A is nearer B in the order B, A, C, S, D)
        (2, (0, 1, 1, 0, 0)),
        # quotas .3 .6 1.2 .6 .3: B 1 whole, one each to A and C (.6)
        (3, (0, 1, 1, 1, 0)),
        # quotas .4 .8 1.6 .8 .4: B 1 whole; A (.8), C (.8), B (.6)
        (4, (0, 1, 2, 1, 0)),
        # quotas .7 1.4 2.8 1.4 .7: A 1, B 2, C 1 whole; B (.8), then S and D (.7, tie)
        (7, (1, 1, 3, 1, 1)),
    ],
)
def test_expected_counts_by_largest_remainder(graded, counts):
    expected = expected_counts(graded, SHARES)
    assert tuple(expected.values()) == counts
    assert list(expected) == ["S", "A", "B", "C", "D"]
    assert sum(expected.values()) == graded


def test_a_negative_number_of_people_is_refused():
    with pytest.raises(ValueError, match="not negative"):
        expected_counts(-1, SHARES)


def _grades() -> pd.DataFrame:
    """East: A, A, B, C and one not scored; south: S, D; then everybody as the whole cycle."""
    teams = [
        ("east", "A"),
        ("east", "A"),
        ("east", "B"),
        ("east", ""),  # not scored: counted apart, never a D
        ("east", "C"),
        ("south", "S"),
        ("south", "D"),
    ]
    frame = pd.DataFrame(teams, columns=["group", "grade"])
    return pd.concat([frame, frame.assign(group="whole")], ignore_index=True)


def test_the_distribution_per_team_and_for_the_whole_cycle_against_the_target():
    found = grade_distribution(_grades(), SHARES)
    index = pd.MultiIndex.from_product(
        [["east", "south", "whole"], ["S", "A", "B", "C", "D"]], names=["group", "grade"]
    )
    # east: 4 graded → expected 0 1 2 1 0 (as 4 above), actual 0 2 1 1 0.
    # south: 2 graded → expected 0 1 1 0 0, actual 1 0 0 0 1.
    # whole: 6 graded, quotas .6 1.2 2.4 1.2 .6 → A 1, B 2, C 1 whole; S and D (.6) one each:
    # expected 1 1 2 1 1, actual 1 2 1 1 1.
    expected = pd.DataFrame(
        {
            "target_share": [0.1, 0.2, 0.4, 0.2, 0.1] * 3,
            "expected": [*(0, 1, 2, 1, 0), *(0, 1, 1, 0, 0), *(1, 1, 2, 1, 1)],
            "actual": [*(0, 2, 1, 1, 0), *(1, 0, 0, 0, 1), *(1, 2, 1, 1, 1)],
            "difference": [*(0, 1, -1, 0, 0), *(1, -1, -1, 0, 1), *(0, 1, -1, 0, 0)],
            "graded": [4] * 5 + [2] * 5 + [6] * 5,
            "not_scored": [1] * 5 + [0] * 5 + [1] * 5,
        },
        index=index,
    )
    assert_frame_equal(found, expected, check_dtype=False)


def test_a_group_of_nobody_graded_expects_nobody():
    found = grade_distribution(pd.DataFrame({"group": ["east"], "grade": [NaN]}), SHARES)
    assert found["expected"].tolist() == [0] * 5 and found["actual"].tolist() == [0] * 5
    assert found["not_scored"].tolist() == [1] * 5


def _month(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def test_growth_is_the_slope_of_the_monthly_totals_in_points_per_month():
    rows = [
        # 1: 80, 90, 85 → months −1, 0, +1 from their mean, totals −5, +5, 0 from 85:
        # (5 + 0 + 0) / (1 + 0 + 1) = 2.5 points a month
        (1, _month(2026, 4), 80.0),
        (1, _month(2026, 5), 90.0),
        (1, _month(2026, 6), 85.0),
        # 2: 60, not scored, 70: two months apart, +10 → 5.0 a month
        (2, _month(2026, 4), 60.0),
        (2, _month(2026, 5), NaN),
        (2, _month(2026, 6), 70.0),
        # 3: 90, 88, 80 → (−1 × 4 + 0 × 2 + 1 × −6) / 2 = −5.0
        (3, _month(2026, 4), 90.0),
        (3, _month(2026, 5), 88.0),
        (3, _month(2026, 6), 80.0),
        # 4: one scored month: no slope
        (4, _month(2026, 4), 75.0),
        (4, _month(2026, 5), NaN),
        # 5: across a new year, December 70 → January 72: 2.0
        (5, _month(2025, 12), 70.0),
        (5, _month(2026, 1), 72.0),
        # 6: 70, 70.5, 71: 0.5
        (6, _month(2026, 4), 70.0),
        (6, _month(2026, 5), 70.5),
        (6, _month(2026, 6), 71.0),
    ]
    totals = pd.DataFrame(rows, columns=["employee_id", "period_start", "total"])
    found = growth_slopes(totals)
    expected = pd.DataFrame(
        {"months": [3, 2, 3, 1, 2, 3], "slope": [2.5, 5.0, -5.0, NaN, 2.0, 0.5]},
        index=pd.Index([1, 2, 3, 4, 5, 6], name="employee_id"),
    )
    assert_frame_equal(found, expected, check_dtype=False)


def test_no_totals_no_slopes():
    empty = pd.DataFrame(columns=["employee_id", "period_start", "total"])
    assert growth_slopes(empty).empty


def test_the_nine_box_by_the_stated_bounds_and_the_people_not_placed():
    finals = pd.Series(
        {
            1: 84.99,  # middle (below 85), slope 2.5: improving
            2: 85.0,  # high (85 and above), slope 5: improving
            3: 69.99,  # low, slope −5: declining
            4: 70.0,  # middle, slope 0.5: steady
            5: 90.0,  # high, slope exactly +1: steady
            6: 50.0,  # low, slope exactly −1: steady
            7: 75.0,  # one scored month: not placed
            8: NaN,  # not scored (a slope does not place them)
            9: 80.0,  # a final from the manager review alone, no scored month
        }
    )
    slopes = pd.DataFrame(
        {"months": [3, 2, 3, 3, 3, 3, 1, 3], "slope": [2.5, 5.0, -5.0, 0.5, 1.0, -1.0, NaN, 3.0]},
        index=pd.Index([1, 2, 3, 4, 5, 6, 7, 8], name="employee_id"),
    )
    found = nine_box(finals, slopes)
    assert found["performance"].tolist()[:6] == [MIDDLE, HIGH, LOW, MIDDLE, HIGH, LOW]
    assert found["growth"].tolist()[:6] == [IMPROVING, IMPROVING, DECLINING, STEADY, STEADY, STEADY]
    assert found["reason"].tolist()[6:] == [FEW_MONTHS, NOT_SCORED, FEW_MONTHS]
    assert found["reason"].iloc[:6].isna().all()
    assert found.loc[[7, 8, 9], ["performance", "growth"]].isna().all().all()
    assert found["months"].tolist() == [3, 2, 3, 3, 3, 3, 1, 3, 0]
