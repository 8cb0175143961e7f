"""The customer sentiment manual quotes the figures of the fourth round (issue 20): trade words
cut whole, a domain lexicon of orders, logistics and after-sales, polite requests, denied
complaints and negations after what they negate. Same wording as 0007, new figures, measured by
``manage.py sentiment_eval`` on the held-out rows of the public sets under
tests/indicators/data/sentiment/ and by tests/indicators/test_sentiment.py on our own 126."""

import importlib

from django.db import migrations

previous = importlib.import_module("indicators.migrations.0007_sentiment_manual_figures")

FIGURES = {
    "zh": "79.2–86.5%（酒店 86.5%，外卖 85.5%，网购 79.2%）",
    "en": "84.5%",
    "neutral": "5.2–7.7%",
    "index": "49.0–52.8",
    "own": "84.9% (107/126)",
}
FIGURES_EN = {**FIGURES, "zh": "79.2–86.5% (hotel 86.5%, takeaway 85.5%, shopping 79.2%)"}


def forward(apps, schema_editor):
    apps.get_model("indicators", "IndicatorDefinition").objects.filter(
        code="customer_sentiment"
    ).update(
        counting_rules_zh=previous.COUNTING_ZH.format(**FIGURES),
        counting_rules_en=previous.COUNTING_EN.format(**FIGURES_EN),
    )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0007_sentiment_manual_figures")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
