"""manage.py sentiment_learn CORPUS.csv…: learn the sentiment scorer's word weights
(``indicators/sentiment/weights.tsv``) from labelled reviews, reproducibly.

A logistic regression (scikit-learn, a dev dependency: only learning needs it) over each comment's
features (``indicators.sentiment.features``: words, word pairs, negated words; present or not,
scaled by their naive-Bayes log-count ratio) and the hand-written rules' positive and negative
sums. Each corpus file weighs as the square root of its size, so a large one does not drown a
small one, and within it praise weighs as much as complaints. Rows whose text is in any of
the evaluation sets under tests/indicators/data/ are left out. Features seen in fewer than
``--min-count`` comments are not learned, and weights smaller than ``--prune`` are not kept: the
file stays small and a word that hardly matters never shows as deciding.

Then bias, scale and neutral band are calibrated on the ``dev`` rows of the public review sets
(tests/indicators/data/sentiment/*.csv, never trained on): bias and scale so that the least
balanced of those sets reads as near 50 as can be (half praise, half complaints), the band as
wide as leaves ``--neutral-share`` of the polar reviews with evidence neutral. The ``heldout``
rows are for ``manage.py sentiment_eval`` only. tools/sentiment_corpora.py writes the corpora
files from their public sources (see the README beside the evaluation sets).
"""

import csv
from collections import Counter
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from indicators.sentiment import CONSTANTS, WEIGHTS, Model, comment_margin, mood_weights
from indicators.sentiment.evaluation import labelled_read
from indicators.sentiment.features import comment_features
from indicators.sentiment.rules import rule_evidence

DATA = Path(__file__).resolve().parents[3] / "tests" / "indicators" / "data"
PUBLIC = sorted((DATA / "sentiment").glob("*.csv"))
# Candidate scales of tanh (a margin of 1 / scale log-odds scores 0.76). The smallest keep
# scores about where the hand-written scorer had them (praise about +0.45 on average), which the
# indicator's target and floor were set for.
NB_SMOOTHING = 1.0
SCALES = (0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _evaluated_texts() -> set[str]:
    texts = {_clean(text) for path in PUBLIC for text in labelled_read(path)["text"]}
    with (DATA / "sentiment_labelled.tsv").open(encoding="utf-8") as file:
        texts |= {_clean(row["text"]) for row in csv.DictReader(file, delimiter="\t")}
    return texts


def _read(comment: str) -> tuple[set[str], float, float]:
    """A comment's features and its rules' positive and negative sums."""
    evidence = rule_evidence(comment)
    return (
        # As the scorer, without the words denying a complaint (``Feature.denying``).
        {feature.key for feature in comment_features(comment) if not feature.denying},
        sum(item.weight for item in evidence if item.weight > 0),
        sum(item.weight for item in evidence if item.weight < 0),
    )


def _matrix(read: list[tuple[set[str], float, float]], vocabulary: dict[str, int]):  # type: ignore[no-untyped-def]
    from scipy import sparse

    columns, values, pointers = [], [], [0]
    size = len(vocabulary)
    for features, positive, negative in read:
        known = [vocabulary[key] for key in features if key in vocabulary]
        columns += [*known, size, size + 1]
        values += [1.0] * len(known) + [positive, negative]
        pointers.append(len(columns))
    return sparse.csr_matrix((values, columns, pointers), shape=(len(read), size + 2))


class Command(BaseCommand):
    help = "Learn indicators/sentiment/weights.tsv from labelled CSVs (label, text)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("corpora", nargs="+", type=Path)
        parser.add_argument("--out", type=Path, default=WEIGHTS)
        parser.add_argument("--min-count", type=int, default=2)
        parser.add_argument("--prune", type=float, default=0.2)
        parser.add_argument("--c", type=float, default=0.3, help="inverse regularisation")
        parser.add_argument("--neutral-share", type=float, default=0.02)

    def handle(self, *args, corpora, out, min_count, prune, c, neutral_share, **options) -> None:
        from sklearn.linear_model import LogisticRegression

        for path in corpora:
            if not path.is_file():
                raise CommandError(f"corpora: {path} does not exist")
        evaluated = _evaluated_texts()
        read, labels, corpus = [], [], []
        sources = []
        for number, path in enumerate(corpora):
            try:
                frame = labelled_read(path)
            except ValueError as error:
                raise CommandError(f"corpora: {error}") from error
            frame = frame[frame["label"].isin(("positive", "negative"))]
            frame = frame[~frame["text"].map(_clean).isin(evaluated)]
            read += [_read(text) for text in frame["text"]]
            labels += (frame["label"] == "positive").tolist()
            corpus += [number] * len(frame)
            sources.append(f"{path.name}: {len(frame)} reviews")
            self.stdout.write(sources[-1])
        counts = Counter(key for features, _, _ in read for key in features)
        kept = sorted(key for key, count in counts.items() if count >= min_count)
        vocabulary = {key: index for index, key in enumerate(kept)}
        corpus_, labels_ = np.array(corpus), np.array(labels)
        sizes = np.bincount(corpus_)
        # Each corpus weighs as much as the square root of its size says, and within it praise
        # as much as complaints (waimai_10k has twice as many): a domain's share of complaints
        # must not make its everyday words (饭, 菜) read as complaints.
        classes = np.array(
            [np.bincount(corpus_[labels_ == side], minlength=len(sizes)) for side in (False, True)]
        )
        sample_weight = np.sqrt(len(corpus) / len(sizes) / sizes[corpus_]) * (
            sizes[corpus_] / (2 * classes[labels_.astype(int), corpus_])
        )
        matrix = _matrix(read, vocabulary)
        # NB-SVM (Wang & Manning 2012): each feature scaled by its log-count ratio (how much
        # likelier in praise than in complaints) before the regression; the weight kept is the
        # product, so the scorer still adds one number per feature.
        present = matrix[:, :-2] > 0
        praise = np.asarray(present[labels_].sum(axis=0)).ravel() + NB_SMOOTHING
        complaints = np.asarray(present[~labels_].sum(axis=0)).ravel() + NB_SMOOTHING
        ratio = np.log(praise / praise.sum()) - np.log(complaints / complaints.sum())
        ratio = np.append(ratio, [1.0, 1.0])
        fitted = LogisticRegression(C=c, solver="liblinear", max_iter=1000).fit(
            matrix.multiply(ratio).tocsr(), labels_, sample_weight=sample_weight
        )
        coefficients = fitted.coef_[0] * ratio
        weights = {
            key: round(float(coefficients[index]), 3)
            for index, key in enumerate(kept)
            if abs(coefficients[index]) >= prune
        }
        rules = (round(float(coefficients[-2]), 3), round(float(coefficients[-1]), 3))
        constants = self._calibrated(weights, rules, float(fitted.intercept_[0]), neutral_share)
        self._write(out, sources, constants, weights, min_count, prune, c)
        self.stdout.write(f"{len(weights)} weights and {constants} written to {out}")

    def _calibrated(self, weights, rules, intercept, neutral_share) -> dict[str, float]:  # type: ignore[no-untyped-def]
        sets = [labelled_read(path, "dev") for path in PUBLIC]
        constants = {"rules_positive": rules[0], "rules_negative": rules[1]}
        # The scorer ignores the weights of moodless words, so calibration does too.
        learned = Model(mood_weights(weights), constants)
        margins = [
            np.array([comment_margin(text, learned)[0] for text in dev["text"]]) for dev in sets
        ]
        truths = [dev["label"].eq("positive").to_numpy() for dev in sets]

        def scores(margin: np.ndarray, bias: float, scale: float) -> np.ndarray:
            # A comment without deciding words scores 0, as in the scorer.
            return np.where(np.isnan(margin), 0.0, np.tanh(scale * (margin + bias)))

        def index_gap(bias: float, scale: float) -> float:
            """How far from 50 the least balanced set reads."""
            gaps = []
            for margin, positive in zip(margins, truths, strict=True):
                score = scores(margin, bias, scale)
                gaps.append(abs(50 * (score[positive].mean() + score[~positive].mean()) / 2))
            return max(gaps)

        bias, scale = min(
            (
                (float(bias), scale)
                for bias in intercept + np.linspace(-2, 2, 81)
                for scale in SCALES
            ),
            key=lambda pair: index_gap(*pair),
        )
        pooled = np.abs(np.concatenate([scores(margin, bias, scale) for margin in margins]))
        band = float(np.quantile(pooled[pooled > 0], neutral_share))
        return {
            "bias": round(bias, 3),
            "rules_positive": rules[0],
            "rules_negative": rules[1],
            "scale": scale,
            "neutral_band": round(band, 4),
        }

    def _write(self, out, sources, constants, weights, min_count, prune, c) -> None:  # type: ignore[no-untyped-def]
        lines = [
            "# Learned by manage.py sentiment_learn (see its docstring) from:",
            *(f"#   {source}" for source in sources),
            f"# logistic regression, C={c}, features in at least {min_count} reviews, "
            f"|weight| >= {prune} kept;",
            "# @constants calibrated on the dev rows of tests/indicators/data/sentiment/*.csv.",
            *(f"@{name}\t{constants[name]}" for name in CONSTANTS),
            *(
                f"{key}\t{weight}"
                for key, weight in sorted(weights.items(), key=lambda item: (-item[1], item[0]))
            ),
        ]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
