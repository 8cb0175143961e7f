"""Comments are read once, by the digest of their text, whichever period or run asks."""

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import comments, readings
from indicators.comments import comments_read, reader_version, text_digest
from indicators.readings import CommentReading, comment_readings
from scoring.models import IndicatorScore
from scoring.services import compute_period
from tests.clock import LAST_MONTH, SHANGHAI
from tests.factories import FeedbackFactory
from tests.scoring.test_pipeline import _month_of_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(monkeypatch):
    read: list[str] = []

    def counting(texts: pd.Series) -> pd.DataFrame:
        read.extend(texts.tolist())
        return comments_read(texts)

    monkeypatch.setattr(readings, "comments_read", counting)
    return read


def test_a_comment_is_read_once_and_kept(counted):
    texts = pd.Series(["非常满意！", "发错货了", " 非常满意！", None, "", "Obrigado pela entrega"])
    first = comment_readings(texts)
    assert sorted(counted) == sorted(["非常满意！", "发错货了", "Obrigado pela entrega"])
    again = comment_readings(pd.Series(["发错货了", "非常满意！"], index=[7, 8]))
    assert len(counted) == 3  # nothing read again
    assert again.index.tolist() == [7, 8]
    assert again["sentiment"].tolist() == [first["sentiment"][1], first["sentiment"][0]]
    assert first["language"].tolist()[:3] == ["zh", "zh", "zh"]
    assert first.loc[[3, 4]].isna().all().all()  # no comment: nothing read
    # Another language is read as such, with no sentiment: it would only look neutral.
    assert first.loc[5, "language"] == "" and np.isnan(first.loc[5, "sentiment"])
    assert first.loc[5, "evidence"] is None
    assert [words for words, _ in json.loads(first.loc[1, "evidence"])] == ["发错货"]
    assert CommentReading.objects.count() == 3


def test_a_reading_of_another_scorer_version_is_made_again(counted):
    comment_readings(pd.Series(["态度很差"]))
    CommentReading.objects.filter(digest=text_digest("态度很差")).update(
        version="older", sentiment=0.9
    )
    again = comment_readings(pd.Series(["态度很差"]))
    assert counted == ["态度很差", "态度很差"]
    assert again["sentiment"][0] < 0
    assert CommentReading.objects.get().sentiment == again["sentiment"][0]


def test_the_scorer_version_changes_with_its_weights_and_word_lists(tmp_path, monkeypatch):
    package = Path(comments.__file__).parent
    (tmp_path / "sentiment").mkdir()
    for path in (package / "sentiment").glob("*.*"):
        shutil.copy(path, tmp_path / "sentiment" / path.name)
    shutil.copy(package / "languages.py", tmp_path / "languages.py")
    monkeypatch.setattr(comments, "_PACKAGE", tmp_path)
    fingerprint = reader_version.__wrapped__  # not the process's cached one
    versions = {fingerprint()}
    for name in ("weights.tsv", "lexicon_zh_domain.txt", "userdict_zh.txt", "moodless.txt"):
        with (tmp_path / "sentiment" / name).open("a", encoding="utf-8") as file:
            file.write("# changed\n")
        versions.add(fingerprint())
    assert len(versions) == 5


def test_no_comment_reads_nothing(counted):
    assert comment_readings(pd.Series([None, "  "], dtype=object)).isna().all().all()
    assert counted == []


def test_scoring_a_month_again_reads_no_comment_again(org_chart, counted):
    """What keeps a second scoring of a month as fast as the first was before comments were read
    by words: the readings made by the first are found, none is made again."""
    merchandiser = org_chart["east_a"]
    _month_of_work(merchandiser, LAST_MONTH, response_hours=1)
    day = dt.datetime.combine(LAST_MONTH.start + dt.timedelta(days=9), dt.time(10), tzinfo=SHANGHAI)
    comments = ["响应及时，非常满意", "发错货了，很失望", "Great service, thank you!"]
    for comment in comments:
        FeedbackFactory(employee=merchandiser, comment=comment, submitted_at=day)
    compute_period(LAST_MONTH)
    assert sorted(counted) == sorted(comments)
    compute_period(LAST_MONTH)
    assert len(counted) == len(comments)
    raw = IndicatorScore.objects.filter(
        indicator__code="customer_sentiment", employee_score__employee=merchandiser
    ).values_list("raw", flat=True)
    assert len(set(raw)) == 1  # both runs read the same
