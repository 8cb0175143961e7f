"""The words on charts: a mean's heading, labels made unique for a categorical axis, and labels
wrapped to a width for where Plotly's automatic margins do not reach."""

import re
from collections import Counter

from django.utils.translation import gettext as _

from indicators.models import Tier


def mean_label(name: str) -> str:
    """The heading of a mean: "Total" or the tier's name, in the active language."""
    return _("Total") if name == "total" else str(Tier(name).label)


def unique_labels(labels: list[str], tags: list[object]) -> list[str]:
    """``labels``, with its tag added to each that occurs more than once: a categorical axis
    merges equal labels, and two people may share a name."""
    counts = Counter(labels)
    return [
        f"{label} ({tag})" if counts[label] > 1 else label
        for label, tag in zip(labels, tags, strict=True)
    ]


# A Chinese (or full-width) character or a run of other non-space characters (a word), with
# the brackets and punctuation that may not begin or end a line; or a space.
_CJK = "\u2e80-\u9fff\uff00-\uffef"
_LABEL_TOKENS = re.compile(rf"[（(「“]?(?:[{_CJK}]|[^\s{_CJK}]+)[）)」”、，,。.:：]?|\s+")


def _label_lines(tokens: list[str], width: int) -> list[str]:
    lines, line, size, space = [], "", 0, False
    for token in tokens:
        if token.isspace():
            space = bool(line)
            continue
        cost = sum(1 if char.isascii() else 2 for char in token)
        if line and size + space + cost > width:
            lines.append(line)
            line, size, space = "", 0, False
        line += " " * space + token
        size += space + cost
        space = False
    return [*lines, line] if line else lines


def wrap_label(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` columns, as even as they can be, for a
    label Plotly draws where its automatic margins do not reach (``<br>`` between lines). A
    Chinese character takes two columns and a line may break after any; English breaks
    between words, and a word longer than a line keeps its own line."""
    tokens = _LABEL_TOKENS.findall(text)
    lines = _label_lines(tokens, width)
    # The fewest lines, then the narrowest width that keeps that many: 长期客户 / 增长率
    # rather than 长期客户增长 / 率.
    for narrower in range(1, width):
        even = _label_lines(tokens, narrower)
        if len(even) == len(lines):
            return "<br>".join(even)
    return "<br>".join(lines)
