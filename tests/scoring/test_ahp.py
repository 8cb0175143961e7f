"""AHP against published worked examples, and its refusals of invalid matrices."""

import os
import subprocess
import sys

import numpy as np
import pytest

from scoring.engine.ahp import MatrixError, aggregate, evaluate, most_inconsistent_judgment

# Saaty, T. L. (2008). "Decision making with the analytic hierarchy process."
# Int. J. Services Sciences 1(1), 83–98: relative consumption of drinks in the United States.
# Order: coffee, wine, tea, beer, sodas, milk, water. Published weights .177 .019 .042 .116 .190
# .129 .327, CR .022.
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_WEIGHTS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


def test_saaty_drinks_example_to_three_decimals():
    result = evaluate(DRINKS)
    np.testing.assert_array_equal(np.round(result.weights, 3), DRINKS_WEIGHTS)
    assert round(result.cr, 3) == 0.022
    assert result.consistent
    assert result.lambda_max == pytest.approx(7 + 6 * result.ci)


def test_a_perfectly_consistent_matrix_has_lambda_n_and_cr_zero():
    weights = np.array([0.5, 0.25, 0.125, 0.125])
    result = evaluate(weights[:, None] / weights[None, :])
    np.testing.assert_allclose(result.weights, weights)
    assert result.lambda_max == pytest.approx(4)
    assert result.cr == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(
    ("matrix", "weights"), [([[1]], [1.0]), ([[1, 3], [1 / 3, 1]], [0.75, 0.25])]
)
def test_one_or_two_items_are_always_consistent(matrix, weights):
    result = evaluate(matrix)
    np.testing.assert_allclose(result.weights, weights)
    assert (result.ci, result.cr, result.consistent) == (0.0, 0.0, True)


def test_typed_reciprocals_are_accepted():
    assert evaluate([[1, 3, 5], [0.33, 1, 2], [0.2, 0.5, 1]]).consistent


def test_an_inconsistent_matrix_names_the_judgment_to_revise():
    # Consistent judgments from weights .4 .3 .2 .1, except item 1 vs item 4 entered backwards.
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    matrix = weights[:, None] / weights[None, :]
    matrix[0, 3], matrix[3, 0] = 1 / 4, 4
    assert not evaluate(matrix).consistent
    worst = most_inconsistent_judgment(matrix)
    assert (worst.row, worst.column, worst.value) == (0, 3, 0.25)
    assert worst.implied > 1  # the other judgments say item 1 outweighs item 4
    assert worst.implied == pytest.approx(4)
    assert worst.suggested == 4
    matrix[0, 3], matrix[3, 0] = worst.suggested, 1 / worst.suggested
    assert evaluate(matrix).cr == pytest.approx(0, abs=1e-9)
    assert most_inconsistent_judgment([[1, 2], [0.5, 1]]) is None


def test_aggregate_is_the_element_wise_geometric_mean():
    combined = aggregate([[[1, 2], [1 / 2, 1]], [[1, 8], [1 / 8, 1]]])
    np.testing.assert_allclose(combined, [[1, 4], [1 / 4, 1]])
    assert evaluate(combined).consistent


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], "must be square"),
        ([], "must be square and non-empty"),
        ([[1, -2], [-0.5, 1]], "row 1, column 2: judgments must be positive numbers"),
        ([[1, 0], [0, 1]], "row 1, column 2: judgments must be positive"),
        ([[1, 3], [3, 1]], "row 1, column 2 is 3 but row 2, column 1 is 3"),
        ([[2, 1], [1, 1]], "row 1, column 1: the diagonal must be 1"),
        ([[1, "x"], [1, 1]], "only numbers"),
        (np.ones((16, 16)), "at most 15 items"),
    ],
)
def test_invalid_matrices_are_refused_with_the_cell_named(matrix, message):
    with pytest.raises(MatrixError, match=message):
        evaluate(matrix)


def test_aggregate_refuses_mismatched_or_invalid_matrices():
    with pytest.raises(MatrixError, match="same size"):
        aggregate([[[1]], [[1, 2], [0.5, 1]]])
    with pytest.raises(MatrixError, match="matrix 2: row 1, column 2"):
        aggregate([[[1, 2], [0.5, 1]], [[1, 2], [2, 1]]])
    with pytest.raises(MatrixError, match="at least one"):
        aggregate([])


@pytest.mark.parametrize(
    "module",
    [
        "scoring.engine.ahp",
        "scoring.engine.entropy",
        "org.periods",
        "scoring.engine.score",
        "reviews.engine.final",
        "indicators.calculators",
        "indicators.weights",
    ],
)
def test_engine_and_calculators_import_without_django(module):
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    probe = f"import sys, {module}; assert 'django' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", probe], env=environment, check=True, timeout=60)
