"""Which language a feedback comment is in, as far as the sentiment lexicons care: no model, no
Django, fast enough for a company month of comments (each distinct text is looked at once).

A comment with Chinese characters is Chinese (unless kana make it Japanese). A comment in Latin
letters is English unless it has more common words of other Latin-script languages
(``other_words.txt``: Portuguese, Spanish, French…) than English words (``english_words.txt``
and the single words of the English sentiment lexicon), or has letters English does not use
(ã, ç, ñ…) and any such word. Short English comments ("good", "average experience") pass;
"produto chegou com defeito" or "excelente atendimento" do not. Anything else (other scripts,
no words at all) is unsupported: its sentiment would only look neutral.
"""

import re
import unicodedata
from pathlib import Path

import pandas as pd

SUPPORTED_LANGUAGES = ("zh", "en")
UNSUPPORTED = ""

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LETTERS = re.compile(r"[^\W\d_]+")
_NEGATED_VERB = re.compile(r"n[’']t\b")


_LATIN = re.compile(r"[a-z]")


def _words(*names: str) -> frozenset[str]:
    """The single words listed in these files (first column; ``#`` starts a comment line)."""
    here = Path(__file__).parent
    words = set()
    for name in names:
        for line in (here / name).read_text(encoding="utf-8").splitlines():
            word = line.partition("\t")[0].strip()
            if word and not word.startswith("#") and " " not in word:
                words.add(word)
    return frozenset(words)


_ENGLISH = _words("english_words.txt", "sentiment/lexicon_en.txt")
_OTHER = _words("other_words.txt") - _ENGLISH


def comment_language(text: str) -> str:
    """``zh``, ``en`` or ``UNSUPPORTED`` (another language, or no words at all)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _HAN.search(text):
        return UNSUPPORTED if _KANA.search(text) else "zh"
    words = _LETTERS.findall(_NEGATED_VERB.sub(" not", text))
    if not words or not _LATIN.search(text):
        return UNSUPPORTED
    english = sum(word in _ENGLISH for word in words)
    other = sum(word in _OTHER for word in words)
    foreign_letters = not all(word.isascii() for word in words)
    if other > english or (foreign_letters and other > 0):
        return UNSUPPORTED
    return "en"


def comment_languages(texts: pd.Series) -> pd.Series:
    """Each comment's language (``comment_language``; same index), missing where the comment is
    missing or blank."""
    stripped = texts.astype("string").str.strip()
    distinct = stripped[stripped.fillna("").ne("")].unique()
    languages = {text: comment_language(text) for text in distinct}
    return stripped.map(languages).astype(object).rename(texts.name)
