"""The hand-written reading of a comment: lexicons and grammar rules, no model, no Django. It is
the prior the learned word weights build on (``indicators.sentiment``): the learner weighs its
positive and negative sums like any other feature.

The text is normalised (NFKC, lower case, "n't" → " not") and split into clauses on punctuation;
each clause is cut into words (``words``: jieba for Chinese, so 好多 is "many" and not 好 "good")
and scanned left to right for the longest known run of words. A negator flips the next sentiment
word within a few words (and only softens a negative one), an intensifier or softener scales it,
a wish for improvement (需改善, needs work) is a complaint, an exclamation mark strengthens its
clause, and a contrast conjunction (但是, 不过, but) damps everything before it and weights what
follows. Each piece of evidence is the words that moved the reading and its signed weight.
"""

import re
from collections.abc import Iterator
from typing import NamedTuple

from indicators.sentiment import words as lexicon
from indicators.sentiment.grammar import (
    CONTRAST_AFTER,
    CONTRAST_BEFORE,
    EXCLAMATION,
    GAPPED_PATTERNS,
    INTENSIFIER_WINDOW,
    NEEDED,
    NEGATED_ACTION,
    NEGATED_INTENSIFIER,
    NEGATED_NEGATIVE,
    NEGATED_POSITIVE,
    NEGATION_WINDOW,
    QUESTION_POSITIVE,
)
from indicators.sentiment.words import (
    ACTION,
    CONTRAST,
    IMPROVEMENT,
    INTENSIFIER,
    NEED,
    NEGATOR,
    OPENING_CONTRAST,
    WORD,
    Entry,
)

# Clause breaks; NFKC has already turned the full-width ，！？；～ into ASCII.
_CLAUSE_BREAK = re.compile(r"([,.!?;~。…\n]+)")
_ASCII = re.compile(r"[a-z0-9' ]+")


class Evidence(NamedTuple):
    """Words that moved a comment's score ("不满意", "not helpful") and by how much, signed."""

    words: str
    weight: float


def _clauses(text: str) -> Iterator[tuple[str, str]]:
    """Yield (clause, the punctuation that ends it)."""
    parts = _CLAUSE_BREAK.split(text)
    for index in range(0, len(parts), 2):
        ending = parts[index + 1] if index + 1 < len(parts) else ""
        yield parts[index], ending


def _modified(entry: Entry, negation: float | None, boost: float | None, need: bool) -> float:
    weight = entry.value
    if entry.kind == IMPROVEMENT and need:
        weight = NEEDED
    elif negation is not None:
        if entry.kind in (ACTION, IMPROVEMENT):
            weight = NEGATED_ACTION * negation
        else:
            weight *= (NEGATED_POSITIVE if weight > 0 else NEGATED_NEGATIVE) * negation
    if boost is not None:
        weight *= boost
    return weight


def _units(clause: str) -> list[str]:
    """The clause's words, with a word the table does not know cut into modifier and word where
    that reads (太慢 → 太, 慢)."""
    units: list[str] = []
    for word in lexicon.words(clause):
        cut = None if (word,) in lexicon.table() else lexicon.split_modifier(word)
        units.extend(cut or (word,))
    return units


def _surface(units: list[str]) -> str:
    return " ".join(units) if all(_ASCII.fullmatch(unit) for unit in units) else "".join(units)


class _Clause:
    """The pending modifiers while scanning one clause: each is (strength, index of the word
    where it starts, index of the word after it)."""

    def __init__(self) -> None:
        self.negation: tuple[float, int, int] | None = None
        self.boost: tuple[float, int, int] | None = None
        self.need: tuple[int, int] | None = None

    def expire(self, start: int) -> None:
        if self.negation is not None and start - self.negation[2] > NEGATION_WINDOW:
            self.negation = None
        if self.boost is not None and start - self.boost[2] > INTENSIFIER_WINDOW:
            self.boost = None
        if self.need is not None and start - self.need[1] > NEGATION_WINDOW:
            self.need = None

    def first(self, start: int) -> int:
        """Where the words modifying the word at ``start`` begin."""
        begins = [start]
        begins += [m[1] for m in (self.negation, self.boost) if m is not None]
        begins += [self.need[0]] if self.need is not None else []
        return min(begins)


def rule_evidence(text: str) -> tuple[Evidence, ...]:
    """The words of one comment the lexicons and rules read as sentiment, in the order written."""
    found: list[list] = []  # [words, weight], weights updated by a later contrast
    after_contrast = 1.0
    for clause, ending in _clauses(lexicon.normalise(text)):
        units = _units(clause)
        if not units:
            continue
        emphasis = EXCLAMATION if "!" in ending else 1.0
        question = "?" in ending
        for pattern, weight in GAPPED_PATTERNS:
            match = pattern.search(clause)
            if match:
                found.append([match.group(), weight * emphasis * after_contrast])
        pending = _Clause()
        start = 0
        while start < len(units):
            entry, length = lexicon.lookup(tuple(units), start)
            end = start + length
            pending.expire(start)
            if entry is None:
                start = end
                continue
            if entry.kind == CONTRAST or (entry.kind == OPENING_CONTRAST and start == 0):
                for item in found:
                    item[1] *= CONTRAST_BEFORE
                after_contrast = CONTRAST_AFTER
                pending = _Clause()
            elif entry.kind == NEGATOR:
                pending.negation = (entry.value, start, end)
            elif entry.kind == NEED:
                pending.need = (start, end)
            elif entry.kind == INTENSIFIER:
                if pending.negation is not None:
                    strength, begin, _ = pending.negation
                    pending.negation = (strength * NEGATED_INTENSIFIER, begin, end)
                else:
                    factor = entry.value * (pending.boost[0] if pending.boost else 1.0)
                    pending.boost = (factor, pending.boost[1] if pending.boost else start, end)
            elif entry.kind in (WORD, ACTION, IMPROVEMENT):
                weight = _modified(
                    entry,
                    pending.negation[0] if pending.negation is not None else None,
                    pending.boost[0] if pending.boost is not None else None,
                    pending.need is not None,
                )
                if weight:
                    if question and weight > 0:
                        weight *= QUESTION_POSITIVE
                    words = _surface(units[pending.first(start) : end])
                    found.append([words, weight * emphasis * after_contrast])
                    pending = _Clause()
            start = end
    return tuple(Evidence(words, weight) for words, weight in found)
