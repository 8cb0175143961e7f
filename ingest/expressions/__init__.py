"""The small expression language of mappings: computed fields, row filters and unpivoted records
(``ingest.transform``).

An expression is one line written in Python's syntax. It is parsed with ``ast`` and only an
allow-list of node kinds is accepted (below); the tree is then walked by this module's own
evaluator. Nothing is ever handed to ``eval`` or ``compile``: no attribute, index, keyword
argument or function outside the list can be reached. It is evaluated over a whole batch at
once with pandas, one value per row.

- **Columns**: a source column, a join's result or an earlier computed name by its name
  (``price``, ``下单时间``); any other name with ``col('order status')``.
- **Literals**: numbers, ``'text'``, ``true``, ``false``, ``null``.
- **Arithmetic**: ``+ - * / %`` on numbers, ``**`` with a literal exponent of at most 10. A time
  plus or minus a number is that many hours later or earlier; a time minus a time is the hours
  between them. ``+`` with a text on either side joins texts.
- **Comparisons** ``== != < <= > >=`` (chained too), ``in`` / ``not in`` a list of literals,
  ``and``, ``or``, ``not``. A comparison with an empty value is false, except ``!=`` and
  ``not in``, which are true; ``x == null`` asks whether ``x`` is empty.
- **Functions**: ``coalesce(a, b, …)`` the first non-empty value; ``if(cond, a, b)`` (or
  ``a if cond else b``); ``concat(a, b, …)`` the texts joined, an empty one as nothing;
  ``is_empty(a)``; ``number(a)``, ``time(a)``, ``text(a)`` to read a value as one; ``col('name')``.

A source value is read as what its context needs: compared with or added to a number it is a
number, compared with a text it is text. Where both sides are source columns, a column all of
whose values are numbers is numbers; otherwise it is times when more of its values read as
times (naive ones in the mapping's time zone) than as numbers.

A value that cannot be read as what it must be (``'abc'`` where a number is needed) is its row's
problem, naming the value: the row is refused and the others go on. A mistake in the expression
itself (its syntax, an unknown function, a time multiplied) is an ``ExpressionError``, raised
when the mapping is checked (``expression_check``), so it is refused when saved.
"""

from ingest.expressions.evaluate import (
    Evaluated,
    expression_check,
    expression_evaluate,
)
from ingest.expressions.parse import Expression, ExpressionError, expression_parse

__all__ = [
    "Evaluated",
    "Expression",
    "ExpressionError",
    "expression_check",
    "expression_evaluate",
    "expression_parse",
]
