"""The words the sentiment scorer knows and how a clause is cut into them.

Chinese is cut into words by jieba (its own dictionary, the trade vocabulary of
``userdict_zh.txt`` such as 交期, 大货, 好几次, plus every Chinese entry of the lexicons and of
the grammar tables, so that 一拖再拖 or 说到做不到 stay whole), English into words by a regular
expression. The table maps a run of words to what it is: a sentiment word and its weight, or a
grammar word. Sentiment weights come from, in increasing precedence: VADER's English lexicon
(scaled from its −4…4 to our −1.25…1.25), the learned Chinese lexicon, and our own hand-written
lexicons (``lexicon_zh.txt``, the domain lexicon of orders, logistics and after-sales
``lexicon_zh_domain.txt``, ``lexicon_en.txt``), which therefore override both.
"""

import functools
import logging
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import NamedTuple

from indicators.sentiment import grammar

HERE = Path(__file__).parent
# VADER's valences run from −4 to 4; "great" (3.1) should weigh about what it weighs here (0.9).
VADER_SCALE = 1 / 3.2
# Where jieba keeps the cache of its dictionary (it writes it on first use in a process, then
# reads it): a temporary directory unless the deployment names one, never the package directory.
CACHE_DIR_VARIABLE = "PERF_JIEBA_CACHE_DIR"

# The frequency the segmenter gives the trade words of ``userdict_zh.txt`` (in jieba's counts,
# out of about 60 million: 提单 has 34, 确认 about 10,000).
USER_WORD_FREQUENCY = 2000
# Words that make a request polite when they open a clause, read as 请 there.
POLITE_OPENERS = frozenset({"麻烦", "劳烦", "烦劳"})
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN = re.compile(rf"[{_CJK}]")
_WORD = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:'[a-z]+)?")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# "Not the least X" with the negation after X (一点改进都没有, 任何回复也没有): read as 没有 X.
POSTPOSED_NEGATION = (
    frozenset({"一点", "一点儿", "任何"}),
    frozenset({"都没有", "也没有", "都没", "也没"}),
)
_NEGATED_VERB = re.compile(r"n[’']t\b")
_WEIGHT = re.compile(r"-?\d+(\.\d+)?")

WORD, NEGATOR, INTENSIFIER, CONTRAST, OPENING_CONTRAST, ACTION, NEED, IMPROVEMENT = range(8)


class Entry(NamedTuple):
    kind: int
    value: float


def normalise(text: str) -> str:
    """NFKC (full-width punctuation becomes ASCII), lower case, "n't" → " not"."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _NEGATED_VERB.sub(" not", text)


def read_lexicon(path: Path) -> dict[str, float]:
    """``word<TAB>weight`` lines; ``#`` starts a comment line."""
    weights = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        word, _, weight = (part.strip() for part in line.partition("\t"))
        if not word or not _WEIGHT.fullmatch(weight):
            raise ValueError(f"{path.name}:{number}: expected word<TAB>weight, got {line!r}")
        weights[normalise(word)] = float(weight)
    return weights


def _vader_lexicon() -> dict[str, float]:
    """VADER's lexicon (MIT), single words only: its emoticons and slang abbreviations are not
    what customers write to a supplier."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    weights = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, rest = line.partition("\t")
        if len(word) > 2 and word.isalpha() and word.isascii():
            weights[word] = round(float(rest.partition("\t")[0]) * VADER_SCALE, 3)
    return weights


@functools.cache
def _user_words() -> tuple[str, ...]:
    """The trade vocabulary of ``userdict_zh.txt``, one word a line."""
    lines = (HERE / "userdict_zh.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def _tokenizer():  # type: ignore[no-untyped-def]
    """jieba's tokenizer, built once per process (about half a second with its cache) and taught
    the Chinese words of the table."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = os.environ.get(CACHE_DIR_VARIABLE) or tempfile.gettempdir()
    tokenizer.cache_file = "perf-jieba.cache"
    tokenizer.initialize()
    for word in _user_words():
        # As frequent as a common word, so that it is cut whole within a clause too (提单发过来
        # → 提单, 发过来, not 提, 单发, 过来), not only alone.
        tokenizer.add_word(word, max(tokenizer.FREQ.get(word, 0), USER_WORD_FREQUENCY))
    for words in table():
        word = words[0]
        # Raised just enough to be cut whole, where jieba would cut it apart (还行 → 还, 行).
        chinese = len(words) == 1 and len(word) > 1 and _HAN.match(word)
        if chinese and tokenizer.lcut(word, HMM=False) != [word]:
            tokenizer.suggest_freq(word, tune=True)
    return tokenizer


@functools.lru_cache(maxsize=4096)
def words(clause: str) -> tuple[str, ...]:
    """A normalised clause as words: jieba's for Chinese, whitespace and punctuation dropped. A
    clause opening with 麻烦 or 劳烦 and going on is a request (麻烦把提单发过来: please send the
    bill of lading), not a trouble: its opener is read as 请."""
    if not _HAN.search(clause):
        return tuple(_LATIN_WORD.findall(clause))
    cut = [word for word in _tokenizer().lcut(clause, HMM=False) if _WORD.fullmatch(word)]
    if len(cut) > 1 and cut[0] in POLITE_OPENERS:
        cut[0] = "请"
    return _negation_put_first(cut)


def _negation_put_first(cut: list[str]) -> tuple[str, ...]:
    """一点 X 都没有 → 没有 X where X is a word of the table (一点问题都没有: no problem at all,
    一点改进都没有: no improvement at all); other words keep the learned reading of the phrase,
    which is mostly a complaint (一点味道都没有)."""
    before, after = POSTPOSED_NEGATION
    for index in range(len(cut) - 2):
        if cut[index] in before and cut[index + 2] in after and (cut[index + 1],) in table():
            phrase = "没有" + cut[index + 1]  # one word where the table knows it (没有问题)
            cut[index : index + 3] = [phrase] if (phrase,) in table() else ["没有", cut[index + 1]]
            break
    return tuple(cut)


def _key(entry: str) -> tuple[str, ...]:
    """An entry's words: Chinese entries are one word (the segmenter is taught them), English
    entries are split on spaces."""
    return (entry,) if _HAN.search(entry) else tuple(_LATIN_WORD.findall(entry))


@functools.cache
def table() -> dict[tuple[str, ...], Entry]:
    """Every known run of words and what it is."""
    learned = read_lexicon(HERE / "lexicon_zh_learned.txt")
    sources: list[tuple[dict[str, float], int, float]] = [
        (_vader_lexicon(), WORD, 1.0),
        ({word: weight * grammar.LEARNED_SCALE for word, weight in learned.items()}, WORD, 1.0),
        (read_lexicon(HERE / "lexicon_zh.txt"), WORD, 1.0),
        (read_lexicon(HERE / "lexicon_zh_domain.txt"), WORD, 1.0),
        (read_lexicon(HERE / "lexicon_en.txt"), WORD, 1.0),
        (dict.fromkeys(grammar.EXPECTED_ACTIONS, 0.0), ACTION, 1.0),
        (dict.fromkeys(grammar.IMPROVEMENTS, 0.0), IMPROVEMENT, 1.0),
        (dict.fromkeys(grammar.NEEDS, 0.0), NEED, 1.0),
        (grammar.NEGATORS, NEGATOR, 1.0),
        (grammar.INTENSIFIERS, INTENSIFIER, 1.0),
        (dict.fromkeys(grammar.CONTRASTS, 0.0), CONTRAST, 1.0),
        (dict.fromkeys(grammar.CLAUSE_OPENING_CONTRASTS, 0.0), OPENING_CONTRAST, 1.0),
    ]
    found: dict[tuple[str, ...], Entry] = {}
    # Later sources win: a grammar word listed in a lexicon too is still read as grammar.
    for entries, kind, scale in sources:
        for entry, value in entries.items():
            key = _key(normalise(entry))
            if key:
                found[key] = Entry(kind, value * scale)
    return found


@functools.cache
def longest() -> int:
    return max(len(key) for key in table())


def lookup(units: tuple[str, ...], start: int) -> tuple[Entry | None, int]:
    """The longest known run of words at ``start`` and its length (1 when none is known)."""
    known = table()
    for length in range(min(longest(), len(units) - start), 0, -1):
        entry = known.get(units[start : start + length])
        if entry is not None:
            return entry, length
    return None, 1


def split_modifier(word: str) -> tuple[str, str] | None:
    """A Chinese word the table does not know, cut into a negator or intensifier it starts with
    and a sentiment word (太慢 → 太 + 慢, 很差 → 很 + 差, 不准 → 不 + 准); None otherwise. Only
    this cut is tried, never single characters inside a word: 好多 is not 好."""
    known = table()
    for cut in range(min(3, len(word) - 1), 0, -1):
        head, rest = known.get((word[:cut],)), known.get((word[cut:],))
        if head and rest and head.kind in (NEGATOR, INTENSIFIER) and rest.kind == WORD:
            return word[:cut], word[cut:]
    return None
