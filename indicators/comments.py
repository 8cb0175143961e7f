"""What feedback comments say, as far as scoring cares: each distinct text's language and, where
the lexicons read that language, its sentiment and the words that made it. No Django: the
database keeps these readings by the text's digest (``indicators.readings``) so that a comment is
read once, not at every scoring run."""

import hashlib
import json
from functools import cache
from pathlib import Path

import pandas as pd

from indicators.languages import SUPPORTED_LANGUAGES, comment_language
from indicators.sentiment import comment_reading

READ_COLUMNS = ["language", "sentiment", "evidence"]
_PACKAGE = Path(__file__).parent


def text_digest(text: str) -> str:
    """The key of a comment's reading: 32 hex digits of BLAKE2b over the stripped text."""
    return hashlib.blake2b(text.strip().encode("utf-8"), digest_size=16).hexdigest()


@cache
def reader_version() -> str:
    """A fingerprint of everything a reading depends on (the scorer's code, lexicons and word
    lists, the segmenter's version): a reading made by another version is made again."""
    import jieba

    digest = hashlib.blake2b(jieba.__version__.encode(), digest_size=8)
    files = [*sorted((_PACKAGE / "sentiment").glob("*.*")), _PACKAGE / "languages.py"]
    files += sorted(_PACKAGE.glob("*_words.txt"))
    for path in files:
        if path.suffix in (".py", ".txt", ".tsv"):  # .tsv: the learned weights
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def comments_read(texts: pd.Series) -> pd.DataFrame:
    """Per comment (same index): ``language`` (``comment_language``), ``sentiment`` in [-1, 1]
    where the lexicons read that language, and ``evidence`` (JSON: ``[[words, weight], …]``, the
    words that made the score, ``[]`` when none carries sentiment); all missing where the comment
    is missing or blank. Each distinct text is read once."""
    stripped = texts.astype("string").str.strip()
    distinct = stripped[stripped.fillna("").ne("")].unique()
    read = pd.DataFrame(
        [text_read(text) for text in distinct], index=distinct, columns=READ_COLUMNS
    )
    return read.reindex(stripped.fillna("").to_numpy()).set_axis(texts.index)


def text_read(text: str) -> tuple[str, float, str | None]:
    """One comment's (language, sentiment, evidence); sentiment NaN and evidence None for a
    language the lexicons cannot read: its mood would only look neutral."""
    language = comment_language(text)
    if language not in SUPPORTED_LANGUAGES:
        return language, float("nan"), None
    reading = comment_reading(text)
    evidence = [[words, round(weight, 3)] for words, weight in reading.evidence]
    return language, reading.score, json.dumps(evidence, ensure_ascii=False)
