"""The heatmaps tell a missing number from a score: "not measured" and "not scored" cells have
their own colours, marks and reasons, small teams read the numbers in the cells, the legend is on
the page, and the company view does not average within-team percentiles into a meaningless 50."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from dashboards import figures
from dashboards.selectors.boards import TeamRow
from dashboards.selectors.columns import Column
from tests.dashboards.company import LAST_MONTH
from tests.dashboards.test_figures import COLUMNS, CSAT, MEMBERS, _member

VOLUME = Column(
    *(3, "order_volume", "order_volume", "basic", "count", "higher", "订单处理量", "Order volume"),
    normalisation="percentile",
)


def _states(figure: dict) -> list[list]:
    return figure["data"][1]["z"]


def test_a_cell_without_a_score_is_not_measured_with_its_reason():
    with translation.override("en"):
        figure = figures.team_heatmap(MEMBERS, COLUMNS)
    scores, gaps = figure["data"]
    assert scores["z"][1][0] is None  # 王芳 (8) has no response time
    assert gaps["z"] == [[None, None], [figures.NOT_MEASURED, None]]
    assert gaps["text"][1][0] == "—"
    # Not in her score's indicators at all: that indicator is not weighed at her level.
    assert gaps["customdata"][1][0] == "Not measured: not weighed at this level"
    assert gaps["showscale"] is False and scores["showscale"] is False


def test_a_not_measured_reason_comes_from_the_score():
    member = _member(
        9,
        "刘洋",
        {"order_response_time": (None, None), "csat": (70.0, 4.2)},
    )
    member = type(member)(
        **{**member.__dict__, "not_measured": {"order_response_time": {"reason": "no_records"}}}
    )
    with translation.override("en"):
        gaps = figures.team_heatmap([member], COLUMNS)["data"][1]
    assert gaps["customdata"][0][0] == "Not measured: no records in the period"


def test_cells_of_a_person_not_scored_are_drawn_as_not_scored():
    unscored = _member(10, "李强", {"csat": (55.0, 3.8)}, total=None)
    unscored = type(unscored)(
        **{**unscored.__dict__, "state": "not_enough_data", "measured_share": 0.2, "grade": ""}
    )
    with translation.override("en"):
        figure = figures.team_heatmap([unscored], COLUMNS)
    assert figure["data"][0]["z"] == [[None, 55.0]]  # what was measured still shows
    assert _states(figure) == [[figures.NOT_SCORED, None]]
    assert figure["data"][1]["text"][0][0] == "×"
    assert figure["data"][1]["customdata"][0][0].startswith("Not scored: Not enough data")
    assert figures.STATE_COLOURS[figures.NOT_SCORED] != figures.STATE_COLOURS[figures.NOT_MEASURED]


def test_numbers_are_in_the_cells_of_a_small_team_only():
    small = figures.team_heatmap(MEMBERS, COLUMNS)["data"][0]
    assert small["texttemplate"] == "%{z:.0f}"
    count = figures.CELL_NUMBERS_UP_TO + 1
    many = [_member(i, f"P{i}", {"csat": (50.0, 4.0)}) for i in range(count)]
    assert "texttemplate" not in figures.team_heatmap(many, COLUMNS)["data"][0]


def test_a_team_where_everything_is_measured_has_no_gap_trace():
    full = [_member(1, "甲", {"order_response_time": (60.0, 3.0), "csat": (50.0, 4.0)})]
    assert len(figures.team_heatmap(full, COLUMNS)["data"]) == 1


def test_company_view_shows_within_team_percentiles_as_raw_means():
    east_scores, east_raw = {"order_volume": 50.0, "csat": 61.0}, {"order_volume": 178.0}
    teams = [
        TeamRow(1, "华东", "陈主管", None, east_scores, east_raw),
        TeamRow(2, "华南", "赵主管", None, {"order_volume": 50.0}, {"order_volume": 42.0}),
    ]
    with translation.override("en"):
        figure = figures.company_heatmap(teams, [VOLUME, CSAT])
    scores, gaps = figure["data"]
    # The percentile column carries no misleading 50: its cells show each team's raw mean, with
    # what it counts.
    assert scores["z"] == [[None, 61.0], [None, None]]
    assert gaps["z"] == [[figures.WITHIN_TEAM, None], [figures.WITHIN_TEAM, figures.NOT_MEASURED]]
    assert gaps["text"][0][0] == "178 orders" and gaps["text"][1][0] == "42 orders"


# ---------------------------------------------------------------------------------------------
# Through the pages


def _figures(response) -> dict:
    found = re.search(
        r'<script id="dashboard-figures" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


@pytest.mark.django_db
def test_manager_sees_not_measured_cells_with_reasons_and_the_legend(scored, as_user):
    client = as_user("east_manager")
    response = client.get(reverse("dashboards:team") + f"?period={LAST_MONTH.label}")
    page = response.content.decode()
    assert 'data-testid="heatmap-legend"' in page
    assert 'data-testid="legend-not-measured"' in page
    assert 'data-testid="legend-not-scored"' in page
    heatmap = _figures(response)["heatmap"]
    scores, gaps = heatmap["data"]
    # Every cell is either a score or a stated gap, never both, never neither.
    cells = zip(scores["z"], gaps["z"], gaps["customdata"], strict=True)
    for score_row, gap_row, why_row in cells:
        for score, gap, why in zip(score_row, gap_row, why_row, strict=True):
            assert (score is None) == (gap is not None) == bool(why)
    # The small company has records for only some indicators: the others are not measured
    # (everyone here has a total), in the active language, with why.
    whys = [why for row in gaps["customdata"] for why in row if why]
    assert whys and all(why.startswith("未计量") for why in whys)
    assert {gap for row in gaps["z"] for gap in row} - {None} == {figures.NOT_MEASURED}
    # The measured cells carry their numbers (a team of three).
    assert scores["texttemplate"] == "%{z:.0f}"
    assert any(value is not None for row in scores["z"] for value in row)


@pytest.mark.django_db
def test_company_view_explains_the_within_team_columns(scored, as_user):
    client = as_user("hr")
    with translation.override("en"):
        response = client.get(
            reverse("dashboards:company") + f"?period={LAST_MONTH.label}",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    page = response.content.decode()
    assert 'data-testid="within-team-note"' in page
    heatmap = _figures(response)["heatmap"]
    volume = heatmap["layout"]["meta"]["columns"].index("order_volume")
    scores, gaps = heatmap["data"]
    assert all(row[volume] is None for row in scores["z"])
    assert all(row[volume] == figures.WITHIN_TEAM for row in gaps["z"])
