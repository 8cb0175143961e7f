"""The lab's comparison, worked by hand (pure pandas, no database)."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from weightlab.compare import compare, outcome_correlations, pearson, spearman

MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
COLUMNS = ["employee_id", "period", "team_id", "level", "state", "total", "grade"]


def _results(rows):
    return pd.DataFrame.from_records(rows, columns=COLUMNS)


BEFORE = _results(
    [
        (1, MAY, 10, "junior", "scored", 85.0, "A"),
        (2, MAY, 10, "junior", "scored", 75.0, "B"),
        (3, MAY, 20, "junior", "scored", 65.0, "C"),
        (4, MAY, 20, "senior", "no_activity", np.nan, ""),
    ]
)
AFTER = _results(
    [
        (1, MAY, 10, "junior", "scored", 78.0, "B"),
        (2, MAY, 10, "junior", "scored", 81.0, "A"),
        (3, MAY, 20, "junior", "scored", 66.0, "C"),
        (4, MAY, 20, "senior", "no_activity", np.nan, ""),
    ]
)


def test_the_movers_are_exactly_those_whose_grade_differs_with_both_totals():
    movers = compare(BEFORE, AFTER).movers
    assert movers[["employee_id", "grade_before", "grade_after"]].to_numpy().tolist() == [
        [1, "A", "B"],
        [2, "B", "A"],
    ]
    assert movers["total_before"].tolist() == [85.0, 75.0]
    assert movers["total_after"].tolist() == [78.0, 81.0]


def test_a_person_scored_only_on_one_side_moves_from_or_to_no_grade():
    after = AFTER.copy()
    after.loc[3, ["state", "total", "grade"]] = ["scored", 55.0, "D"]
    movers = compare(BEFORE, after).movers
    row = movers[movers["employee_id"] == 4].iloc[0]
    assert (row["grade_before"], row["grade_after"]) == ("", "D")
    assert math.isnan(row["total_before"])


def test_the_grade_distribution_per_level_and_team_before_and_after():
    table = compare(BEFORE, AFTER).distribution
    rows = {
        (row.level, row.team_id, row.grade): (row.before, row.after) for row in table.itertuples()
    }
    assert rows == {
        ("junior", 10, "A"): (1, 1),
        ("junior", 10, "B"): (1, 1),
        ("junior", 20, "C"): (1, 1),
        ("senior", 20, ""): (1, 1),
    }


def test_a_grade_emptied_counts_zero_after():
    after = AFTER.copy()
    after.loc[1, ["total", "grade"]] = [78.5, "B"]  # both of team 10 now B
    rows = {
        (row.team_id, row.grade): (row.before, row.after)
        for row in compare(BEFORE, after).distribution.itertuples()
        if row.level == "junior"
    }
    assert rows[(10, "A")] == (1, 0)
    assert rows[(10, "B")] == (1, 2)


def test_spearman_per_team_level_and_company():
    # Juniors: before 85, 75, 65 ranks 3, 2, 1; after 78, 81, 66 ranks 2, 3, 1;
    # d = 1, −1, 0; ρ = 1 − 6·2 / (3·8) = 0.5. Two people of a team are too few.
    table = compare(BEFORE, AFTER).correlation
    junior = table[(table["level"] == "junior") & table["team_id"].isna()].iloc[0]
    assert (junior["n"], junior["rho"]) == (3, pytest.approx(0.5))
    team = table[(table["level"] == "junior") & (table["team_id"] == 10)].iloc[0]
    assert team["n"] == 2 and math.isnan(team["rho"])
    company = table[table["level"].isna()].iloc[0]
    assert (company["n"], company["rho"]) == (3, pytest.approx(0.5))  # the unscored left out


def test_spearman_of_ties_uses_average_ranks():
    # x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4: r of the ranks = 4.5 / √(4.5 · 5).
    n, rho = spearman(pd.Series([1, 2, 2, 3]), pd.Series([10, 20, 30, 40]))
    assert n == 4 and rho == pytest.approx(4.5 / math.sqrt(4.5 * 5))


def test_pearson_by_hand_with_a_missing_pair_left_out():
    # x 1..4, y 2, 4, 5, 9: Σdxdy = 11, Σdx² = 5, Σdy² = 26, r = 11 / √130.
    n, r = pearson(pd.Series([1, 2, 3, 4, 5.0]), pd.Series([2, 4, 5, 9, np.nan]))
    assert n == 4 and r == pytest.approx(11 / math.sqrt(130))


def test_no_spread_or_too_few_pairs_is_unknown_not_zero():
    assert math.isnan(pearson(pd.Series([1, 1, 1.0]), pd.Series([1, 2, 3.0]))[1])
    assert math.isnan(pearson(pd.Series([1, 2.0]), pd.Series([1, 2.0]))[1])


def test_outcome_correlations_over_person_months():
    raw = pd.DataFrame.from_records(
        [
            (1, MAY, "speed", 1.0), (1, MAY, "csat", 2.0),
            (2, MAY, "speed", 2.0), (2, MAY, "csat", 4.0),
            (1, JUNE, "speed", 3.0), (1, JUNE, "csat", 5.0),
            (2, JUNE, "speed", 4.0), (2, JUNE, "csat", 9.0),
            (3, JUNE, "speed", 5.0), (3, JUNE, "csat", np.nan),
        ],
        columns=["employee_id", "period", "code", "raw"],
    )  # fmt: skip
    table = outcome_correlations(raw, ["csat", "repeat"])
    speed = table[(table["indicator"] == "speed") & (table["outcome"] == "csat")].iloc[0]
    assert (speed["n"], speed["r"]) == (4, pytest.approx(11 / math.sqrt(130)))
    assert "csat" not in set(table[table["outcome"] == "csat"]["indicator"])
    nobody = table[table["outcome"] == "repeat"]
    assert set(nobody["n"]) == {0} and nobody["r"].isna().all()
