"""How well the sentiment scorer reads a labelled set of comments: the figures
``manage.py sentiment_eval`` prints and the tests hold it to."""

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.sentiment import comment_sentiment, sentiment_label

LABELS = ("positive", "neutral", "negative")
POLAR = ("positive", "negative")


@dataclass(frozen=True)
class Evaluation:
    """``accuracy`` over all rows (a polar row called neutral is wrong); ``polar_accuracy``,
    ``neutral_share`` and ``auc`` (how often a positive row outscores a negative one) over the
    positive and negative rows only; ``balanced_index`` the 0–100 sentiment index of those rows
    with both classes weighted equally (50 when the scorer is unbiased); ``confusion`` true label
    × predicted label; ``seconds_per_1000`` the time to score 1,000 of these comments once the
    scorer is loaded, ``startup_seconds`` the time to load it."""

    rows: int
    accuracy: float
    polar_rows: int
    polar_accuracy: float
    neutral_share: float
    auc: float
    balanced_index: float
    confusion: pd.DataFrame
    seconds_per_1000: float
    startup_seconds: float


def labelled_read(path: Path, split: str | None = None) -> pd.DataFrame:
    """A labelled CSV: a header with ``label`` (positive, neutral or negative) and ``text``, and
    optionally ``split``, keeping the rows of ``split`` if given. Raises ``ValueError`` naming
    the line of a bad row."""
    with path.open(encoding="utf-8", newline="") as file:
        frame = pd.DataFrame(list(csv.DictReader(file)))
    missing = {"label", "text"} - set(frame.columns)
    if frame.empty or missing:
        raise ValueError(f"{path.name}: needs a header with label and text columns and rows")
    bad = ~frame["label"].isin(LABELS) | frame["text"].fillna("").str.strip().eq("")
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ValueError(f"{path.name}:{line}: label must be one of {LABELS} and text not empty")
    if split is not None:
        if "split" not in frame:
            raise ValueError(f"{path.name}: has no split column")
        frame = frame[frame["split"] == split]
        if frame.empty:
            raise ValueError(f"{path.name}: no row of split {split!r}")
    return frame.reset_index(drop=True)


def _auc(scores: pd.Series, positive: pd.Series) -> float:
    """Mann–Whitney: the share of (positive, negative) pairs ordered right, ties counting half."""
    count_positive, count_negative = int(positive.sum()), int((~positive).sum())
    if not count_positive or not count_negative:
        return float("nan")
    ranks = scores.rank()
    rank_sum = ranks[positive].sum()
    pairs = rank_sum - count_positive * (count_positive + 1) / 2
    return float(pairs / (count_positive * count_negative))


def evaluate(frame: pd.DataFrame) -> Evaluation:
    """Score every ``text`` of ``frame`` and compare with its ``label``."""
    started = time.perf_counter()
    comment_sentiment("预热 warm-up")  # loads the segmenter and the lexicons
    startup = time.perf_counter() - started
    started = time.perf_counter()
    scores = pd.Series([comment_sentiment(text) for text in frame["text"]], index=frame.index)
    seconds = time.perf_counter() - started
    predicted = scores.map(sentiment_label)
    truth = frame["label"]
    polar = truth.isin(POLAR)
    confusion = pd.crosstab(
        pd.Categorical(truth, LABELS), pd.Categorical(predicted, LABELS), dropna=False
    )
    confusion.index.name, confusion.columns.name = "true", "predicted"
    class_means = [scores[truth == label].mean() for label in POLAR if (truth == label).any()]
    return Evaluation(
        rows=len(frame),
        accuracy=float((predicted == truth).mean()),
        polar_rows=int(polar.sum()),
        polar_accuracy=float((predicted[polar] == truth[polar]).mean()),
        neutral_share=float((predicted[polar] == "neutral").mean()),
        auc=_auc(scores[polar], truth[polar] == "positive"),
        balanced_index=float(50.0 * (1.0 + np.mean(class_means))),
        confusion=confusion,
        seconds_per_1000=1000 * seconds / len(frame),
        startup_seconds=startup,
    )
