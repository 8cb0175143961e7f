"""Entropy weights and their blend with AHP weights, against hand-worked numbers."""

import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from scoring.engine.entropy import blend, entropy_weights


def test_entropy_weights_by_hand():
    # Indicator a: 10, 30 → p = .25, .75; e = −(.25 ln .25 + .75 ln .75) / ln 2 = 0.811278
    # Indicator b: 20, 20 → p = .5, .5; e = 1, d = 0: no spread, no weight.
    # Indicator c: 0, 40 → p = 0, 1; e = 0, d = 1.
    scores = pd.DataFrame({"a": [10.0, 30.0], "b": [20.0, 20.0], "c": [0.0, 40.0]})
    e_a = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    d = {"a": 1 - e_a, "b": 0.0, "c": 1.0}
    expected = pd.Series({key: value / sum(d.values()) for key, value in d.items()})
    assert_series_equal(entropy_weights(scores), expected, check_names=False)


def test_people_without_a_score_are_left_out_of_that_indicator():
    with_gap = pd.DataFrame({"a": [10.0, 30.0, np.nan], "c": [0.0, 40.0, 5.0]})
    without = pd.DataFrame({"a": [10.0, 30.0]})
    # Indicator a is computed over the two people who have it, like the 2-person case above.
    a_alone = 1 + (0.25 * math.log(0.25) + 0.75 * math.log(0.75)) / math.log(2)
    p = np.array([0.0, 40.0, 5.0]) / 45.0
    c_alone = 1 + sum(x * math.log(x) for x in p if x > 0) / math.log(3)
    weights = entropy_weights(with_gap)
    assert weights["a"] == pytest.approx(a_alone / (a_alone + c_alone))
    assert entropy_weights(without)["a"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "scores",
    [
        pd.DataFrame({"a": [50.0, 50.0], "b": [70.0, 70.0]}),  # no spread anywhere
        pd.DataFrame({"a": [50.0], "b": [70.0]}),  # one person
        pd.DataFrame({"a": [np.nan, np.nan], "b": [0.0, 0.0]}),  # no data, all zeros
    ],
)
def test_without_information_every_indicator_weighs_the_same(scores):
    assert entropy_weights(scores).tolist() == [0.5, 0.5]


def test_negative_scores_are_refused():
    with pytest.raises(ValueError, match="≥ 0"):
        entropy_weights(pd.DataFrame({"a": [-1.0, 2.0]}))


def test_blend_by_hand():
    ahp = pd.Series({"a": 0.6, "b": 0.4})
    entropy = pd.Series({"a": 0.2, "b": 0.8})
    # 0.7 · .6 + 0.3 · .2 = .48; 0.7 · .4 + 0.3 · .8 = .52
    assert blend(ahp, entropy, 0.7).tolist() == pytest.approx([0.48, 0.52])
    assert blend(ahp, entropy, 1.0).tolist() == pytest.approx([0.6, 0.4])
    assert blend(ahp, entropy, 0.0).tolist() == pytest.approx([0.2, 0.8])


def test_blend_renormalises_over_the_schemes_indicators():
    # Entropy computed over an extra indicator the scheme does not weigh: renormalised away.
    ahp = pd.Series({"a": 0.5, "b": 0.5})
    entropy = pd.Series({"a": 0.2, "b": 0.2, "c": 0.6})
    assert blend(ahp, entropy, 0.5).tolist() == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError, match="between 0 and 1"):
        blend(ahp, entropy, 1.5)
