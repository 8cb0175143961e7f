"""The sentiment scorer on public labelled reviews and on the misreads issue 20 lists."""

from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from indicators.sentiment import CONSTANTS, comment_reading, sentiment_label, weights_read
from indicators.sentiment.evaluation import evaluate, labelled_read

DATA = Path(__file__).parent / "data" / "sentiment"


# 东西很好，就是分量少 weighs praise against a complaint of like weight across a contrast, which
# reads neutral (``is_mixed``), leaning negative: our own hand-labelled business notes call
# such notes neutral (东西挺好，就是运费贵了点), the takeaway reviews negative; one rule cannot
# read both.
LEARNED_MISREAD = pytest.mark.xfail(strict=True, reason="learned weights misread it (issue 20)")


# Floors under what the scorer reads today on each public set (dev calibrated the constants,
# heldout was never looked at; see the README beside the data): two-class accuracy, most neutral
# share allowed (issue 20: at most 10%), the balanced index's band (issue 20: 50 ± 3). Short
# praise-but-complaint reviews read neutral since the third round (``is_mixed``, for our business
# notes), which cost hotel 88.8% → 86.5% and takeaway 87.3% → 85.8% held-out; since the fourth
# round the words denying a complaint do not lean a review as negators do (nothing was damaged),
# which reads one or two reviews a set otherwise (hotel dev 88.0% → 87.7%, takeaway held-out
# 85.8% → 85.5%).
@pytest.mark.parametrize(
    ("name", "split", "accuracy"),
    [
        ("zh_hotel", "dev", 0.87),
        ("zh_hotel", "heldout", 0.86),
        ("zh_takeaway", "dev", 0.85),
        ("zh_takeaway", "heldout", 0.85),
        ("zh_product", "dev", 0.82),
        ("zh_product", "heldout", 0.79),
        ("en_reviews", "dev", 0.85),
        ("en_reviews", "heldout", 0.84),
    ],
)
def test_public_reviews(name, split, accuracy):
    result = evaluate(labelled_read(DATA / f"{name}.csv", split))
    figures = f"{result.polar_accuracy:.3f} / {result.neutral_share:.3f} / {result.balanced_index}"
    assert result.polar_accuracy >= accuracy, figures
    assert result.neutral_share <= 0.10, figures
    assert 47 <= result.balanced_index <= 53, figures
    assert result.auc >= 0.9, figures


@pytest.mark.parametrize(
    ("text", "label", "deciding"),
    [
        # "a lot of fluff" on a garment: a complaint, decided by 毛, not praise by 好
        ("好多毛", "negative", ["毛"]),
        ("需改善", "negative", ["需改善"]),  # asks for an improvement: a complaint
        ("服务有待提高", "negative", ["有待提高"]),
        ("可以延迟退房，很方便", "positive", ["延迟退房", "很方便"]),  # a late check-out, no delay
        ("太难吃了", "negative", ["太难吃"]),
        ("饭菜都凉了", "negative", ["凉了"]),
        ("还可以", "positive", ["还可以"]),
        ("还行吧", "positive", ["还行"]),
        ("说到的做不到", "negative", ["做不到"]),
        ("Loved it!", "positive", ["loved"]),
        ("Best phone ever.", "positive", ["best"]),
        ("Don't waste your money.", "negative", ["do not waste"]),
        ("上当了，是假货", "negative", ["上当", "假货"]),
        pytest.param("东西很好，就是分量少", "negative", ["分量少"], marks=LEARNED_MISREAD),
    ],
)
def test_misreads_of_issue_20(text, label, deciding):
    reading = comment_reading(text)
    assert sentiment_label(reading.score) == label, reading
    # The words that decided it: the largest contributions, the first of them on its side.
    words = [evidence.words for evidence in reading.evidence]
    assert set(deciding) <= set(words), reading
    if deciding:
        assert np.sign(reading.evidence[0].weight) == np.sign(reading.score), reading


@pytest.mark.parametrize(
    "text",
    [
        "请确认船期",
        "订单号 PO-20240315，共两柜。",
        "Please send the invoice.",
        "Order 4411, two containers.",
    ],
)
def test_a_comment_without_sentiment_evidence_is_neutral_and_has_no_deciding_words(text):
    reading = comment_reading(text)
    assert reading.score == 0.0
    assert reading.evidence == ()
    assert sentiment_label(reading.score) == "neutral"


def test_sentiment_eval_prints_the_figures(capsys):
    call_command("sentiment_eval", str(DATA / "zh_hotel.csv"), split="heldout")
    out = capsys.readouterr().out
    for figure in ("two-class accuracy", "neutral share", "AUC", "balanced sample", "1,000"):
        assert figure in out
    assert "true" in out and "predicted" in out


def test_sentiment_eval_names_what_is_wrong_with_the_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,text\npositive,好评\nhappy,不错\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"file: bad.csv:3: label must be one of"):
        call_command("sentiment_eval", str(bad))
    with pytest.raises(CommandError, match=r"file: .* does not exist"):
        call_command("sentiment_eval", str(tmp_path / "missing.csv"))
    good = tmp_path / "good.csv"
    good.write_text("label,text\npositive,好评\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no split column"):
        call_command("sentiment_eval", str(good), split="dev")


def test_sentiment_learn_writes_weights_the_scorer_reads(tmp_path):
    """The learner on a toy corpus: rows of the evaluation sets are left out, the constants are
    calibrated and the file reads back as a model."""
    corpus = tmp_path / "toy.csv"
    praise = ["非常满意，好评", "质量很好，推荐", "great product, love it", "送货很快，满意"]
    complaints = ["太差了，失望", "质量很差，退货", "terrible, waste of money", "送货太慢，差评"]
    evaluated = labelled_read(DATA / "zh_takeaway.csv")["text"][0]
    rows = [("positive", text) for text in praise * 5] + [
        ("negative", text) for text in complaints * 5
    ]
    rows.append(("positive", evaluated))
    corpus.write_text(
        "label,text\n" + "".join(f'{label},"{text}"\n' for label, text in rows), encoding="utf-8"
    )
    out = tmp_path / "weights.tsv"
    call_command("sentiment_learn", str(corpus), out=out, prune=0.05)
    learned = weights_read(out)
    assert set(CONSTANTS) <= set(learned.constants)
    assert learned.weights["好评"] > 0 > learned.weights["差评"]
    assert "toy.csv: 40 reviews" in out.read_text(encoding="utf-8")  # the evaluated row left out
