"""Customer sentiment of a Chinese or English feedback comment, from a lexicon: no model, no Django.

The text is normalised (NFKC, lower case, "n't" → " not") and split into clauses on punctuation.
Each clause becomes a run of units, one per Chinese character and one per English word, scanned
left to right for the longest entry of the lexicons (``lexicon_zh.txt``, ``lexicon_en.txt``) or of
the grammar tables below, so no word segmenter is needed. A negator flips the next sentiment word
within a few units (and only softens a negative one), an intensifier or softener scales it, an
exclamation mark strengthens its clause, and a contrast conjunction damps everything before it and
weights what follows. With P and N the summed positive and negative weights, the score is
(P − N) / (P + N + 1): within (−1, 1), 0 without sentiment, near 0 when the two sides balance.
"""

import math
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pandas as pd

# Labels: a single lukewarm word ("还行", 0.3 → 0.23) stays neutral, a single clear one ("好评",
# 1.0 → 0.5) does not. The negative band starts further out because mixed comments usually put
# the complaint last, where the contrast weighting tilts them negative.
POSITIVE_THRESHOLD = 0.25
NEGATIVE_THRESHOLD = -0.3

# A negated positive word is nearly as bad as the word is good (不满意), while a negated negative
# word is only mildly good (不慢, 没有损坏).
NEGATED_POSITIVE = -0.9
NEGATED_NEGATIVE = -0.6
# An expected service action that did not happen (没回复, 还没发货, nobody answered) is a complaint.
NEGATED_ACTION = -0.8
# How many units may separate a negator or an intensifier from the word it modifies (不是很满意).
NEGATION_WINDOW = 4
INTENSIFIER_WINDOW = 3
# An intensifier after a negator softens the negation: 不是很满意 is milder than 不满意.
NEGATED_INTENSIFIER = 0.6
# The clause after 但是/but is what the customer means to stress.
CONTRAST_BEFORE = 0.7
CONTRAST_AFTER = 1.3
EXCLAMATION = 1.3
# Praise in a question is usually a request or a reproach (能不能按时交货？).
QUESTION_POSITIVE = 0.3
# Keeps one weak word from scoring like a strong one and bounds the score below 1.
SMOOTHING = 1.0

# Negators, by strength: the soft ones (不太, 不够) only partly negate.
NEGATORS = {
    "不": 1.0,
    "没": 1.0,
    "没有": 1.0,
    "未": 1.0,
    "无": 1.0,
    "非": 1.0,
    "别": 1.0,
    "勿": 1.0,
    "并不": 1.0,
    "并没有": 1.0,
    "并非": 1.0,
    "从不": 1.0,
    "从来不": 1.0,
    "从没": 1.0,
    "从来没有": 1.0,
    "从未": 1.0,
    "毫无": 1.0,
    "毫不": 1.0,
    "绝不": 1.0,
    "不再": 1.0,
    "还没": 1.0,
    "还没有": 1.0,
    "都没": 1.0,
    "都没有": 1.0,
    "尚未": 1.0,
    "不能": 1.0,
    "没能": 1.0,
    "无法": 1.0,
    "没法": 1.0,
    "不是": 1.0,
    "不会": 1.0,
    "难以": 1.0,
    "缺乏": 1.0,
    "没什么": 0.8,
    "谈不上": 0.8,
    "算不上": 0.8,
    "不够": 0.8,
    "不算": 0.7,
    "不太": 0.6,
    "不怎么": 0.6,
    "不大": 0.6,
    "not": 1.0,
    "no": 1.0,
    "never": 1.0,
    "nothing": 1.0,
    "nobody": 1.0,
    "no one": 1.0,
    "none": 1.0,
    "neither": 1.0,
    "nor": 1.0,
    "without": 1.0,
    "refused to": 1.0,
    "failed to": 1.0,
    "lack": 1.0,
    "hardly": 0.8,
    "barely": 0.8,
}

# Intensifiers (> 1) and softeners (< 1), as multipliers of the next sentiment word.
INTENSIFIERS = {
    "很": 1.3,
    "非常": 1.6,
    "特别": 1.5,
    "太": 1.5,
    "太过": 1.5,
    "十分": 1.5,
    "极其": 1.8,
    "极": 1.6,
    "极度": 1.8,
    "超": 1.5,
    "超级": 1.6,
    "真": 1.3,
    "真的": 1.3,
    "真是": 1.3,
    "挺": 1.1,
    "蛮": 1.1,
    "相当": 1.4,
    "格外": 1.4,
    "尤其": 1.3,
    "最": 1.5,
    "更": 1.2,
    "更加": 1.3,
    "越来越": 1.2,
    "严重": 1.5,
    "完全": 1.4,
    "根本": 1.5,
    "实在": 1.4,
    "绝对": 1.4,
    "巨": 1.5,
    "如此": 1.3,
    "这么": 1.2,
    "那么": 1.2,
    "整整": 1.2,
    "一再": 1.3,
    "一直": 1.2,
    "屡次": 1.3,
    "又": 1.2,
    "再次": 1.2,
    "一点都": 1.4,
    "一点也": 1.4,
    "有点": 0.6,
    "有点儿": 0.6,
    "有些": 0.7,
    "稍微": 0.6,
    "稍": 0.6,
    "稍有": 0.6,
    "略": 0.6,
    "略微": 0.6,
    "略有": 0.6,
    "轻微": 0.5,
    "比较": 0.9,
    "还算": 0.8,
    "基本": 0.8,
    "基本上": 0.8,
    "very": 1.4,
    "extremely": 1.7,
    "really": 1.3,
    "so": 1.3,
    "super": 1.5,
    "too": 1.4,
    "highly": 1.4,
    "totally": 1.5,
    "completely": 1.5,
    "absolutely": 1.5,
    "incredibly": 1.6,
    "truly": 1.3,
    "constant": 1.3,
    "constantly": 1.3,
    "repeatedly": 1.3,
    "pretty": 1.1,
    "quite": 1.1,
    "fairly": 0.9,
    "rather": 0.8,
    "somewhat": 0.7,
    "mostly": 0.8,
    "a bit": 0.6,
    "a little": 0.6,
    "slightly": 0.6,
    "kind of": 0.7,
}

# Contrast markers: what follows them outweighs what came before.
CONTRASTS = frozenset(
    {"但是", "但", "不过", "可是", "然而", "却", "只不过", "可惜", "遗憾的是"}
    | {"but", "though", "although", "however", "unfortunately"}
)
# 就是/只是 mean "but" only when they open a clause (服务很好，就是回复慢); elsewhere "just is".
CLAUSE_OPENING_CONTRASTS = frozenset({"就是", "只是"})

# Service actions a customer expects: the words carry no mood, but saying they did not happen does.
EXPECTED_ACTIONS = frozenset(
    {
        "回复",
        "答复",
        "回应",
        "回",
        "处理",
        "跟进",
        "发货",
        "到货",
        "收到",
        "到账",
        "退",
        "退款",
        "兑现",
        "改进",
        "通知",
        "告知",
        "反馈",
        "联系",
        "接",
        "管",
        "更新",
        "落实",
        "提供",
        "验货",
        "answer",
        "answered",
        "reply",
        "replied",
        "respond",
        "responded",
        "processed",
        "follow up",
        "followed up",
        "refunded",
        "fixed",
        "updated",
        "confirmed",
        "notified",
        "informed",
        "arrived",
        "received",
        "delivered",
        "helped",
    }
)

# Constructions with a gap the unit scanner cannot see: 催了三次才回复, 改了三次才对.
GAPPED_PATTERNS = (
    (re.compile(r"催了?[^才]{0,8}才"), -0.8),
    (re.compile(r"[了过][^才]{0,4}[次遍回]才"), -0.6),
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNIT = re.compile(rf"[{_CJK}]|[a-z0-9]+")
# Clause breaks; NFKC has already turned the full-width ，！？；～ into ASCII.
_CLAUSE_BREAK = re.compile(r"([,.!?;~。…\n]+)")
_NEGATED_VERB = re.compile(r"n[’']t\b")
_WEIGHT = re.compile(r"-?\d+(\.\d+)?")

_WORD, _NEGATOR, _INTENSIFIER, _CONTRAST, _OPENING_CONTRAST, _ACTION = range(6)


class _Entry(NamedTuple):
    kind: int
    value: float


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _NEGATED_VERB.sub(" not", text)


def _units(text: str) -> tuple[str, ...]:
    return tuple(_UNIT.findall(text))


def _read_lexicon(path: Path) -> dict[str, float]:
    weights = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, _, weight = (part.strip() for part in line.partition("\t"))
        if not word or not _WEIGHT.fullmatch(weight):
            raise ValueError(f"{path.name}:{number}: expected word<TAB>weight, got {line!r}")
        weights[word] = float(weight)
    return weights


def _build_table() -> dict[tuple[str, ...], _Entry]:
    here = Path(__file__).parent
    sources = [
        (_read_lexicon(here / "lexicon_zh.txt"), _WORD),
        (_read_lexicon(here / "lexicon_en.txt"), _WORD),
        (dict.fromkeys(EXPECTED_ACTIONS, 0.0), _ACTION),
        (NEGATORS, _NEGATOR),
        (INTENSIFIERS, _INTENSIFIER),
        (dict.fromkeys(CONTRASTS, 0.0), _CONTRAST),
        (dict.fromkeys(CLAUSE_OPENING_CONTRASTS, 0.0), _OPENING_CONTRAST),
    ]
    table = {}
    # Later sources win: a grammar word listed in a lexicon too is still read as grammar.
    for words, kind in sources:
        for word, value in words.items():
            table[_units(_normalise(word))] = _Entry(kind, value)
    return table


_TABLE = _build_table()
_LONGEST = max(len(key) for key in _TABLE)


def _longest_match(units: tuple[str, ...], start: int) -> tuple[_Entry | None, int]:
    for length in range(min(_LONGEST, len(units) - start), 0, -1):
        entry = _TABLE.get(units[start : start + length])
        if entry is not None:
            return entry, length
    return None, 1


def _clauses(text: str) -> Iterator[tuple[str, str]]:
    """Yield (clause, the punctuation that ends it)."""
    parts = _CLAUSE_BREAK.split(text)
    for index in range(0, len(parts), 2):
        ending = parts[index + 1] if index + 1 < len(parts) else ""
        yield parts[index], ending


def _modified(entry: _Entry, negation: float | None, boost: float | None) -> float:
    weight = entry.value
    if negation is not None:
        if entry.kind == _ACTION:
            weight = NEGATED_ACTION * negation
        else:
            weight *= (NEGATED_POSITIVE if weight > 0 else NEGATED_NEGATIVE) * negation
    if boost is not None:
        weight *= boost
    return weight


def comment_sentiment(text: str) -> float:
    """Score one comment in [-1, 1]; 0.0 when it is blank or carries no sentiment word."""
    contributions: list[float] = []
    after_contrast = 1.0
    for clause, ending in _clauses(_normalise(text)):
        units = _units(clause)
        if not units:
            continue
        emphasis = EXCLAMATION if "!" in ending else 1.0
        question = "?" in ending
        contributions.extend(
            weight * emphasis * after_contrast
            for pattern, weight in GAPPED_PATTERNS
            if pattern.search(clause)
        )
        # A pending modifier is (strength, index of the unit after it).
        negation: tuple[float, int] | None = None
        boost: tuple[float, int] | None = None
        start = 0
        while start < len(units):
            entry, length = _longest_match(units, start)
            end = start + length
            if negation is not None and start - negation[1] > NEGATION_WINDOW:
                negation = None
            if boost is not None and start - boost[1] > INTENSIFIER_WINDOW:
                boost = None
            if entry is None:
                start = end
                continue
            if entry.kind == _CONTRAST or (entry.kind == _OPENING_CONTRAST and start == 0):
                contributions = [weight * CONTRAST_BEFORE for weight in contributions]
                after_contrast = CONTRAST_AFTER
                negation = boost = None
            elif entry.kind == _NEGATOR:
                negation = (entry.value, end)
            elif entry.kind == _INTENSIFIER:
                if negation is not None:
                    negation = (negation[0] * NEGATED_INTENSIFIER, end)
                else:
                    factor = entry.value * (boost[0] if boost is not None else 1.0)
                    boost = (factor, end)
            elif entry.kind in (_WORD, _ACTION):
                weight = _modified(
                    entry,
                    negation[0] if negation is not None else None,
                    boost[0] if boost is not None else None,
                )
                if weight:
                    if question and weight > 0:
                        weight *= QUESTION_POSITIVE
                    contributions.append(weight * emphasis * after_contrast)
                    negation = boost = None
            start = end
    positive = sum(weight for weight in contributions if weight > 0)
    negative = -sum(weight for weight in contributions if weight < 0)
    return (positive - negative) / (positive + negative + SMOOTHING)


def sentiment_label(score: float) -> str:
    """Label a score by POSITIVE_THRESHOLD and NEGATIVE_THRESHOLD; a NaN score has no label."""
    if math.isnan(score):
        raise ValueError("a missing sentiment score has no label")
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def sentiment_scores(texts: pd.Series) -> pd.Series:
    """Score each comment (float, same index); NaN where the comment is missing or blank.

    A blank comment says nothing, so it is missing rather than neutral. Each distinct text is
    scored once: comments repeat a lot ("好评", "满意").
    """
    stripped = texts.astype("string").str.strip()
    distinct = stripped[stripped.fillna("").ne("")].unique()
    scores = {text: comment_sentiment(text) for text in distinct}
    return stripped.map(scores).astype("float64").rename(texts.name)
