"""The customer sentiment manual states how comments are read now (learned word weights over the
hand rules, issue 20) and today's figures, replacing the 84.1% of the lexicon scorer it quoted
(0002). Figures measured by ``manage.py sentiment_eval`` on the held-out rows of the public sets
under tests/indicators/data/sentiment/ and by tests/indicators/test_sentiment.py."""

from django.db import migrations

PERIOD_ZH = "周期按公司时区（北京时间）的自然月划分，区间含开始不含结束。"
PERIOD_EN = "Periods are calendar months in company time (Beijing), start included, end excluded."

FIGURES = {
    "zh": "79.7–86.5%（酒店 86.5%，外卖 85.8%，网购 79.7%）",
    "en": "84.5%",
    "neutral": "5.2–7.7%",
    "index": "48.8–52.7",
    "own": "77.0% (97/126)",
}

COUNTING_ZH = (
    "情绪分由离线模型计算：从公开标注评论（中文酒店、外卖、网购评论，英文商品、餐馆、电影短评）学到的"
    "词、词组和否定词的权重，加上人工维护的情感词典和规则（订单与物流用语、否定、程度、转折）。不带情绪的"
    "词（礼貌用语、订单与单据的例行用语、数量）不影响分数；短评论中转折前后褒贬相当的判为中性。每条"
    "评论只读一次，按文字摘要保存；明细显示决定分数的词。在未参与学习的公开留出评论（正负各半）上："
    "二分类准确率中文 {zh}、英文 {en}，正负面评论判为中性的比例 {neutral}，各半样本的指数 {index}。"
    "在 126 条人工标注的留出评论上（三类：正面、中性、负面）准确率 {own}。不计入：没有文字的反馈。"
    + PERIOD_ZH
)
FIGURES_EN = {**FIGURES, "zh": "79.7–86.5% (hotel 86.5%, takeaway 85.8%, shopping 79.7%)"}

COUNTING_EN = (
    "Comment scores come from an offline model: weights of words, word pairs and negated words "
    "learned from public labelled reviews (Chinese hotel, takeaway and shopping reviews; English "
    "product, restaurant and movie sentences), plus the hand-kept sentiment lexicon and rules "
    "(order and logistics wording, negation, intensifiers, contrast). Words without mood "
    "(politeness, routine order and document wording, counts) do not move a score, and a short "
    "comment weighing praise against a like complaint across a contrast reads neutral. Each "
    "comment is read once and kept by the digest of its text; the drill-down shows the words that decided its score. "
    "On held-out public reviews never learned from (half positive, half negative): two-class "
    "accuracy {zh} Chinese and {en} English, {neutral} of them read neutral, a balanced sample's "
    "index {index}. On 126 hand-labelled held-out comments (three classes: positive, neutral, "
    "negative): {own}. Does not count: feedback without text. " + PERIOD_EN
)


def forward(apps, schema_editor):
    apps.get_model("indicators", "IndicatorDefinition").objects.filter(
        code="customer_sentiment"
    ).update(
        counting_rules_zh=COUNTING_ZH.format(**FIGURES),
        counting_rules_en=COUNTING_EN.format(**FIGURES_EN),
    )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_comment_readings")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
