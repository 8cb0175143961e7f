"""The sentiment benchmark: how long reading 1,000 new comments takes (language, sentiment and
the deciding words, as a scoring run does for comments it has not read before), and how long the
reader takes to load in a fresh worker (jieba's dictionary, the lexicons)."""

import time

import numpy as np
import pandas as pd

from demo.seed import texts
from indicators.comments import comments_read

BENCH_COMMENTS = 1000


def bench_comments(count: int = BENCH_COMMENTS) -> pd.Series:
    """``count`` distinct comments of about the length customers write: two or three of the
    demo's comments of any mood, joined (a reading of a text is never reused for another)."""
    rng = np.random.default_rng(20)
    pool = texts.POSITIVE_COMMENTS + texts.MIXED_COMMENTS + texts.NEGATIVE_COMMENTS
    found: dict[str, None] = {}
    while len(found) < count:
        parts = texts.draw(rng, pool, int(rng.integers(2, 4)))
        found["".join(parts)] = None
    return pd.Series(list(found))


def sentiment_bench() -> dict:
    comments = bench_comments()
    started = time.perf_counter()
    comments_read(pd.Series(["预热 warm-up"]))
    loading = time.perf_counter() - started
    started = time.perf_counter()
    comments_read(comments)
    seconds = time.perf_counter() - started
    return {
        "bench": "sentiment",
        "comments": len(comments),
        "seconds": round(seconds, 3),
        "load_seconds": round(loading, 2),
        "mean_chars": round(float(comments.str.len().mean()), 1),
    }
