"""The scoring engine against hand-worked numbers (no database)."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from scoring.engine import grade
from scoring.engine.score import (
    DISTRIBUTION,
    NO_ACTIVITY,
    NOT_ENOUGH_DATA,
    SCORED,
    ScoringConfig,
    finalise,
    score_chunk,
)
from scoring.engine.targets import raised_targets

NAN = np.nan

# Two tiers, four indicators. Tier weights basic .4, quality .6; within basic a .5, b .5; within
# quality c .75, d .25. Global: a .2, b .2, c .45, d .15.
INDICATORS = pd.DataFrame(
    {
        "tier": ["basic", "basic", "quality", "quality"],
        "direction": ["higher", "lower", "higher", "higher"],
        "normalisation": ["linear", "linear", "linear", "percentile"],
        "baseline": [0.0, 24.0, 90.0, NAN],
        "target": [100.0, 4.0, 100.0, NAN],
        "floor": [NAN, NAN, 95.0, NAN],
        "floor_vetoes": [False, False, True, False],
        "unit": ["percent", "hours", "percent", "points"],
        "name_zh": ["甲", "乙", "丙", "丁"],
        "name_en": ["A", "B", "C", "D"],
    },
    index=["a", "b", "c", "d"],
)
GLOBAL = {"a": 0.2, "b": 0.2, "c": 0.45, "d": 0.15}
PEOPLE = pd.DataFrame({"team_id": [7, 7, 7], "level": ["junior"] * 3}, index=[1, 2, 3])
RAW = pd.DataFrame(
    {
        "a": [80.0, 100.0, 100.0],
        "b": [8.0, NAN, 30.0],  # employee 2 has no data
        "c": [98.0, 94.0, 100.0],  # employee 2 is below the 95 floor: veto
        "d": [4.5, 4.6, 4.5],
    },
    index=[1, 2, 3],
)


DEFAULTS = ScoringConfig()


def _weights() -> pd.DataFrame:
    return pd.DataFrame([GLOBAL] * 3, index=RAW.index)


def _score(
    config: ScoringConfig = DEFAULTS,
    *,
    raw: pd.DataFrame = RAW,
    weights: pd.DataFrame | None = None,
    people: pd.DataFrame = PEOPLE,
    active: pd.Series | None = None,
):
    """The example scored and finalised (``raw``, ``weights``, ``people`` and who was ``active``
    varied by some tests; everybody is active by default)."""
    targets = pd.DataFrame([INDICATORS["target"].to_dict()] * len(raw), index=raw.index)
    chunk = score_chunk(
        raw=raw,
        people=people,
        indicators=INDICATORS,
        weights=_weights() if weights is None else weights,
        targets=targets,
        active=pd.Series(True, index=raw.index) if active is None else active,
        config=config,
    )
    return chunk, finalise(chunk.employees, config)


def test_hand_worked_example():
    chunk, people = _score()
    scores = chunk.indicators.set_index(["employee_id", "code"])["normalised"]
    # a: linear 0→100. b: (x − 24) / (4 − 24): 8 h → 80, 30 h → −30 clipped to 0.
    # c: (x − 90) / 10: 98 → 80, 94 → 40, 100 → 100.
    # d: percentile in the team: 4.6 beats both → 100; 4.5 beats nobody, ties one → ½ / 2 = 25.
    expected = {
        (1, "a"): 80, (1, "b"): 80, (1, "c"): 80, (1, "d"): 25,
        (2, "a"): 100, (2, "c"): 40, (2, "d"): 100,
        (3, "a"): 100, (3, "b"): 0, (3, "c"): 100, (3, "d"): 25,
    }  # fmt: skip
    assert scores.dropna().round(2).to_dict() == pytest.approx(expected)
    # 1: .2·80 + .2·80 + .45·80 + .15·25 = 71.75
    # 2: b missing → weights ÷ .8: .25·100 + .5625·40 + .1875·100 = 66.25, vetoed → capped at 59
    # 3: .2·100 + .2·0 + .45·100 + .15·25 = 68.75
    assert people["uncapped_total"].round(2).tolist() == [71.75, 66.25, 68.75]
    assert people["total"].round(2).tolist() == [71.75, 59.0, 68.75]
    # Tier scores: basic (a, b) and quality (.75 c + .25 d).
    assert people["basic"].round(2).tolist() == [80.0, 100.0, 50.0]
    # 1: (.45·80 + .15·25) / .6 = 66.25; 2: (.45·40 + .15·100) / .6 = 55; 3: 81.25
    assert people["quality"].round(2).tolist() == [66.25, 55.0, 81.25]
    assert people["grade"].tolist() == ["B", "D", "C"]
    assert people["company_rank"].tolist() == [1, 3, 2]
    assert people["company_percentile"].tolist() == [100.0, 0.0, 50.0]
    assert people["vetoes"].tolist() == [[], ["c"], []]
    assert people["missing"].tolist() == [[], ["b"], []]
    assert people["plan"].tolist() == [False, True, False]
    # The applied weights of employee 2 are renormalised, and the explanation says so.
    weights = chunk.indicators.set_index(["employee_id", "code"])["weight"]
    assert weights[(2, "a")] == pytest.approx(0.25)
    assert weights[(2, "c")] == pytest.approx(0.5625)
    text = dict(zip(chunk.employees.index, chunk.explanations(), strict=True))[2]
    assert any("Not measured: B (" in line for line in text["en"])
    assert any("质量否决：丙 94.0%低于底线 95.0%" in line for line in text["zh"])
    assert any("capped at 59" in line for line in text["en"])
    assert any("Grade D" in line for line in people.loc[2, "suggestions"]["en"])


def test_a_vetoed_grade_is_no_better_than_the_veto_grade():
    # With a cap above the A threshold, the total stays 66.25 but the grade is held at C.
    _, people = _score(ScoringConfig(veto_cap=100.0, veto_grade="C", thresholds=_lenient()))
    assert people.loc[2, "total"] == pytest.approx(66.25)
    assert people.loc[2, "grade"] == "C"
    assert people.loc[1, "grade"] == "S"


def _lenient() -> dict[str, float]:
    return {"S": 60.0, "A": 50.0, "B": 40.0, "C": 30.0}


def test_forced_distribution():
    totals = pd.Series([95, 90, 85, 80, 75, 70, 65, 60, 55, 50], index=range(10), dtype=float)
    shares = {"S": 0.1, "A": 0.2, "B": 0.4, "C": 0.2, "D": 0.1}
    assert grade.by_distribution(totals, shares).tolist() == list("SAABBBBCCD")
    # A tie across the S/A boundary: both tied people get the better grade.
    tied = pd.Series([95, 95, 85, 80, 75, 70, 65, 60, 55, np.nan], index=range(10), dtype=float)
    grades = grade.by_distribution(tied, shares)
    assert grades.iloc[:2].tolist() == ["S", "S"]
    assert pd.isna(grades.iloc[9])


def test_forced_distribution_through_finalise():
    _, people = _score(
        ScoringConfig(
            grading=DISTRIBUTION, distribution={"S": 1 / 3, "A": 0, "B": 1 / 3, "C": 0, "D": 1 / 3}
        )
    )
    # Ranked 71.75, 68.75, 59: S, B, D.
    assert people["grade"].tolist() == ["S", "D", "B"]


def test_team_ranks_with_ties():
    frame = pd.DataFrame(
        {
            "team_id": [1, 1, 1, 2],
            "total": [80.0, 80.0, 70.0, 50.0],
            "vetoes": [[], [], [], []],
            "suggestions": [{"zh": [], "en": []}] * 4,
            "plan": [False] * 4,
        },
        index=[11, 12, 13, 14],
    )
    people = finalise(frame, ScoringConfig())
    assert people["team_rank"].tolist() == [1, 1, 3, 1]
    assert people["team_percentile"].tolist() == [75.0, 75.0, 0.0, 50.0]
    assert people["company_rank"].tolist() == [1, 1, 3, 4]


def test_someone_without_any_data_has_no_total_and_no_grade():
    raw = RAW.copy()
    raw.loc[3] = NAN
    _, people = _score(raw=raw)
    assert people.loc[3, "state"] == NOT_ENOUGH_DATA
    assert people.loc[3, "measured_share"] == 0.0
    assert pd.isna(people.loc[3, "total"])
    assert pd.isna(people.loc[3, "grade"])


def _idle_example() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Five active people and three idle ones (ids 6–8, counts of zero) in one team, weighed
    .5 on ``a`` (linear 0→100) and .5 on ``d`` (percentile in the team)."""
    ids = list(range(1, 9))
    raw = pd.DataFrame(
        {
            "a": [90.0, 80.0, 70.0, 60.0, 50.0, 0.0, 0.0, 0.0],
            "b": NAN,
            "c": NAN,
            "d": [5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0, 0.0],
        },
        index=ids,
    )
    weights = pd.DataFrame([{"a": 0.5, "d": 0.5}] * 8, index=ids).reindex(columns=list("abcd"))
    return raw, weights, pd.Series([True] * 5 + [False] * 3, index=ids)


def test_people_without_activity_are_not_scored_and_not_counted():
    raw, weights, active = _idle_example()
    chunk, people = _score(
        ScoringConfig(grading=DISTRIBUTION),
        raw=raw,
        weights=weights,
        people=pd.DataFrame({"team_id": 7, "level": "junior"}, index=raw.index),
        active=active,
    )
    # d's percentiles among the five active only: 100, 75, 50, 25, 0 (the idle, who would sit
    # below everybody, are left out). Totals .5·a + .5·d: 95, 77.5, 60, 42.5, 25.
    assert people["total"].iloc[:5].tolist() == [95.0, 77.5, 60.0, 42.5, 25.0]
    assert people["team_rank"].iloc[:5].tolist() == [1, 2, 3, 4, 5]
    assert people["company_rank"].iloc[:5].tolist() == [1, 2, 3, 4, 5]
    assert people["company_percentile"].iloc[:5].tolist() == [100.0, 75.0, 50.0, 25.0, 0.0]
    # The forced distribution (10/20/40/20/10%) over five: positions 0 | 1 | 2–3 | 4.
    assert people["grade"].iloc[:5].tolist() == ["S", "A", "B", "B", "C"]
    idle = people.loc[[6, 7, 8]]
    assert (idle["state"] == NO_ACTIVITY).all()
    assert (people["state"].iloc[:5] == SCORED).all()
    for column in ("total", "uncapped_total", "basic", "quality", "grade", "team_rank"):
        assert idle[column].isna().all(), column
    assert idle["company_rank"].isna().all()
    assert not idle["plan"].any()
    assert idle["suggestions"].tolist() == [{"zh": [], "en": []}] * 3
    # Their (zero) values are not written, and the explanation says why there is no total.
    assert set(chunk.indicators["employee_id"]) == {1, 2, 3, 4, 5}
    text = dict(zip(chunk.employees.index, chunk.explanations(), strict=True))
    assert text[6]["en"] == [
        "Not scored: no records of this person in the period, so no total, grade or rank."
    ]
    assert text[6]["zh"][0].startswith("未评分：本期没有本人的业务记录")


def test_people_with_too_little_data_do_not_set_the_others_percentiles():
    raw, weights, active = _idle_example()
    # Person 5 only has d (the best value of all): half of the weight, not enough for a total.
    raw.loc[5, ["a", "d"]] = [NAN, 10.0]
    chunk, people = _score(
        raw=raw,
        weights=weights,
        people=pd.DataFrame({"team_id": 7, "level": "junior"}, index=raw.index),
        active=active,
    )
    assert people.loc[5, "state"] == NOT_ENOUGH_DATA
    assert people.loc[5, "measured_share"] == pytest.approx(0.5)
    # d's percentiles among the four scored: 100, 66.7, 33.3, 0 (with person 5 they would be
    # 75, 50, 25, 0). Totals .5·a + .5·d.
    assert people["total"].iloc[:4].round(2).tolist() == [95.0, 73.33, 51.67, 30.0]
    assert people["company_rank"].iloc[:4].tolist() == [1, 2, 3, 4]
    lines = chunk.indicators.set_index(["employee_id", "code"])
    assert lines.loc[(1, "d"), "team_average"] == pytest.approx(3.5)  # (5 + 4 + 3 + 2) / 4
    # Person 5's own value is still scored against everyone with data, for their scorecard.
    assert lines.loc[(5, "d"), "normalised"] == pytest.approx(100.0)
    assert pd.isna(lines.loc[(5, "d"), "weight"])


@pytest.mark.parametrize(
    ("measured", "share", "state", "total", "grade"),
    [
        # Global weights a .2, b .2, c .45, d .15 (the scheme's, before re-sharing).
        (["a", "b"], 0.4, NOT_ENOUGH_DATA, NAN, NAN),
        (["a", "b", "d"], 0.55, NOT_ENOUGH_DATA, NAN, NAN),
        # Exactly the minimum: c 98 → 80, d alone in its team → 50; (.45·80 + .15·50) / .6
        (["c", "d"], 0.6, SCORED, 72.5, "B"),
        (["a", "c"], 0.65, SCORED, 80.0, "A"),  # a 80 → 80, c 98 → 80
    ],
)
def test_a_total_needs_the_minimum_share_of_the_weight_measured(
    measured, share, state, total, grade
):
    known = {"a": 80.0, "b": 8.0, "c": 98.0, "d": 4.5}
    raw = pd.DataFrame({code: [known[code] if code in measured else NAN] for code in known})
    raw.index = [1]
    chunk, people = _score(
        raw=raw, weights=pd.DataFrame([GLOBAL], index=[1]), people=PEOPLE.loc[[1]]
    )
    person = people.loc[1]
    assert person["measured_share"] == pytest.approx(share)
    assert person["state"] == state
    if state == SCORED:
        assert person["total"] == pytest.approx(total)
        assert person["grade"] == grade
    else:
        assert pd.isna(person["total"])
        assert pd.isna(person["grade"])
        assert pd.isna(person["company_rank"])
        assert not person["plan"]
        text = chunk.explanations()[0]["en"]
        assert text[0] == (
            f"Not enough data: the indicators with data carry {share:.0%} of the weight and "
            "60% is needed, so no total, grade or rank."
        )
        # Their measured values are still shown, without a weight that made no total.
        assert chunk.indicators["raw"].notna().sum() == len(measured)
        assert chunk.indicators["weight"].isna().all()


def test_an_indicator_outside_the_persons_scheme_does_not_count():
    weights = _weights()
    weights.loc[1, "d"] = NAN  # not in employee 1's scheme
    chunk, _ = _score(weights=weights)
    # (.2·80 + .2·80 + .45·80) / .85 = 80
    assert chunk.employees.loc[1, "total"] == pytest.approx(80.0)
    assert chunk.employees.loc[1, "missing"] == []
    assert set(chunk.indicators.query("employee_id == 1")["code"]) == {"a", "b", "c"}


def _history(scores: list[float], target: float, code: str = "a") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "employee_id": 1,
            "code": code,
            "period": pd.date_range("2026-08-01", periods=len(scores), freq="MS"),
            "normalised": scores,
            "target": target,
        }
    )


def test_adaptive_target_is_raised_after_three_periods_far_above_it():
    spec = pd.DataFrame(
        {"direction": ["higher", "lower"], "target_step": [0.05, 0.10], "unit": ["count", "hours"]},
        index=["a", "b"],
    )
    raised = raised_targets(_history([96, 99, 100], 80.0), spec, periods=3, threshold=95)
    assert raised.to_dict("records") == [{"employee_id": 1, "code": "a", "target": 84.0}]
    # Lower is better: the target comes down by the step.
    lower = raised_targets(_history([95, 97, 100], 4.0, "b"), spec, periods=3, threshold=95)
    assert lower["target"].tolist() == pytest.approx([3.6])


@pytest.mark.parametrize(
    "history",
    [
        _history([96, 99], 80.0),  # two periods only
        _history([96, 94.9, 100], 80.0),  # one period below 95
        pd.concat(
            [
                _history([96, 99], 80.0),
                _history([100], 84.0).assign(period=pd.Timestamp("2026-10-01")),
            ]
        ),
    ],
    ids=["two-periods", "one-below", "target-just-raised"],
)
def test_adaptive_target_not_raised_before_its_time(history):
    spec = pd.DataFrame(
        {"direction": ["higher"], "target_step": [0.05], "unit": ["count"]}, index=["a"]
    )
    assert raised_targets(history, spec, periods=3, threshold=95).empty


def test_series_helpers_keep_the_index():
    values = pd.Series([1.0, 2.0], index=["x", "y"])
    assert_series_equal(
        grade.by_thresholds(values, {"S": 2, "A": 1.5, "B": 1.2, "C": 1.1}),
        pd.Series(["D", "S"], index=["x", "y"], dtype=object),
    )


def test_a_percentage_target_stops_at_100():
    spec = pd.DataFrame(
        {"direction": ["higher"], "target_step": [0.05], "unit": ["percent"]}, index=["a"]
    )
    # 99% × 1.05 would be 103.95%: held at 100. A target already at 100 is not "raised" again.
    assert raised_targets(_history([96, 99, 100], 99.0), spec, periods=3, threshold=95)[
        "target"
    ].tolist() == [100.0]
    assert raised_targets(_history([96, 99, 100], 100.0), spec, periods=3, threshold=95).empty
