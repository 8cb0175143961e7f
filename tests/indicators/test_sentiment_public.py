"""The sentiment scorer on public labelled reviews and on the misreads issue 20 lists."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.sentiment import comment_reading, sentiment_label
from indicators.sentiment.evaluation import evaluate, labelled_read

DATA = Path(__file__).parent / "data" / "sentiment"


# Floors under what the scorer reads today on each public set (dev / heldout, see the README
# beside the data): two-class accuracy, most neutral share allowed, the balanced index's band.
@pytest.mark.parametrize(
    ("name", "split", "accuracy", "neutral", "index"),
    [
        ("zh_hotel", "dev", 0.81, 0.06, (45, 52)),
        ("zh_hotel", "heldout", 0.80, 0.07, (45, 52)),
        ("zh_takeaway", "dev", 0.76, 0.12, (48, 55)),
        ("zh_takeaway", "heldout", 0.74, 0.12, (48, 55)),
        ("zh_product", "dev", 0.75, 0.08, (52, 59)),
        ("zh_product", "heldout", 0.72, 0.10, (52, 59)),
        ("en_reviews", "dev", 0.70, 0.21, (50, 56)),
        ("en_reviews", "heldout", 0.70, 0.21, (50, 56)),
    ],
)
def test_public_reviews(name, split, accuracy, neutral, index):
    result = evaluate(labelled_read(DATA / f"{name}.csv", split))
    figures = f"{result.polar_accuracy:.3f} / {result.neutral_share:.3f} / {result.balanced_index}"
    assert result.polar_accuracy >= accuracy, figures
    assert result.neutral_share <= neutral, figures
    assert index[0] <= result.balanced_index <= index[1], figures
    assert result.auc >= 0.85, figures


@pytest.mark.parametrize(
    ("text", "label", "deciding"),
    [
        ("好多毛", "neutral", []),  # "a lot of fluff", not 好 "good"
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
        ("东西很好，就是分量少", "negative", ["很好", "分量少"]),
    ],
)
def test_misreads_of_issue_20(text, label, deciding):
    reading = comment_reading(text)
    assert sentiment_label(reading.score) == label, reading
    assert [evidence.words for evidence in reading.evidence] == deciding


@pytest.mark.parametrize(
    "text", ["请确认船期", "订单号 PO-20240315，共两柜。", "Please send the invoice."]
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
