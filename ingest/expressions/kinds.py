"""What the values of an expression are (numbers, times, texts, yes/no, source values as given)
and how a source value reads as each: shared by the evaluator (``ingest.expressions.evaluate``)."""

import ast
import math
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from ingest.expressions.parse import ExpressionError

MAX_HOURS = 1_000_000  # about 114 years: further than any time a record can move
NUMBER, TIME, TEXT, BOOL, RAW = "number", "time", "text", "bool", "raw"
# What a number plus or minus what is: (operator, left kind, right kind) → result kind.
ADDITIVE = {
    (ast.Add, NUMBER, NUMBER): NUMBER,
    (ast.Add, TIME, NUMBER): TIME,
    (ast.Add, NUMBER, TIME): TIME,
    (ast.Sub, NUMBER, NUMBER): NUMBER,
    (ast.Sub, TIME, NUMBER): TIME,
    (ast.Sub, TIME, TIME): NUMBER,
}


def kind_name(kind: str) -> str:
    return {
        NUMBER: _("a number"),
        TIME: _("a time"),
        TEXT: _("a text"),
        BOOL: _("a yes/no value"),
        RAW: _("a source value"),
    }[kind]


@dataclass
class Value:
    """A column of values and what they are (``RAW``: as the source gave them)."""

    data: pd.Series
    kind: str


def is_null(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value is None) or (
        isinstance(node, ast.Name) and node.id == "null"
    )


def unified(values: list[Value]) -> str:
    """The one kind of several branches (source values read as the others are)."""
    kinds = {value.kind for value in values} - {RAW}
    if len(kinds) > 1:
        raise ExpressionError(
            _("Cannot mix {kinds} in one value.").format(
                kinds=", ".join(kind_name(kind) for kind in sorted(kinds))
            )
        )
    return kinds.pop() if kinds else RAW


def not_a(kind: str, wanted: str) -> str:
    return _("{value} is not {wanted}.").format(
        value=kind_name(kind).capitalize(), wanted=kind_name(wanted)
    )


def as_numbers(values: pd.Series) -> pd.Series:
    """Values read as numbers (floats), what does not read as one NaN."""
    if values.dtype == object:
        values = values.map(lambda item: item.strip() if isinstance(item, str) else item)
    return pd.to_numeric(values, errors="coerce").astype(float)


def raw_value_text(value: object) -> str | None:
    if isinstance(value, float):
        return number_text(value)
    return None if value is None else str(value).strip()


def number_text(number: object) -> str | None:
    """A number as text: whole numbers without a decimal point."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return None
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)
