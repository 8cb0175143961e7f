"""What the learned word weights are weights of: a comment's words and word pairs, with the words
a negator governs marked as negated. The learner (``manage.py sentiment_learn``) and the scorer
cut comments by this one function, so a weight means the same thing to both.

Per clause (split on punctuation), the words are cut as the scorer cuts them (jieba for Chinese);
each word is a feature, ``¬word`` instead when one of the few words before it in the clause is a
negator (不, 没有, not, never…), and each pair of neighbouring words is a feature ``word word``.
Where a negator denies a complaint word of the lexicons (nothing was damaged, 没有任何损坏), the
features before that word (the negator, the words between, their pairs) are marked ``denying``
and not counted: negators learned their lean from negating praise (not good), and the denial is
read by the negated complaint word itself and by the rules.
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
    """A feature's key in the weight file, the words it stands for in the comment, and whether
    it is part of a denied complaint (nothing was damaged, 没有任何损坏) other than the complaint
    word itself: the negator, the words between, their pairs."""

    key: str
    words: str
    denying: bool = False


def _joined(units: tuple[str, ...]) -> str:
    """Words as written: English words apart, Chinese ones together."""
    return " ".join(units) if all(_ASCII.fullmatch(unit) for unit in units) else "".join(units)


def _complaint_after(units: tuple[str, ...], negator: int) -> int:
    """Where the complaint word of the lexicons a negator denies stands, -1 if none."""
    table = lexicon.table()
    for index in range(negator + 1, min(negator + 1 + NEGATION_SCOPE, len(units))):
        entry = table.get((units[index],))
        if entry is not None and entry.kind == lexicon.WORD:
            return index if entry.value < 0 else -1
    return -1


def comment_features(text: str) -> Iterator[Feature]:
    """The features of one comment, in the order written (repeats included)."""
    for clause in _CLAUSE_BREAK.split(lexicon.normalise(text)):
        units = lexicon.words(clause)
        negator = -1 - NEGATION_SCOPE  # where the last negator stands
        denied = -1  # where the complaint word a negator denies stands
        for index, unit in enumerate(units):
            if unit in _NEGATORS:
                denied = _complaint_after(units, index)
            denying = index < denied
            if index - negator <= NEGATION_SCOPE:
                yield Feature(NEGATED + unit, _joined(units[negator : index + 1]), denying)
            else:
                yield Feature(unit, unit, denying)
            if unit in _NEGATORS:
                negator = index
            if index:
                pair = units[index - 1 : index + 1]
                yield Feature(f"{pair[0]} {pair[1]}", _joined(pair), denying)
