"""Which language a feedback comment is in, as far as the sentiment lexicons care: no model, no
Django, fast enough for a company month of comments (each distinct text is looked at once).

A comment with Chinese characters is Chinese (unless kana make it Japanese). A comment in Latin
letters is English when most of its words are English words: the common function words
(``english_words.txt``) or single words of the English sentiment lexicon. Short English comments
("good", "too slow") pass; Portuguese, Spanish or Indonesian ones, whose words are mostly
neither, do not. Anything else is unsupported: its sentiment would only look neutral.
"""

import re
import unicodedata
from pathlib import Path

import pandas as pd

SUPPORTED_LANGUAGES = ("zh", "en")
UNSUPPORTED = ""
# At least this share of a Latin-letter comment's words must be English words.
ENGLISH_SHARE = 0.5

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LETTERS = re.compile(r"[^\W\d_]+")
_NEGATED_VERB = re.compile(r"n[’']t\b")


def _english_words() -> frozenset[str]:
    here = Path(__file__).parent
    words = set()
    for name in ("english_words.txt", "lexicon_en.txt"):
        for line in (here / name).read_text(encoding="utf-8").splitlines():
            word = line.partition("\t")[0].strip()
            if word and not word.startswith("#") and " " not in word:
                words.add(word)
    return frozenset(words)


_ENGLISH = _english_words()


def comment_language(text: str) -> str:
    """``zh``, ``en`` or ``UNSUPPORTED`` (another language, or no words at all)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _HAN.search(text):
        return UNSUPPORTED if _KANA.search(text) else "zh"
    words = _LETTERS.findall(_NEGATED_VERB.sub(" not", text))
    if not words:
        return UNSUPPORTED
    english = sum(word in _ENGLISH for word in words)
    return "en" if english >= ENGLISH_SHARE * len(words) else UNSUPPORTED


def comment_languages(texts: pd.Series) -> pd.Series:
    """Each comment's language (``comment_language``; same index), missing where the comment is
    missing or blank."""
    stripped = texts.astype("string").str.strip()
    distinct = stripped[stripped.fillna("").ne("")].unique()
    languages = {text: comment_language(text) for text in distinct}
    return stripped.map(languages).astype(object).rename(texts.name)
