"""People who are not scored in a period, as the pages, exports and API show them: in words,
in Chinese and English, never with a grade, a rank or an empty cell that reads as a low score."""

import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import EmployeeScore, ScoreState
from scoring.services import compute_period
from tests.clock import at
from tests.dashboards.company import LAST_MONTH
from tests.factories import EmployeeFactory, OrderFactory

pytestmark = pytest.mark.django_db

NO_ACTIVITY = {"zh": "未评分：本期无业务记录", "en": "Not scored: no activity this period"}


@pytest.fixture
def mixed(scored):
    """The scored company, where 赵主管 (south) has no record last month, and 孙小薄 (south)
    only three orders entered without confirmation: too little of the weight measured."""
    thin = EmployeeFactory(team=scored["teams"]["south"], name="孙小薄")
    for day in (2, 5, 9):
        OrderFactory(merchandiser=thin, submitted_at=at(LAST_MONTH, day, 9))
    compute_period(LAST_MONTH)
    scored["thin"] = thin
    return scored


def _score(person) -> EmployeeScore:
    return EmployeeScore.objects.get(
        employee=person, period_start=LAST_MONTH.start, is_current=True
    )


def _not_enough(person) -> dict[str, str]:
    share = round(100 * _score(person).measured_share)
    return {
        "zh": f"数据不足（有数据的指标占权重的 {share}%，至少需要 60%）",
        "en": f"Not enough data (measured {share}% of the weight, 60% needed)",
    }


def _get(client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def test_ranks_and_grades_count_only_the_scored(mixed):
    idle, thin = _score(mixed["south_manager"]), _score(mixed["thin"])
    assert (idle.state, thin.state) == (ScoreState.NO_ACTIVITY, ScoreState.NOT_ENOUGH_DATA)
    assert thin.measured_share < 0.6
    for score in (idle, thin):
        assert (score.total, score.grade, score.team_rank, score.company_rank) == (
            None,
            "",
            None,
            None,
        )
        assert not score.improvement_plan and score.suggestions == {"zh": [], "en": []}
    scored = EmployeeScore.objects.filter(
        is_current=True, period_start=LAST_MONTH.start, state=ScoreState.SCORED
    )
    assert sorted(scored.values_list("company_rank", flat=True)) == [1, 2, 3, 4]
    assert scored.exclude(grade="").count() == 4
    # In the south team 刘洋 is the only one scored: first of one.
    assert _score(mixed["south_a"]).team_rank == 1


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_scorecard_says_why_there_is_no_total(mixed, as_user, language):
    client = as_user("hr")
    for person, words in (
        (mixed["south_manager"], NO_ACTIVITY),
        (mixed["thin"], _not_enough(mixed["thin"])),
    ):
        url = reverse("dashboards:scorecard", args=[person.pk]) + f"?period={LAST_MONTH}"
        page = _get(client, url, language)
        assert 'data-testid="not-scored"' in page
        assert words[language] in page
        assert 'data-testid="grade"' not in page and 'data-testid="company-rank"' not in page
    scored = _get(client, reverse("dashboards:scorecard", args=[mixed["south_a"].pk]), language)
    assert 'data-testid="not-scored"' not in scored and 'data-testid="grade"' in scored


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_team_page_says_who_is_not_scored_and_counts_them(mixed, as_user, language):
    south = mixed["teams"]["south"]
    client = as_user("hr")
    page = _get(client, reverse("dashboards:team") + f"?team={south.pk}", language)
    rows = dict(
        re.findall(r'data-testid="member-row" data-employee="(\d+)">(.*?)</tr>', page, re.S)
    )
    assert NO_ACTIVITY[language] in rows[str(mixed["south_manager"].pk)]
    assert _not_enough(mixed["thin"])[language] in rows[str(mixed["thin"].pk)]
    for key in ("south_manager", "thin"):
        assert "grade grade-" not in rows[str(mixed[key].pk)]  # no grade cell, not even "—"
    assert "grade grade-" in rows[str(mixed["south_a"].pk)]
    counts = re.search(r'data-testid="scored-counts">(.*?)</p>', page).group(1)
    expected = {"zh": "已评分 1 人 · 未评分 2 人", "en": "1 scored · 2 not scored"}
    assert expected[language] in counts
    # The heatmap has no row of blanks for the person without records.
    figures = re.search(
        r'<script id="dashboard-figures" type="application/json">(.*?)</script>',
        page,
        re.S,
    ).group(1)
    rows = json.loads(figures)["heatmap"]["layout"]["meta"]["rows"]
    assert set(rows) == {mixed["south_a"].pk, mixed["thin"].pk}


def test_the_company_page_counts_the_scored_and_the_others(mixed, as_user):
    page = _get(as_user("hr"), reverse("dashboards:company"), "en")
    assert re.search(r'data-testid="people-scored">4<', page)
    assert re.search(r'data-testid="people-not-scored">2<', page)
    south = re.search(rf'data-team="{mixed["teams"]["south"].pk}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", south)[:2] == ["1", "2"]  # scored, not scored


def test_exports_say_who_is_not_scored(mixed, as_user):
    client = as_user("hr")
    client.cookies["django_language"] = "en"
    response = client.get(reverse("dashboards:company_export") + f"?period={LAST_MONTH}")
    teams, people = (list(sheet.values) for sheet in load_workbook(io.BytesIO(response.content)))
    state = {row[1]: row[4] for row in people[1:]}  # by name
    assert state["赵主管"] == NO_ACTIVITY["en"]
    assert state["孙小薄"] == _not_enough(mixed["thin"])["en"]
    assert state["刘洋"] == "Scored"
    south = next(row for row in teams if row[0] == mixed["teams"]["south"].name)
    assert south[2:4] == (1, 2)  # people scored, not scored
    grades = {row[1]: row[10] for row in people[1:]}
    assert grades["赵主管"] in ("", None) and grades["刘洋"]
