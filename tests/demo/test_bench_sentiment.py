"""The sentiment line of ``make bench``: its fields, not its timing (timing is the bench's job)."""

import json

from django.core.management import call_command

from demo.bench_sentiment import bench_comments


def test_bench_prints_one_sentiment_line(capsys):
    call_command("bench", only="sentiment")
    line = json.loads(capsys.readouterr().out)
    assert line["bench"] == "sentiment"
    assert line["comments"] == 1000
    assert line["seconds"] > 0 and line["load_seconds"] >= 0


def test_bench_comments_are_distinct():
    comments = bench_comments(300)
    assert len(comments) == comments.nunique() == 300
