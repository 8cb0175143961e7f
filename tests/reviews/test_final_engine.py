"""The final score of a review cycle (``reviews.engine.final``), worked by hand. Database-free.

A three-month cycle, w = 0.7, three competencies weighing 0.4 / 0.3 / 0.3; ratings map to
points as (r − 1) / 4 × 100: 1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100.
"""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from reviews.engine.final import (
    BOTH,
    KPI_ONLY,
    MANAGER,
    NOT_SCORED,
    QUALITATIVE_ONLY,
    SELF,
    final_scores,
    rating_points,
)

THRESHOLDS = {"S": 90.0, "A": 80.0, "B": 70.0, "C": 60.0}
MONTHS = ["m1", "m2", "m3"]
WEIGHTS = (0.4, 0.3, 0.3)
NaN = np.nan


def _totals(by_person: dict[int, tuple]) -> pd.DataFrame:
    rows = [
        (person, month, total)
        for person, totals in by_person.items()
        for month, total in zip(MONTHS, totals, strict=True)
    ]
    return pd.DataFrame(rows, columns=["employee_id", "period_start", "total"])


def _ratings(reviews: list[tuple[int, str, tuple[int, ...]]], weights=WEIGHTS) -> pd.DataFrame:
    rows = [
        (review_id, person, kind, weight, rating)
        for review_id, (person, kind, ratings) in enumerate(reviews, start=1)
        for weight, rating in zip(weights, ratings, strict=True)
    ]
    return pd.DataFrame(rows, columns=["review_id", "employee_id", "kind", "weight", "rating"])


def _people(ids, self_weight=0.0) -> pd.DataFrame:
    frame = pd.DataFrame({"self_review_weight": self_weight}, index=pd.Index(ids))
    frame.index.name = "employee_id"
    return frame


def test_ratings_map_onto_0_to_100():
    points = rating_points(pd.Series([1, 2, 3, 4, 5]))
    assert points.tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]


def test_three_people_over_three_months():
    """1: KPI (80 + 90 + 85) / 3 = 85; manager 4, 5, 3 → 0.4×75 + 0.3×100 + 0.3×50 = 75;
    final 0.7×85 + 0.3×75 = 59.5 + 22.5 = 82 → A. Their self-review (all 5 → 100) is shown and
    does not count.
    2: KPI (92 + 95 + 98) / 3 = 95; manager 5, 5, 4 → 40 + 30 + 22.5 = 92.5;
    final 66.5 + 27.75 = 94.25 → S.
    3: not scored in the second month: KPI (60 + 70) / 2 = 65 over two months; manager 3, 2, 3 →
    20 + 7.5 + 15 = 42.5; final 45.5 + 12.75 = 58.25 → D."""
    totals = _totals({1: (80, 90, 85), 2: (92, 95, 98), 3: (60, NaN, 70)})
    ratings = _ratings(
        [
            (1, MANAGER, (4, 5, 3)),
            (1, SELF, (5, 5, 5)),
            (2, MANAGER, (5, 5, 4)),
            (3, MANAGER, (3, 2, 3)),
        ]
    )
    result = final_scores(
        _people([1, 2, 3]), totals, ratings, kpi_weight=0.7, thresholds=THRESHOLDS
    )
    expected = pd.DataFrame(
        {
            "kpi_weight": [0.7, 0.7, 0.7],
            "kpi_part": [85.0, 95.0, 65.0],
            "kpi_periods": [3, 3, 2],
            "self_part": [100.0, NaN, NaN],
            "manager_part": [75.0, 92.5, 42.5],
            "qualitative_part": [75.0, 92.5, 42.5],
            "final": [82.0, 94.25, 58.25],
            "basis": [BOTH, BOTH, BOTH],
            "grade": ["A", "S", "D"],
        },
        index=pd.Index([1, 2, 3], name="employee_id"),
    )
    assert_frame_equal(result, expected, check_dtype=False)


@pytest.mark.parametrize(
    ("totals", "reviews", "kpi_part", "qualitative", "final", "basis", "grade"),
    [
        # No manager review (a self-review of all 4s alone makes none): the KPI part
        # (88 + 84 + 86) / 3 = 86 counts in full → A.
        ((88, 84, 86), [(SELF, (4, 4, 4))], 86.0, NaN, 86.0, KPI_ONLY, "A"),
        # No month scored: the manager review (all 4s → 75) counts in full → B.
        ((NaN, NaN, NaN), [(MANAGER, (4, 4, 4))], NaN, 75.0, 75.0, QUALITATIVE_ONLY, "B"),
        # Neither: not scored, no final and no grade (never a 0 or a D).
        ((NaN, NaN, NaN), [(SELF, (5, 5, 5))], NaN, NaN, NaN, NOT_SCORED, NaN),
        # Two managers count alike: (75 + 25) / 2 = 50; final 0.7×70 + 0.3×50 = 64 → C.
        ((70, NaN, NaN), [(MANAGER, (4, 4, 4)), (MANAGER, (2, 2, 2))], 70.0, 50.0, 64.0, BOTH, "C"),
    ],
)
def test_a_missing_part_is_left_out_and_the_other_counts_in_full(
    totals, reviews, kpi_part, qualitative, final, basis, grade
):
    ratings = _ratings([(1, kind, values) for kind, values in reviews])
    result = final_scores(
        _people([1]), _totals({1: totals}), ratings, kpi_weight=0.7, thresholds=THRESHOLDS
    ).loc[1]
    assert result["kpi_part"] == pytest.approx(kpi_part, nan_ok=True)
    assert result["qualitative_part"] == pytest.approx(qualitative, nan_ok=True)
    assert result["final"] == pytest.approx(final, nan_ok=True)
    assert result["basis"] == basis
    assert result["grade"] == grade or (pd.isna(grade) and pd.isna(result["grade"]))


def test_someone_with_no_record_at_all_is_not_scored():
    empty_totals = _totals({})
    empty_ratings = _ratings([])
    result = final_scores(
        _people([7]), empty_totals, empty_ratings, kpi_weight=0.7, thresholds=THRESHOLDS
    ).loc[7]
    assert (result["basis"], result["kpi_periods"]) == (NOT_SCORED, 0)
    assert pd.isna(result["final"]) and pd.isna(result["grade"])


def test_a_template_may_count_the_self_review():
    """Self share 0.2: qualitative 0.8×50 + 0.2×100 = 60; final 0.7×80 + 0.3×60 = 74 → B."""
    ratings = _ratings([(1, MANAGER, (3, 3, 3)), (1, SELF, (5, 5, 5))])
    result = final_scores(
        _people([1], self_weight=0.2),
        _totals({1: (80, NaN, NaN)}),
        ratings,
        kpi_weight=0.7,
        thresholds=THRESHOLDS,
    ).loc[1]
    assert (result["qualitative_part"], result["final"], result["grade"]) == (60.0, 74.0, "B")


@pytest.mark.parametrize(("kpi_weight", "final"), [(1.0, 85.0), (0.0, 75.0), (0.5, 80.0)])
def test_the_weight_moves_the_final_between_the_parts(kpi_weight, final):
    ratings = _ratings([(1, MANAGER, (4, 5, 3))])
    result = final_scores(
        _people([1]),
        _totals({1: (80, 90, 85)}),
        ratings,
        kpi_weight=kpi_weight,
        thresholds=THRESHOLDS,
    )
    assert result.loc[1, "final"] == final


@pytest.mark.parametrize("kpi_weight", [-0.1, 1.5])
def test_a_weight_outside_0_to_1_is_refused(kpi_weight):
    with pytest.raises(ValueError, match="from 0 to 1"):
        final_scores(
            _people([1]), _totals({}), _ratings([]), kpi_weight=kpi_weight, thresholds=THRESHOLDS
        )


def test_the_inputs_are_not_changed():
    totals, ratings = _totals({1: (80, 90, 85)}), _ratings([(1, MANAGER, (4, 5, 3))])
    before = (totals.copy(), ratings.copy())
    final_scores(_people([1]), totals, ratings, kpi_weight=0.7, thresholds=THRESHOLDS)
    assert_frame_equal(totals, before[0])
    assert_frame_equal(ratings, before[1])


def test_a_level_may_state_its_own_weight():
    """Both at KPI 85 and manager 75 (ratings 4, 5, 3): 1's level says w = 0.5 → 0.5×85 +
    0.5×75 = 80.00, an A; 2's level says nothing, so the cycle's 0.7 → 82.00."""
    people = _people([1, 2]).assign(kpi_weight=[0.5, NaN])
    result = final_scores(
        people,
        _totals({1: (80, 90, 85), 2: (80, 90, 85)}),
        _ratings([(1, MANAGER, (4, 5, 3)), (2, MANAGER, (4, 5, 3))]),
        kpi_weight=0.7,
        thresholds=THRESHOLDS,
    )
    assert result["kpi_weight"].tolist() == [0.5, 0.7]
    assert result["final"].tolist() == [80.0, 82.0]


def test_a_levels_weight_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match=r"not 1\.5"):
        final_scores(
            _people([1]).assign(kpi_weight=1.5),
            _totals({}),
            _ratings([]),
            kpi_weight=0.7,
            thresholds=THRESHOLDS,
        )
