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
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from indicators.sentiment.features import comment_features
from indicators.sentiment.rules import Evidence, rule_evidence

WEIGHTS = Path(__file__).parent / "weights.tsv"
# A word deciding a score moves the margin at least this much (in log-odds), and the reading
# keeps at most this many of them, the largest first.
EVIDENCE_MINIMUM = 0.3
EVIDENCE_KEPT = 6
# The constants at the head of ``weights.tsv``: bias, the rules' coefficients, scale, band.
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
def model() -> Model:
    return weights_read(WEIGHTS)


def comment_margin(text: str, using: Model | None = None) -> tuple[float, tuple[Evidence, ...]]:
    """One comment's margin less the bias, and its deciding words; NaN and no words when nothing
    in it reaches ``EVIDENCE_MINIMUM``. ``using``: another model than the committed one."""
    weights, constants = using or model()
    contributions: dict[str, float] = {}
    seen = set()
    for feature in comment_features(text):
        weight = weights.get(feature.key)
        # Each feature counts once, as it did in learning (presence, not frequency).
        if weight is not None and feature.key not in seen:
            seen.add(feature.key)
            contributions[feature.words] = contributions.get(feature.words, 0.0) + weight
    for evidence in rule_evidence(text):
        side = "rules_positive" if evidence.weight > 0 else "rules_negative"
        contribution = evidence.weight * constants[side]
        contributions[evidence.words] = contributions.get(evidence.words, 0.0) + contribution
    deciding = sorted(
        (Evidence(words, round(weight, 3)) for words, weight in contributions.items()),
        key=lambda evidence: -abs(evidence.weight),
    )
    deciding = [item for item in deciding if abs(item.weight) >= EVIDENCE_MINIMUM]
    if not deciding:
        return math.nan, ()
    return sum(contributions.values()), tuple(deciding[:EVIDENCE_KEPT])


def comment_reading(text: str) -> Reading:
    """Score one comment and keep the words that decided the score."""
    margin, deciding = comment_margin(text)
    if not deciding:
        return Reading(0.0, ())
    constants = model().constants
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
