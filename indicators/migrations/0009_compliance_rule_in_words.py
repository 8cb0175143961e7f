"""The reply checklist's rules in words: a pattern (a regular expression) is described in both
languages, and the manual shows the description, not the expression (issue 19, point 7). The
built-in patterns get theirs here; an admin writes one for each pattern they add."""

from django.db import migrations, models

# (element, language, pattern) of the built-in patterns → (Chinese, English) description.
DESCRIPTIONS = {
    ("greeting", "en", r"\b(hi|hello|dear|good (morning|afternoon))\b"): (
        "英文问候语 hi、hello、dear、good morning 或 good afternoon（整词）",
        "the word hi, hello, dear, good morning or good afternoon",
    ),
    ("order_number", "zh", r"(订单|单号)(号|编号)?\s*[:：#]?\s*[A-Za-z]{0,4}-?\d{4,}"): (
        "“订单”或“单号”后接订单号（可带至多 4 个字母的前缀，至少 4 位数字），如“订单号：SO-20261001”",
        "“订单” or “单号” followed by the order number (an optional prefix of up to 4 letters, "
        "at least 4 digits), as in “订单号：SO-20261001”",
    ),
    ("order_number", "en", r"\border\s*(no\.?|number|#)?\s*[:#]?\s*[A-Za-z]{0,4}-?\d{4,}"): (
        "“order”（或 order no.、order number、order #）后接订单号（可带至多 4 个字母的前缀，至少 4 位"
        "数字），如 “order no. SO-20261001”",
        "“order” (or order no., order number, order #) followed by the order number (an optional "
        "prefix of up to 4 letters, at least 4 digits), as in “order no. SO-20261001”",
    ),
    ("delivery_date", "zh", r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]"): (
        "中文的月和日，如“10月14日”或“10月14号”",
        "a month and day written in Chinese, as in “10月14日” or “10月14号”",
    ),
    ("delivery_date", "zh", r"\d{4}\s*[-/年]\s*\d{1,2}\s*[-/月]\s*\d{1,2}"): (
        "带年份的日期，如“2026-10-14”“2026/10/14”或“2026年10月14”",
        "a date with its year, as in “2026-10-14”, “2026/10/14” or “2026年10月14”",
    ),
    ("delivery_date", "en", r"\b\d{4}-\d{2}-\d{2}\b"): (
        "年-月-日格式的日期，如 “2026-10-14”",
        "a date as year-month-day, as in “2026-10-14”",
    ),
    (
        "delivery_date",
        "en",
        r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    ): (
        "英文月份加日期，如 “Oct 14” 或 “October 14”",
        "an English month and day, as in “Oct 14” or “October 14”",
    ),
    ("closing", "en", r"\b(thanks|thank you|regards|best wishes|sincerely)\b"): (
        "英文结束语 thanks、thank you、regards、best wishes 或 sincerely（整词）",
        "the word thanks, thank you, regards, best wishes or sincerely",
    ),
}


def describe(apps, schema_editor):
    rules = apps.get_model("indicators", "ComplianceRule")
    for (element, language, pattern), (zh, en) in DESCRIPTIONS.items():
        rules.objects.filter(
            element=element, language=language, kind="regex", pattern=pattern, description_zh=""
        ).update(description_zh=zh, description_en=en)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0008_sentiment_manual_figures_round4'),
    ]

    operations = [
        migrations.AddField(
            model_name='compliancerule',
            name='description_en',
            field=models.CharField(blank=True, help_text='What the rule accepts, as the manual says it; a pattern needs it.', max_length=200, verbose_name='in words (English)'),
        ),
        migrations.AddField(
            model_name='compliancerule',
            name='description_zh',
            field=models.CharField(blank=True, help_text='What the rule accepts, as the manual says it; a pattern needs it.', max_length=200, verbose_name='in words (Chinese)'),
        ),
        migrations.AddField(
            model_name='historicalcompliancerule',
            name='description_en',
            field=models.CharField(blank=True, help_text='What the rule accepts, as the manual says it; a pattern needs it.', max_length=200, verbose_name='in words (English)'),
        ),
        migrations.AddField(
            model_name='historicalcompliancerule',
            name='description_zh',
            field=models.CharField(blank=True, help_text='What the rule accepts, as the manual says it; a pattern needs it.', max_length=200, verbose_name='in words (Chinese)'),
        ),
        migrations.RunPython(describe, migrations.RunPython.noop),
]
