"""Customer sentiment of a Chinese or English feedback comment: learned word weights over the
hand-written rules, no Django, numpy-free and fast (dictionary look-ups per word).

A comment's margin is the sum of the weights (``weights.tsv``, learned by ``manage.py
sentiment_learn`` from public labelled reviews) of its features (``features``: its words, pairs of
words and negated words), plus the hand-written rules' positive and negative sums (``rules``:
complaint vocabulary of orders and logistics, negation, contrast…) each times its learned
coefficient, plus a bias. The score is tanh(scale × margin), in (−1, 1); a comment with no known
feature and no rule evidence scores exactly 0 and stays neutral. Bias, scale and the neutral band
are calibrated on the development splits of the public review sets (never trained on), so that
a balanced sample of polar reviews reads about 50 on the 0–100 index and few read neutral.

A comment's ``Reading`` keeps its deciding words: the largest contributions to the margin.
"""

import functools
import math
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from indicators.sentiment.features import NEGATED, comment_features
from indicators.sentiment.grammar import CLAUSE_OPENING_CONTRASTS, CONTRASTS
from indicators.sentiment.rules import Evidence, rule_evidence
from indicators.sentiment.words import normalise

WEIGHTS = Path(__file__).parent / "weights.tsv"
MOODLESS = Path(__file__).parent / "moodless.txt"
# A count: digits (po-20240315, 4411) or numerals and measure words only (共两, 三箱, 两柜).
_COUNT = re.compile(r"[0-9a-z-]*[0-9][0-9a-z-]*|[共一二三四五六七八九十百千万两几个件箱柜批次]+")
# A word deciding a score moves the margin at least this much (in log-odds), and the reading
# keeps at most this many of them, the largest first.
EVIDENCE_MINIMUM = 0.3
EVIDENCE_KEPT = 6
# The constants at the head of ``weights.tsv``: bias, the rules' coefficients, scale, band.
# A mixed comment (``is_mixed``): at most this many characters, its weaker side (in the hand
# rules' sums) at least this heavy and this share of its stronger side. Chosen on the dev rows of
# our own business comments, where praise-but-complaint notes are labelled neutral, so that no
# public set's dev rows read more than 10% neutral.
MIXED_LONGEST = 60
MIXED_WEAKER_SIDE = 0.3
MIXED_RATIO = 0.4
# A contrast word anywhere, 就是/只是 only where they open a clause (elsewhere "just is").
_CONTRAST = re.compile(
    "|".join(
        [rf"\b{word}\b" if word.isascii() else word for word in sorted(CONTRASTS, key=len)[::-1]]
        + [rf"(?:^|(?<=[,.!?;~。…\n ])){word}" for word in sorted(CLAUSE_OPENING_CONTRASTS)]
    )
)
CONSTANTS = ("bias", "rules_positive", "rules_negative", "scale", "neutral_band")


class Reading(NamedTuple):
    """A comment's score in (−1, 1) and the words that decided it, the largest contribution
    first; no words when nothing in the comment carries sentiment (the score is then 0)."""

    score: float
    evidence: tuple[Evidence, ...]


class Model(NamedTuple):
    weights: dict[str, float]
    constants: dict[str, float]


def weights_read(path: Path) -> Model:
    """``@name<TAB>value`` lines for the constants, then ``feature<TAB>weight`` lines; ``#``
    starts a comment line."""
    weights: dict[str, float] = {}
    constants: dict[str, float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition("\t")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"{path.name}:{number}: expected key<TAB>number") from None
        if key.startswith("@"):
            constants[key[1:]] = weight
        else:
            weights[key] = weight
    missing = set(CONSTANTS) - set(constants)
    if missing:
        raise ValueError(f"{path.name}: missing constants {sorted(missing)}")
    return Model(weights, constants)


@functools.cache
def _moodless() -> frozenset[str]:
    lines = MOODLESS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def has_mood(key: str) -> bool:
    """Whether a learned feature may carry a mood: a negated one does, a word or a pair of words
    only when one of its words is neither moodless (``moodless.txt``) nor a count."""
    if key.startswith(NEGATED):
        return True
    moodless = _moodless()
    return any(word not in moodless and not _COUNT.fullmatch(word) for word in key.split(" "))


def mood_weights(weights: dict[str, float]) -> dict[str, float]:
    """The learned weights the scorer counts: those of features that may carry a mood."""
    return {key: weight for key, weight in weights.items() if has_mood(key)}


@functools.cache
def model() -> Model:
    read = weights_read(WEIGHTS)
    return Model(mood_weights(read.weights), read.constants)


def comment_margin(text: str, using: Model | None = None) -> tuple[float, tuple[Evidence, ...]]:
    """One comment's margin less the bias, and its deciding words; NaN and no words when nothing
    in it reaches ``EVIDENCE_MINIMUM``. ``using``: another model than the committed one."""
    margin, deciding, _ = _margin_read(text, using)
    return margin, deciding


def _margin_read(
    text: str, using: Model | None = None
) -> tuple[float, tuple[Evidence, ...], tuple[float, float]]:
    """``comment_margin`` and the hand rules' positive and negative sums."""
    weights, constants = using or model()
    contributions: dict[str, float] = {}
    seen = set()
    for feature in comment_features(text):
        weight = weights.get(feature.key)
        # Each feature counts once, as it did in learning (presence, not frequency). The words
        # denying a complaint (nothing was damaged) do not lean the comment the way negators
        # learned to, mostly by negating praise: the rules and the negated complaint read it.
        if weight is not None and feature.key not in seen and not feature.denying:
            seen.add(feature.key)
            contributions[feature.words] = contributions.get(feature.words, 0.0) + weight
    praise = complaint = 0.0
    for evidence in rule_evidence(text):
        side = "rules_positive" if evidence.weight > 0 else "rules_negative"
        contribution = evidence.weight * constants[side]
        contributions[evidence.words] = contributions.get(evidence.words, 0.0) + contribution
        if evidence.weight > 0:
            praise += evidence.weight
        else:
            complaint -= evidence.weight
    deciding = sorted(
        (Evidence(words, round(weight, 3)) for words, weight in contributions.items()),
        key=lambda evidence: -abs(evidence.weight),
    )
    deciding = [item for item in deciding if abs(item.weight) >= EVIDENCE_MINIMUM]
    if not deciding:
        return math.nan, (), (praise, complaint)
    return sum(contributions.values()), tuple(deciding[:EVIDENCE_KEPT]), (praise, complaint)


def is_mixed(text: str, praise: float, complaint: float) -> bool:
    """Whether a short comment weighs praise against a complaint of like weight across a contrast
    (包装很好，但有两件颜色有色差; friendly staff but the process is rather slow): a business note
    saying both means neither, while in a long review one contrast is one aside among many."""
    weaker, stronger = sorted((praise, complaint))
    return (
        len(text) <= MIXED_LONGEST
        and weaker >= MIXED_WEAKER_SIDE
        and weaker >= MIXED_RATIO * stronger
        and _CONTRAST.search(normalise(text)) is not None
    )


def comment_reading(text: str) -> Reading:
    """Score one comment and keep the words that decided the score. A mixed comment
    (``is_mixed``) keeps its deciding words but scores within the neutral band, leaning the way
    the hand rules read it: they stress the clause after the contrast, which the learned weights
    cannot see."""
    margin, deciding, (praise, complaint) = _margin_read(text)
    if not deciding:
        return Reading(0.0, ())
    constants = model().constants
    if is_mixed(text, praise, complaint):
        lean = (praise - complaint) / (praise + complaint)
        return Reading(lean * constants["neutral_band"] / 2, deciding)
    return Reading(math.tanh(constants["scale"] * (constants["bias"] + margin)), deciding)


def comment_sentiment(text: str) -> float:
    """Score one comment in (−1, 1); 0.0 when it is blank or carries no sentiment evidence."""
    return comment_reading(text).score


def neutral_band() -> float:
    """Scores within (−band, band) are neutral."""
    return model().constants["neutral_band"]


def sentiment_label(score: float) -> str:
    """Label a score: positive from the neutral band up, negative from minus the band down; a
    NaN score has no label."""
    if math.isnan(score):
        raise ValueError("a missing sentiment score has no label")
    band = neutral_band()
    if score >= band:
        return "positive"
    if score <= -band:
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
