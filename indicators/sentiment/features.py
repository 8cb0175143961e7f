"""What the learned word weights are weights of: a comment's words and word pairs, with the words
a negator governs marked as negated. The learner (``manage.py sentiment_learn``) and the scorer
cut comments by this one function, so a weight means the same thing to both.

Per clause (split on punctuation), the words are cut as the scorer cuts them (jieba for Chinese);
each word is a feature, ``¬word`` instead when one of the few words before it in the clause is a
negator (不, 没有, not, never…), and each pair of neighbouring words is a feature ``word word``.
"""

import re
from collections.abc import Iterator
from typing import NamedTuple

from indicators.sentiment import grammar
from indicators.sentiment import words as lexicon

NEGATED = "¬"
# A negator governs this many words after it, within its clause (不是很满意, not very helpful).
NEGATION_SCOPE = 3
# The clause breaks of the rules (``rules._CLAUSE_BREAK``): the same clauses are cut into words
# once for both (``words.words`` keeps the last few thousand cuts).
_CLAUSE_BREAK = re.compile(r"[,.!?;~。…\n]+")
_ASCII = re.compile(r"[a-z0-9']+")
_NEGATORS = frozenset(word for word in grammar.NEGATORS if " " not in word)


class Feature(NamedTuple):
    """A feature's key in the weight file and the words it stands for in the comment."""

    key: str
    words: str


def _joined(units: tuple[str, ...]) -> str:
    """Words as written: English words apart, Chinese ones together."""
    return " ".join(units) if all(_ASCII.fullmatch(unit) for unit in units) else "".join(units)


def comment_features(text: str) -> Iterator[Feature]:
    """The features of one comment, in the order written (repeats included)."""
    for clause in _CLAUSE_BREAK.split(lexicon.normalise(text)):
        units = lexicon.words(clause)
        negator = -1 - NEGATION_SCOPE  # where the last negator stands
        for index, unit in enumerate(units):
            if index - negator <= NEGATION_SCOPE:
                yield Feature(NEGATED + unit, _joined(units[negator : index + 1]))
            else:
                yield Feature(unit, unit)
            if unit in _NEGATORS:
                negator = index
            if index:
                yield Feature(f"{units[index - 1]} {unit}", _joined(units[index - 1 : index + 1]))
