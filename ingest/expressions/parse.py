"""Parsing an expression of a mapping (see ``ingest.expressions``): Python's syntax read with
``ast`` and every node checked against an allow-list, the columns it names collected."""

import ast
import io
import math
import operator
import tokenize
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_LENGTH = 2000  # characters
MAX_DEPTH = 60  # nested operations
MAX_EXPONENT = 10
MAX_LIST = 1000  # literals after ``in``
MAX_LITERAL = 10**15  # a larger whole number is a typo, or an attempt at a huge computation
# ``if`` is a Python keyword: ``if(…)`` calls are parsed under this name.
IF = "if_"

FUNCTIONS: dict[str, tuple[int, int | None]] = {  # name: (fewest, most arguments)
    "coalesce": (1, None),
    IF: (3, 3),
    "concat": (1, None),
    "is_empty": (1, 1),
    "number": (1, 1),
    "time": (1, 1),
    "text": (1, 1),
    "col": (1, 1),
}
LITERAL_NAMES = {"true": True, "false": False, "null": None}
COMPARISONS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%", ast.Pow: "**"}


class ExpressionError(ValueError):
    """The expression itself is wrong (not a row's value): its syntax, a name or a type."""


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression and the column names it refers to."""

    text: str
    tree: ast.expr
    columns: frozenset[str]


def expression_parse(text: object) -> Expression:
    """``text`` parsed and checked against the allow-list; ``ExpressionError`` saying what is
    wrong otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(_("An expression must be a non-empty text."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("An expression holds at most {n} characters.").format(n=MAX_LENGTH))
    try:
        tree = ast.parse(_if_calls_renamed(text.strip()), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(
            _("Not a valid expression: {problem} (at character {offset}).").format(
                problem=error.msg, offset=error.offset or 1
            )
        ) from None
    except (ValueError, RecursionError, MemoryError):  # NUL characters, absurd nesting
        raise ExpressionError(_("Not a valid expression.")) from None
    columns: set[str] = set()
    _check(tree, columns, depth=0)
    return Expression(text=text, tree=tree, columns=frozenset(columns))


def _if_calls_renamed(text: str) -> str:
    """``if(`` where a value starts (not the ``if`` of ``a if c else b``) renamed ``if_(``."""
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
        ]
    except (tokenize.TokenError, SyntaxError):
        return text  # the parser names the problem
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    renamed = []
    for position, token in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        previous = tokens[position - 1] if position else None
        starts_value = previous is None or (
            previous.type == tokenize.OP and previous.string not in (")", "]", "}")
        )
        starts_value = starts_value or (
            previous is not None and previous.string in ("and", "or", "not", "else", "if", "in")
        )
        if (
            token.type == tokenize.NAME
            and token.string == "if"
            and following is not None
            and following.string == "("
            and starts_value
        ):
            row, column = token.start
            renamed.append(line_starts[row - 1] + column)
    for offset in reversed(renamed):
        text = text[:offset] + IF + text[offset + 2 :]
    return text


def _check(node: ast.AST, columns: set[str], *, depth: int) -> None:
    """Refuse every node outside the allow-list; collect the columns named."""
    if depth > MAX_DEPTH:
        raise ExpressionError(_("The expression is nested too deeply."))
    deeper = depth + 1
    if isinstance(node, ast.Constant):
        _literal_check(node.value)
    elif isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise ExpressionError(
                _("Names starting with __ are not allowed ({name}).").format(name=node.id)
            )
        if node.id not in LITERAL_NAMES:
            columns.add(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in ARITHMETIC:
            raise ExpressionError(_("The operator {op} is not allowed.").format(op=_op(node.op)))
        if isinstance(node.op, ast.Pow):
            _exponent_check(node.right)
        _check(node.left, columns, depth=deeper)
        _check(node.right, columns, depth=deeper)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            raise ExpressionError(_("The operator {op} is not allowed.").format(op=_op(node.op)))
        _check(node.operand, columns, depth=deeper)
    elif isinstance(node, ast.BoolOp):
        for operand in node.values:
            _check(operand, columns, depth=deeper)
    elif isinstance(node, ast.Compare):
        _comparison_check(node, columns, depth=deeper)
    elif isinstance(node, ast.IfExp):
        for part in (node.test, node.body, node.orelse):
            _check(part, columns, depth=deeper)
    elif isinstance(node, ast.Call):
        _call_check(node, columns, depth=deeper)
    else:
        raise ExpressionError(
            _("{what} is not allowed in an expression.").format(what=node_described(node))
        )


def _literal_check(value: object) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int) and abs(value) <= MAX_LITERAL:
        return
    if isinstance(value, float) and math.isfinite(value) and abs(value) <= MAX_LITERAL:
        return
    if isinstance(value, int | float):
        raise ExpressionError(
            _("The number {value} is too large for an expression.").format(value=str(value)[:40])
        )
    raise ExpressionError(_("{what} is not allowed in an expression.").format(what=repr(value)))


def _exponent_check(node: ast.AST) -> None:
    """A power only by a literal exponent of at most ``MAX_EXPONENT`` (``9 ** 9 ** 9`` is not a
    business rule, but a way to keep a server busy)."""
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > MAX_EXPONENT:
        raise ExpressionError(
            _("A power needs a literal exponent of at most {n}.").format(n=MAX_EXPONENT)
        )


def _comparison_check(node: ast.Compare, columns: set[str], *, depth: int) -> None:
    _check(node.left, columns, depth=depth)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.In | ast.NotIn):
            if len(node.ops) != 1:
                raise ExpressionError(_("'in' cannot be chained with other comparisons."))
            if not isinstance(comparator, ast.Tuple | ast.List) or len(comparator.elts) > MAX_LIST:
                raise ExpressionError(
                    _("'in' needs a list of at most {n} literals: x in ('a', 'b').").format(
                        n=MAX_LIST
                    )
                )
            for element in comparator.elts:
                value = element.value if isinstance(element, ast.Constant) else None
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise ExpressionError(_("'in' needs a list of numbers or texts."))
                _literal_check(value)
        elif type(op) in COMPARISONS:
            _check(comparator, columns, depth=depth)
        else:
            raise ExpressionError(_("The operator {op} is not allowed.").format(op=_op(op)))


def _call_check(node: ast.Call, columns: set[str], *, depth: int) -> None:
    if not isinstance(node.func, ast.Name):  # a method, a call's result: nothing to call
        _check(node.func, columns, depth=depth)
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in FUNCTIONS:
        raise ExpressionError(
            _("Only these functions may be called: {functions}.").format(
                functions=", ".join(_function_name(f) for f in FUNCTIONS)
            )
        )
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise ExpressionError(
            _("{function}() takes plain arguments.").format(function=_function_name(name))
        )
    fewest, most = FUNCTIONS[name]
    if len(node.args) < fewest or (most is not None and len(node.args) > most):
        raise ExpressionError(
            _("{function}() takes {count} argument(s), not {given}.").format(
                function=_function_name(name),
                count=fewest if fewest == most else f"{fewest}+",
                given=len(node.args),
            )
        )
    if name == "col":
        argument = node.args[0]
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            raise ExpressionError(_("col() takes a column name in quotes: col('order no')."))
        columns.add(argument.value)
        return
    for argument in node.args:
        _check(argument, columns, depth=depth)


def _function_name(name: str) -> str:
    return "if" if name == IF else name


def _op(op: ast.AST) -> str:
    symbols = {
        ast.FloorDiv: "//",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.Invert: "~",
        ast.MatMult: "@",
        ast.Is: "is",
        ast.IsNot: "is not",
    }
    return symbols.get(type(op), type(op).__name__)


def node_described(node: ast.AST) -> str:
    names = {
        ast.Attribute: _("Attribute access (a.b)"),
        ast.Subscript: _("Indexing (a[b])"),
        ast.Lambda: "lambda",
        ast.JoinedStr: _("An f-string"),
        ast.NamedExpr: ":=",
        ast.Starred: "*",
    }
    return str(names.get(type(node), type(node).__name__))
