"""Customer sentiment scorer: accuracy on a labelled set, behaviour tables, the Series API."""

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import sentiment
from indicators.sentiment import (
    comment_sentiment,
    neutral_band,
    sentiment_label,
    sentiment_scores,
)

LABELLED = Path(__file__).parent / "data" / "sentiment_labelled.tsv"
REPO_ROOT = Path(__file__).resolve().parents[2]
LABELS = ["positive", "neutral", "negative"]
# A reading the hand rules get right and the learned weights (issue 20, second round) still do
# not: the learned weights are corrections over the rules' sums, learned from consumer reviews, and
# there 不影响使用 hedges a complaint (-0.48 against the rule's +0.32; alone it then has no deciding
# word and reads 0). Strict, so a fix shows.
LEARNED_MISREAD = pytest.mark.xfail(
    strict=True, reason="learned weights correct the rule the other way (issue 20)"
)


def _labelled() -> pd.DataFrame:
    return pd.read_csv(LABELLED, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def test_labelled_set_is_large_varied_and_split():
    frame = _labelled()
    assert list(frame.columns) == ["split", "label", "text"]
    assert len(frame) >= 260
    assert set(frame["split"]) == {"dev", "heldout"}
    assert (frame["split"] == "heldout").sum() >= 110
    assert set(frame["label"]) == set(LABELS)
    assert frame["text"].str.strip().ne("").all()
    assert not frame["text"].duplicated().any()
    chinese = frame["text"].str.contains(r"[\u4e00-\u9fff]").mean()
    assert 0.7 <= chinese <= 0.9, f"{chinese:.0%} of the comments are Chinese"
    # The demo data's comments are tuning material, never held out.
    seeds = {
        "跟单员响应非常及时，沟通顺畅，非常满意！": "positive",
        "整体还行，包装有点破损，不影响使用。": "neutral",
        "Product is fine but shipping took longer than promised.": "neutral",
        "订单信息录错，数量少了一半，太不专业了。": "negative",
    }
    dev = frame[frame["split"] == "dev"].set_index("text")["label"]
    assert {text: dev.get(text) for text in seeds} == seeds


# Three classes, business notes. Floors under today's 86.6% dev / 84.9% heldout (84.1% heldout
# with the first lexicon, 75.4% with the first round's, 69.8% with the second round's learned
# weights, 77.0% with the third round's moodless words and mixed notes, 84.9% since the fourth
# round's trade vocabulary, domain lexicon and polite requests): the public sets ask that polar
# reviews rarely read neutral, so the band around 0 is narrow; moodless words (``moodless.txt``)
# no longer lean a note, and a short comment weighing praise against a complaint across a
# contrast reads neutral (``is_mixed``), but mixed notes without a contrast ("服务还行，物流有点慢")
# still lean: the public reviews label those by their complaint.
@pytest.mark.parametrize(("split", "minimum"), [("dev", 0.86), ("heldout", 0.84)])
def test_accuracy_on_labelled_comments(split, minimum):
    frame = _labelled()
    frame = frame[frame["split"] == split]
    predicted = sentiment_scores(frame["text"]).map(sentiment_label)
    correct = int((predicted == frame["label"]).sum())
    accuracy = correct / len(frame)
    confusion = pd.crosstab(frame["label"], predicted, rownames=["true"], colnames=["predicted"])
    assert accuracy >= minimum, (
        f"{split} accuracy {accuracy:.3f} ({correct}/{len(frame)}) is below {minimum}\n{confusion}"
    )


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Words that look negated but are not.
        ("不错", "positive"),
        ("没问题", "positive"),
        ("这个跟单员没得说", "positive"),
        pytest.param("不影响使用", "positive", marks=LEARNED_MISREAD),
        # 太 strengthens whatever follows, including a negated word.
        ("太慢了", "negative"),
        ("太专业了", "positive"),
        ("太不专业了", "negative"),
        # Order-fulfilment phrases.
        ("交期准时", "positive"),
        ("给五星", "positive"),
        ("点赞", "positive"),
        ("下次还会合作", "positive"),
        ("发错货", "negative"),
        ("一拖再拖", "negative"),
        ("催了两次才发货", "negative"),
        ("包装破损", "negative"),
        ("不会再合作", "negative"),
        ("态度差", "negative"),
        ("从来不拖延", "positive"),
        ("邮件发了一周都没有回复", "negative"),
        # English, with contractions.
        ("Great job, thank you!", "positive"),
        ("The cartons arrived crushed.", "negative"),
        ("They didn't reply to any of my emails.", "negative"),
        ("We can't recommend this supplier.", "negative"),
        ("Please send the invoice.", "neutral"),
    ],
)
def test_label_of_typical_comments(text, label):
    score = comment_sentiment(text)
    assert sentiment_label(score) == label, f"{text!r} scored {score:.3f}"


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("满意", "不满意"),
        ("专业", "不专业"),
        ("回复很及时", "回复不及时"),
        ("态度热情", "态度并不热情"),
        ("helpful", "not helpful"),
        ("satisfied with the packaging", "never satisfied with the packaging"),
    ],
)
def test_negation_flips_praise(plain, negated):
    assert comment_sentiment(plain) > 0 > comment_sentiment(negated)


@pytest.mark.parametrize(
    ("complaint", "denied"),
    [
        ("慢", "不慢"),
        ("包装损坏", "包装没有任何损坏"),
        # The words denying a complaint do not lean it as negators learned to, by negating praise
        # ("nothing" alone leans -0.58 in the learned weights).
        ("damaged", "nothing was damaged"),
        ("broken", "nothing was broken"),
    ],
)
def test_negated_complaint_is_mildly_positive(complaint, denied):
    assert comment_sentiment(complaint) < 0 < comment_sentiment(denied)
    assert comment_sentiment(denied) < abs(comment_sentiment(complaint))


@pytest.mark.parametrize(
    ("praise", "complaint", "joiner"),
    [
        ("质量很好", "交期很慢", "，但是"),
        ("包装很结实", "物流很慢", "，不过"),
        ("跟单很负责", "清关延误了", "，可惜"),
        ("The quality is good", "the delivery is slow", " but "),
        ("Friendly staff", "the refund was late", ", however "),
    ],
)
def test_clause_after_contrast_dominates(praise, complaint, joiner):
    assert comment_sentiment(f"{praise}{joiner}{complaint}") < 0
    assert comment_sentiment(f"{complaint}{joiner}{praise}") > 0


@pytest.mark.parametrize(
    ("plain", "stronger"),
    [
        ("满意", "非常满意"),
        ("失望", "很失望"),
        ("慢", "太慢"),
        ("专业", "十分专业"),
        ("good", "very good"),
        ("disappointed", "extremely disappointed"),
        ("满意。", "满意！"),
    ],
)
def test_intensifier_and_exclamation_increase_magnitude(plain, stronger):
    weak, strong = comment_sentiment(plain), comment_sentiment(stronger)
    assert np.sign(weak) == np.sign(strong) != 0
    assert abs(strong) > abs(weak)


@pytest.mark.parametrize(("plain", "softened"), [("慢", "有点慢"), ("late", "a bit late")])
def test_softener_decreases_magnitude(plain, softened):
    assert comment_sentiment(plain) < comment_sentiment(softened) < 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "订单号 PO-20240315，共两柜。",
        "。！？",
        "Please send the invoice.",
    ],
)
def test_blank_or_moodless_text_scores_zero(text):
    assert comment_sentiment(text) == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "好评" * 300,
        "非常非常非常满意！！！" * 50,
        "差评！太差了！一拖再拖！" * 100,
        "very very very extremely good!!! " * 40,
        "质量很好，但是交期太慢，不过服务热情，可惜包装破损！" * 20,
    ],
)
def test_score_is_bounded(text):
    assert -1.0 <= comment_sentiment(text) <= 1.0


def test_label_thresholds():
    band = neutral_band()
    assert 0 < band < 0.1
    assert sentiment_label(band) == "positive"
    assert sentiment_label(math.nextafter(band, 0)) == "neutral"
    assert sentiment_label(0.0) == "neutral"
    assert sentiment_label(math.nextafter(-band, 0)) == "neutral"
    assert sentiment_label(-band) == "negative"
    with pytest.raises(ValueError, match="missing"):
        sentiment_label(float("nan"))


def test_scores_keep_the_index_and_leave_blank_comments_missing():
    texts = pd.Series(
        [
            "非常满意！",
            None,
            "",
            "   ",
            np.nan,
            "发错货了",
            "Please send the invoice.",
            "非常满意！",
        ],
        index=[10, 11, 12, 13, 14, 15, 16, 10],
        name="comment",
    )
    scores = sentiment_scores(texts)
    assert scores.index.equals(texts.index)
    assert scores.name == "comment"
    assert scores.dtype == np.float64
    assert scores.isna().tolist() == [False, True, True, True, True, False, False, False]
    assert scores.iloc[0] == scores.iloc[7] == comment_sentiment("非常满意！")
    assert scores.iloc[5] < 0
    # Text without mood is neutral, unlike a blank comment.
    assert scores.iloc[6] == 0.0


def test_scores_each_distinct_comment_once(monkeypatch):
    scored = []

    def counting(text):
        scored.append(text)
        return comment_sentiment(text)

    monkeypatch.setattr(sentiment, "comment_sentiment", counting)
    texts = pd.Series(["好评", "交期一拖再拖", "好评 ", None] * 5000)
    scores = sentiment_scores(texts)
    assert sorted(scored) == ["交期一拖再拖", "好评"]
    assert scores.notna().sum() == 15000


def test_empty_series():
    scores = sentiment_scores(pd.Series([], dtype=object))
    assert scores.empty
    assert scores.dtype == np.float64


def test_imports_without_django():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    probe = "import sys, indicators.sentiment; assert 'django' not in sys.modules"
    subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, env=environment, check=True, timeout=60
    )


@pytest.mark.parametrize(
    ("text", "lean"),
    [
        ("包装很好，但有两件颜色有色差。", -1),
        ("Friendly staff but the process is rather slow.", -1),
        ("物流很慢，不过包装很结实", 1),
    ],
)
def test_a_short_comment_weighing_praise_against_a_complaint_reads_neutral(text, lean):
    reading = sentiment.comment_reading(text)
    assert sentiment_label(reading.score) == "neutral", reading
    # It leans the way the clause after the contrast does, and shows both sides' words.
    assert np.sign(reading.score) == lean, reading
    assert {np.sign(evidence.weight) for evidence in reading.evidence} == {-1, 1}, reading


def test_a_long_review_with_one_contrast_keeps_its_label():
    long = (
        "房间很干净，早餐丰富，服务员态度热情，位置方便，离地铁站只有几分钟，"
        "前台办理入住也很快，下次出差还会入住这家酒店，只是停车位有点少。"
    )
    assert len(long) > sentiment.MIXED_LONGEST
    assert sentiment_label(comment_sentiment(long)) == "positive"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # The domain lexicon (lexicon_zh_domain.txt): delivery, packaging, quality control,
        # service and refunds.
        ("备货速度跟不上", "negative"),
        ("这次又出岔子了", "negative"),
        ("纸箱都压扁了", "negative"),
        ("退款慢，拒绝退款", "negative"),
        ("理赔结果很公道", "positive"),
        ("售后处理得当", "positive"),
        ("工厂品控做得很好", "positive"),
        ("大货和样品一模一样", "positive"),
        ("客服已读不回", "negative"),
    ],
)
def test_order_and_after_sales_vocabulary(text, label):
    reading = sentiment.comment_reading(text)
    assert sentiment_label(reading.score) == label, reading


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        # Trade vocabulary (userdict_zh.txt) is cut whole: 好 in 好几次 is not "good".
        ("问题出现了好几次", ("问题", "出现", "了", "好几次")),
        ("大货交期", ("大货", "交期")),
        ("麻烦把提单发过来", ("请", "把", "提单", "发过来")),  # a polite request
        ("很麻烦", ("很", "麻烦")),  # a trouble, where it does not open the clause
    ],
)
def test_segmentation_of_trade_words(text, cut):
    assert sentiment.words.words(text) == cut


@pytest.mark.parametrize(
    "text",
    [
        "麻烦下周把装箱单发过来",
        "劳烦把提单副本寄过来",
        "The container will ship next week.",
    ],
)
def test_requests_and_shipping_notes_read_neutral(text):
    assert sentiment_label(comment_sentiment(text)) == "neutral", sentiment.comment_reading(text)


def test_a_trouble_is_still_a_complaint():
    assert sentiment_label(comment_sentiment("办个退款太麻烦了")) == "negative"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # A negation after what it negates (一点 X 都没有): no improvement, no problem at all.
        ("一点改进都没有", "negative"),
        ("任何回复都没有", "negative"),
        ("一点问题都没有", "positive"),
        # A word the table does not know keeps the phrase's learned reading: mostly a complaint.
        ("一点味道都没有", "negative"),
    ],
)
def test_a_negation_after_what_it_negates(text, label):
    reading = sentiment.comment_reading(text)
    assert sentiment_label(reading.score) == label, reading
