"""Analytic Hierarchy Process: weights from a pairwise comparison matrix, and its consistency.

``matrix[i][j]`` says how much more important item i is than item j on Saaty's 1–9 scale, so the
matrix is positive with ``matrix[j][i] == 1 / matrix[i][j]``. The weights are its principal
eigenvector normalised to sum 1; CI = (λmax − n) / (n − 1); CR = CI / RI with Saaty's random index;
a matrix is consistent when CR < 0.10.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

MAX_SIZE = 15
CONSISTENCY_LIMIT = 0.10
# Saaty's random consistency index by matrix size (index 0 unused).
RANDOM_INDEX = (
    0.0,
    0.0,
    0.0,
    0.58,
    0.90,
    1.12,
    1.24,
    1.32,
    1.41,
    1.45,
    1.49,
    1.51,
    1.48,
    1.56,
    1.57,
    1.59,
)
SAATY_SCALE = (1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9)
# Reciprocals typed to two or three decimals (0.33 for 1/3) are accepted.
RECIPROCAL_TOLERANCE = 0.02


class MatrixError(ValueError):
    """The input is not a valid pairwise comparison matrix; the message says where and why.

    ``code`` and ``params`` let a caller word the message in the user's language; ``str()`` is the
    English wording.
    """

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class AHPResult:
    weights: np.ndarray  # one per row, summing to 1
    lambda_max: float
    ci: float
    cr: float
    consistent: bool


@dataclass(frozen=True)
class Judgment:
    """The judgment most at odds with the others, and the value the others imply for it."""

    row: int
    column: int
    value: float
    implied: float
    suggested: float  # ``implied`` rounded to the nearest value of Saaty's scale


def validate(matrix: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """The matrix as a float array, or ``MatrixError`` naming the offending cell (1-based)."""
    try:
        array = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MatrixError(
            "not_numeric", f"the matrix must contain only numbers ({exc})", detail=str(exc)
        ) from exc
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise MatrixError(
            "not_square",
            f"the matrix must be square and non-empty, not of shape {array.shape}",
            shape="×".join(str(size) for size in array.shape),
        )
    n = array.shape[0]
    if n > MAX_SIZE:
        raise MatrixError(
            "too_large", f"at most {MAX_SIZE} items can be compared, not {n}", limit=MAX_SIZE, n=n
        )
    bad = np.argwhere(~np.isfinite(array) | (array <= 0))
    if len(bad):
        i, j = (int(index) for index in bad[0])
        raise MatrixError(
            "not_positive",
            f"row {i + 1}, column {j + 1}: judgments must be positive numbers, not {array[i, j]}",
            row=i + 1,
            column=j + 1,
            value=float(array[i, j]),
        )
    product = array * array.T
    off = np.argwhere(np.abs(product - 1) > RECIPROCAL_TOLERANCE)
    if len(off):
        i, j = sorted(int(index) for index in off[0])
        if i == j:
            raise MatrixError(
                "bad_diagonal",
                f"row {i + 1}, column {i + 1}: the diagonal must be 1",
                row=i + 1,
                column=i + 1,
            )
        raise MatrixError(
            "not_reciprocal",
            f"row {i + 1}, column {j + 1} is {array[i, j]:g} but row {j + 1}, column {i + 1} is "
            f"{array[j, i]:g}: they must be reciprocal (their product 1)",
            row=i + 1,
            column=j + 1,
            value=float(array[i, j]),
            mirror=float(array[j, i]),
        )
    return array


def evaluate(matrix: Sequence[Sequence[float]] | np.ndarray) -> AHPResult:
    """Weights (principal eigenvector), λmax, CI, CR and whether CR < 0.10."""
    return _evaluate_valid(validate(matrix))


def _evaluate_valid(array: np.ndarray) -> AHPResult:
    n = array.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(array)
    principal = int(np.argmax(eigenvalues.real))
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    lambda_max = float(eigenvalues[principal].real)
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 2 else 0.0
    cr = ci / RANDOM_INDEX[n] if n > 2 else 0.0
    return AHPResult(
        weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, consistent=cr < CONSISTENCY_LIMIT
    )


def aggregate(matrices: Sequence[Sequence[Sequence[float]]] | np.ndarray) -> np.ndarray:
    """Several experts' matrices combined by element-wise geometric mean (stays reciprocal)."""
    if len(matrices) == 0:
        raise MatrixError("no_matrices", "at least one matrix is needed")
    arrays = []
    for number, matrix in enumerate(matrices, start=1):
        try:
            arrays.append(validate(matrix))
        except MatrixError as exc:
            raise MatrixError(
                exc.code, f"matrix {number}: {exc}", **exc.params, matrix=number
            ) from exc
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise MatrixError(
            "sizes_differ",
            f"all matrices must have the same size, not {sorted(shapes)}",
            sizes=", ".join(f"{a}×{b}" for a, b in sorted(shapes)),
        )
    return cast("npt.NDArray[np.float64]", np.exp(np.mean(np.log(np.stack(arrays)), axis=0)))


def most_inconsistent_judgment(matrix: Sequence[Sequence[float]] | np.ndarray) -> Judgment | None:
    """The upper-triangle judgment farthest (in log ratio) from the ratio of the weights, with the
    value the other judgments imply for it (geometric mean of the indirect paths).

    Revising it first lowers CR the most in practice. ``None`` for a matrix of fewer than 3 items,
    which is always consistent.
    """
    array = validate(matrix)
    n = array.shape[0]
    if n < 3:
        return None
    weights = _evaluate_valid(array).weights
    deviation = np.abs(np.log(array * weights[None, :] / weights[:, None]))
    rows, columns = np.triu_indices(n, k=1)
    worst = int(np.argmax(deviation[rows, columns]))
    i, j = int(rows[worst]), int(columns[worst])
    # What the other judgments say about (i, j): the geometric mean of the paths i → k → j.
    others = [k for k in range(n) if k not in (i, j)]
    implied = float(np.exp(np.mean(np.log(array[i, others] * array[others, j]))))
    return Judgment(
        row=i,
        column=j,
        value=float(array[i, j]),
        implied=implied,
        suggested=nearest_saaty(implied),
    )


def nearest_saaty(value: float) -> float:
    """The value of Saaty's scale (1/9 … 9) closest to ``value`` in log ratio."""
    scale = np.asarray(SAATY_SCALE)
    return float(scale[np.argmin(np.abs(np.log(scale / value)))])


def matrix_from_weights(weights: Sequence[float]) -> np.ndarray:
    """The judgments an expert holding these priorities would give, on Saaty's scale.

    Each upper-triangle cell is the ratio of the two weights rounded to the scale; the lower
    triangle is its reciprocal, so the result is always a valid matrix (nearly consistent).
    """
    priorities = np.asarray(weights, dtype=float)
    n = len(priorities)
    matrix = np.ones((n, n))
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        matrix[i, j] = nearest_saaty(priorities[i] / priorities[j])
        matrix[j, i] = 1 / matrix[i, j]
    return matrix
