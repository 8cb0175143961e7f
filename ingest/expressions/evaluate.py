"""Evaluating a parsed expression (see ``ingest.expressions``) over a whole batch with pandas:
the tree walked node by node, each value read as its context needs, each row's first problem
kept."""

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ingest.expressions.kinds import (
    ADDITIVE,
    BOOL,
    MAX_HOURS,
    NUMBER,
    RAW,
    TEXT,
    TIME,
    Value,
    as_numbers,
    is_null,
    kind_name,
    not_a,
    number_text,
    raw_value_text,
    unified,
)
from ingest.expressions.parse import (
    ARITHMETIC,
    COMPARISONS,
    IF,
    LITERAL_NAMES,
    Expression,
    ExpressionError,
    node_described,
)
from ingest.records import BAD_VALUE, column_missing
from ingest.values import FALSE_WORDS, TRUE_WORDS, source_instants, source_present
from org.reasons import Reason


@dataclass
class Evaluated:
    """An expression's values over a frame and, per row, the first problem (``None``: none)."""

    data: pd.Series
    kind: str
    problems: pd.Series


def expression_evaluate(
    expression: Expression, frame: pd.DataFrame, *, zone: ZoneInfo, condition: bool = False
) -> Evaluated:
    """``expression`` over every row of ``frame`` (columns by name); naive times in ``zone``.
    A ``condition`` (a filter) gives booleans, an empty value false."""
    evaluation = _Evaluation(frame, zone)
    value = evaluation.value(expression.tree)
    if condition:
        value = Value(evaluation.condition(value), BOOL)
    return Evaluated(data=value.data, kind=value.kind, problems=evaluation.problems)


def expression_check(expression: Expression, *, zone: ZoneInfo, condition: bool = False) -> None:
    """Raise ``ExpressionError`` for a mistake of types (a time multiplied, text minus text, a
    number as a ``condition``), found by evaluating over no rows: only source values' types
    depend on the data, and those are read as each context needs."""
    frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in expression.columns})
    expression_evaluate(expression, frame, zone=zone, condition=condition)


class _Evaluation:
    def __init__(self, frame: pd.DataFrame, zone: ZoneInfo) -> None:
        self.frame = frame
        self.zone = zone
        self.index = frame.index
        self.problems = pd.Series(None, index=frame.index, dtype=object)
        # The rows whose problems count: a branch of if() not taken, an argument of coalesce()
        # not needed, cannot refuse a row.
        self.active = pd.Series(True, index=frame.index)

    # -- rows and their problems

    @contextmanager
    def within(self, rows: pd.Series) -> Iterator[None]:
        outer = self.active
        self.active = outer & rows
        try:
            yield
        finally:
            self.active = outer

    def problem(self, rows: pd.Series, reason: Reason, values: pd.Series | None = None) -> None:
        """Note ``reason`` (with the value, when given) for the active ``rows`` that have no
        problem yet."""
        rows = rows & self.active & self.problems.isna()
        if not rows.any():
            return
        if values is None:
            self.problems[rows] = reason
        else:
            self.problems[rows] = values[rows].map(
                lambda value: Reason(BAD_VALUE, {"problem": reason, "value": value})
            )

    def constant(self, value: object) -> Value:
        if isinstance(value, bool):
            return Value(pd.Series(value, index=self.index, dtype=bool), BOOL)
        if isinstance(value, int | float):
            return Value(pd.Series(float(value), index=self.index, dtype=float), NUMBER)
        if isinstance(value, str):
            return Value(pd.Series(value, index=self.index, dtype=object), TEXT)
        return Value(pd.Series(None, index=self.index, dtype=object), RAW)

    def column(self, name: str) -> Value:
        if name in self.frame:
            return Value(self.frame[name], RAW)
        self.problem(
            pd.Series(True, index=self.index),
            column_missing(name),
        )
        return Value(pd.Series(None, index=self.index, dtype=object), RAW)

    # -- reading values as a kind

    def present(self, value: Value) -> pd.Series:
        if value.kind in (RAW, TEXT):
            return source_present(value.data)
        return value.data.notna()

    def infer(self, value: Value) -> str:
        """What a source column holds, numbers or times, by its type or its values."""
        data = value.data
        if isinstance(data.dtype, pd.DatetimeTZDtype) or data.dtype.kind == "M":
            return TIME
        if pd.api.types.is_numeric_dtype(data.dtype) or pd.api.types.is_bool_dtype(data.dtype):
            return NUMBER
        sample = data[source_present(data)]
        if sample.empty:
            return NUMBER
        numbers = int(as_numbers(sample).notna().sum())
        if numbers == len(sample):
            return NUMBER
        times = int(source_instants(sample, self.zone)[0].notna().sum())
        return TIME if times > numbers else NUMBER

    def number(self, value: Value) -> pd.Series:
        if value.kind == NUMBER:
            return value.data
        if value.kind != RAW:
            raise ExpressionError(not_a(value.kind, NUMBER))
        data = value.data
        if pd.api.types.is_numeric_dtype(data.dtype) and not pd.api.types.is_bool_dtype(data.dtype):
            return data.astype(float)
        present = source_present(data)
        numbers = as_numbers(data.where(present, None))
        self.problem(present & numbers.isna(), Reason(gettext_noop("not a number")), data)
        return numbers

    def time(self, value: Value) -> pd.Series:
        if value.kind == TIME:
            return value.data
        if value.kind != RAW:
            raise ExpressionError(not_a(value.kind, TIME))
        data = value.data
        if isinstance(data.dtype, pd.DatetimeTZDtype):
            return data.dt.tz_convert("UTC")
        present = source_present(data)
        stamps, _resolved = source_instants(data.where(present, None).astype(object), self.zone)
        stamps.index = data.index
        self.problem(present & stamps.isna(), Reason(gettext_noop("not a date and time")), data)
        return stamps

    def text(self, value: Value) -> pd.Series:
        """Texts, ``None`` where empty."""
        data = value.data
        if value.kind == TEXT:
            return data
        if value.kind == TIME:
            local = data.dt.tz_convert(self.zone).dt.strftime("%Y-%m-%d %H:%M:%S")
            return local.astype(object).where(data.notna(), None)
        if value.kind == NUMBER:
            return data.map(number_text).astype(object)
        if value.kind == BOOL:
            return data.map({True: "true", False: "false"}).astype(object)
        present = source_present(data)
        return data.map(raw_value_text).astype(object).where(present, None)

    def condition(self, value: Value) -> pd.Series:
        """Yes/no as booleans, an empty value as no."""
        data = value.data
        if value.kind == BOOL:
            return data.astype(object).where(data.notna(), False).astype(bool)
        if value.kind != RAW:
            raise ExpressionError(not_a(value.kind, BOOL))
        present = source_present(data)
        words = data.astype(str).str.strip().str.lower()
        yes = present & words.isin(TRUE_WORDS)
        self.problem(
            present & ~yes & ~words.isin(FALSE_WORDS), Reason(gettext_noop("not yes or no")), data
        )
        return yes

    def as_kind(self, value: Value, kind: str) -> pd.Series:
        reader = {
            NUMBER: self.number,
            TIME: self.time,
            TEXT: self.text,
            BOOL: self.condition,
            RAW: lambda raw: raw.data,
        }[kind]
        return reader(value)

    # -- the walk

    def value(self, node: ast.AST) -> Value:
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            if node.id in LITERAL_NAMES:
                return self.constant(LITERAL_NAMES[node.id])
            return self.column(node.id)
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BoolOp):
            return self.logic(node)
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        if isinstance(node, ast.IfExp):
            return self.choice(node.test, node.body, node.orelse)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ExpressionError(
            _("{what} is not allowed in an expression.").format(what=node_described(node))
        )

    def arithmetic(self, node: ast.BinOp) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        kind_of_op = type(node.op)
        if kind_of_op is ast.Add and TEXT in (left.kind, right.kind):
            joined = self.text(left) + self.text(right)  # empty on either side: empty
            return Value(joined.astype(object), TEXT)
        if kind_of_op in (ast.Add, ast.Sub):
            return self.additive(kind_of_op, left, right)
        if TIME in (left.kind, right.kind):
            raise ExpressionError(
                _("{op} takes numbers, not {left} and {right}.").format(
                    op=ARITHMETIC[kind_of_op],
                    left=kind_name(left.kind),
                    right=kind_name(right.kind),
                )
            )
        a, b = self.number(left), self.number(right)
        if kind_of_op in (ast.Div, ast.Mod):
            zero = b == 0
            self.problem(zero & a.notna(), Reason(gettext_noop("division by zero")))
            b = b.where(~zero)
        with np.errstate(all="ignore"):
            result = {
                ast.Mult: lambda: a * b,
                ast.Div: lambda: a / b,
                ast.Mod: lambda: a % b,
                ast.Pow: lambda: a**b,
            }[kind_of_op]()
        return Value(self.finite(result, given=a.notna() & b.notna()), NUMBER)

    def finite(self, numbers: pd.Series, *, given: pd.Series) -> pd.Series:
        """Numbers; where both operands were ``given``, an overflow or a negative number's
        fractional power is the row's problem rather than a value."""
        numbers = numbers.astype(float)
        bad = pd.Series(~np.isfinite(numbers.to_numpy()), index=numbers.index) & given
        self.problem(bad, Reason(gettext_noop("the result is not a number that can be stored")))
        return numbers.where(~bad)

    def additive(self, kind_of_op: type, left: Value, right: Value) -> Value:
        left_kind, right_kind, result_kind = self.additive_kinds(kind_of_op, left, right)
        a, b = self.as_kind(left, left_kind), self.as_kind(right, right_kind)
        if result_kind == NUMBER and left_kind == TIME:  # time − time: the hours between
            return Value((a - b) / pd.Timedelta(hours=1), NUMBER)
        if result_kind == NUMBER:
            given = a.notna() & b.notna()
            return Value(
                self.finite(a + b if kind_of_op is ast.Add else a - b, given=given), NUMBER
            )
        time, hours = (a, b) if left_kind == TIME else (b, a)
        span = self.hours(hours)
        return Value(time + span if kind_of_op is ast.Add else time - span, TIME)

    def additive_kinds(self, kind_of_op: type, left: Value, right: Value) -> tuple[str, str, str]:
        """The kinds to read both sides as: a source value as it reads best, else as what the
        other side allows (its row refused if it is not that)."""
        left_options = [left.kind] if left.kind != RAW else [self.infer(left), NUMBER, TIME]
        right_options = [right.kind] if right.kind != RAW else [self.infer(right), NUMBER, TIME]
        for left_kind in left_options:
            for right_kind in right_options:
                result = ADDITIVE.get((kind_of_op, left_kind, right_kind))
                if result is not None:
                    return left_kind, right_kind, result
        raise ExpressionError(
            _("{op} cannot take {left} and {right}.").format(
                op=ARITHMETIC[kind_of_op],
                left=kind_name(left.kind),
                right=kind_name(right.kind),
            )
        )

    def hours(self, hours: pd.Series) -> pd.Series:
        too_many = hours.abs() > MAX_HOURS
        self.problem(too_many, Reason(gettext_noop("more hours than a time can move")), hours)
        # Whole microseconds as integers: pandas 2.x reads float hours with NaN among them
        # through uninitialised memory and now and then raises an overflow they never had.
        missing = hours.isna() | too_many
        micros = np.round(hours.where(~missing, 0).to_numpy(dtype=float) * 3_600_000_000)
        moves = pd.Series(pd.to_timedelta(micros.astype(np.int64), unit="us"), index=hours.index)
        return moves.where(~missing)

    def unary(self, node: ast.UnaryOp) -> Value:
        operand = self.value(node.operand)
        if isinstance(node.op, ast.Not):
            return Value(~self.condition(operand), BOOL)
        numbers = self.number(operand)
        return Value(-numbers if isinstance(node.op, ast.USub) else numbers, NUMBER)

    def logic(self, node: ast.BoolOp) -> Value:
        """``and`` / ``or``: a later operand only counts (and can refuse a row) where the
        earlier ones leave the answer open."""
        is_and = isinstance(node.op, ast.And)
        first, *others = node.values  # noqa: PD011 (an ast node's operands)
        result = self.condition(self.value(first))
        for operand in others:
            with self.within(result if is_and else ~result):
                more = self.condition(self.value(operand))
            result = result & more if is_and else result | more
        return Value(result, BOOL)

    def comparison(self, node: ast.Compare) -> Value:
        if isinstance(node.ops[0], ast.In | ast.NotIn):
            return self.membership(node)
        result = pd.Series(True, index=self.index)
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            result &= self.compare(op, left_node, right_node)
            left_node = right_node
        return Value(result, BOOL)

    def compare(self, op: ast.cmpop, left_node: ast.expr, right_node: ast.expr) -> pd.Series:
        nulls = [is_null(left_node), is_null(right_node)]
        if any(nulls):
            if not isinstance(op, ast.Eq | ast.NotEq):
                raise ExpressionError(_("Only == and != compare with null."))
            other = self.value(right_node if nulls[0] else left_node)
            empty = ~self.present(other)
            return empty if isinstance(op, ast.Eq) else ~empty
        left, right = self.value(left_node), self.value(right_node)
        kind = self.common_kind(left, right)
        if kind == BOOL and not isinstance(op, ast.Eq | ast.NotEq):
            raise ExpressionError(_("Yes/no values compare only with == and !=."))
        both = self.present(left) & self.present(right)
        a, b = self.as_kind(left, kind), self.as_kind(right, kind)
        if kind == TEXT:  # None cannot be ordered against a text
            a, b = a.where(both, ""), b.where(both, "")
        outcome = COMPARISONS[type(op)](a, b).astype(bool)
        return outcome.where(both, isinstance(op, ast.NotEq)).astype(bool)

    def common_kind(self, left: Value, right: Value) -> str:
        if left.kind == RAW and right.kind == RAW:
            left_kind, right_kind = self.infer(left), self.infer(right)
            return left_kind if left_kind == right_kind else TEXT
        if left.kind == RAW:
            return right.kind
        if right.kind == RAW or left.kind == right.kind:
            return left.kind
        raise ExpressionError(
            _("Cannot compare {left} with {right}.").format(
                left=kind_name(left.kind), right=kind_name(right.kind)
            )
        )

    def membership(self, node: ast.Compare) -> Value:
        comparator = node.comparators[0]
        assert isinstance(comparator, ast.Tuple | ast.List)  # checked when parsed
        literals = [element.value for element in comparator.elts]  # type: ignore[attr-defined]
        value = self.value(node.left)
        if all(isinstance(literal, str) for literal in literals):
            inside = self.as_kind(value, TEXT).isin(literals)
        elif all(isinstance(literal, int | float) for literal in literals):
            inside = self.as_kind(value, NUMBER).isin([float(item) for item in literals])
        else:
            raise ExpressionError(_("'in' needs a list of numbers or of texts, not both."))
        present = self.present(value)
        if isinstance(node.ops[0], ast.NotIn):
            return Value(~inside | ~present, BOOL)
        return Value(inside & present, BOOL)

    def choice(self, test: ast.expr, body: ast.expr, orelse: ast.expr) -> Value:
        condition = self.condition(self.value(test))
        with self.within(condition):
            chosen = self.value(body)
        with self.within(~condition):
            other = self.value(orelse)
        kind = unified([chosen, other])
        with self.within(condition):
            a = self.as_kind(chosen, kind)
        with self.within(~condition):
            b = self.as_kind(other, kind)
        if kind in (RAW, TEXT, BOOL):
            a, b = a.astype(object), b.astype(object)
        return Value(a.where(condition, b), kind)

    def call(self, node: ast.Call) -> Value:
        name = node.func.id  # type: ignore[attr-defined]
        args = node.args
        if name == "col":
            return self.column(args[0].value)  # type: ignore[attr-defined]
        if name == IF:
            return self.choice(args[0], args[1], args[2])
        if name == "coalesce":
            return self.coalesce(args)
        if name == "concat":
            texts = [self.text(self.value(arg)).where(lambda t: t.notna(), "") for arg in args]
            joined = texts[0]
            for text in texts[1:]:
                joined = joined + text
            return Value(joined.astype(object), TEXT)
        value = self.value(args[0])
        if name == "is_empty":
            return Value(~self.present(value), BOOL)
        kind = {"number": NUMBER, "time": TIME, "text": TEXT}[name]
        return Value(self.as_kind(value, kind), kind)

    def coalesce(self, args: list[ast.expr]) -> Value:
        """The first present value of each row; an argument is only read (and can only refuse
        a row) where the ones before it are empty."""
        values, needed = [], []
        still_empty = pd.Series(True, index=self.index)
        for arg in args:
            with self.within(still_empty):
                value = self.value(arg)
            values.append(value)
            needed.append(still_empty)
            still_empty = still_empty & ~self.present(value)
        kind = unified(values)
        result = None
        for value, rows in zip(values, needed, strict=True):
            with self.within(rows):
                data = self.as_kind(value, kind)
            if kind in (RAW, TEXT, BOOL):
                data = data.astype(object)
            result = data if result is None else result.where(~rows, data)
        assert result is not None
        return Value(result, kind)
