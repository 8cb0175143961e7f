"""The figure builders are pure: selector values in, JSON-ready Plotly dicts out (no database)."""

import json

import pytest
from django.utils import translation

from dashboards import figures
from dashboards.chart_labels import wrap_label
from dashboards.selectors.boards import CompanyTrendPoint, MemberRow, TeamRow
from dashboards.selectors.columns import Column
from dashboards.selectors.scorecard import Line, TrendPoint
from dashboards.selectors.summaries import MEANS, Summary

CSAT = Column(1, "csat", "csat", "quality", "points", "higher", "客户满意度", "CSAT")
RESPONSE = Column(
    2,
    "order_response_time",
    "order_response_time",
    "efficiency",
    "hours",
    "lower",
    "订单响应时效",
    "Order response time",
)
COLUMNS = [RESPONSE, CSAT]


def _member(employee_id: int, name: str, cells: dict, total: float = 70.0) -> MemberRow:
    return MemberRow(
        employee_id=employee_id,
        employee_no=f"E{employee_id}",
        name=name,
        team="华东跟单一组",
        level="junior",
        state="scored",
        measured_share=1.0,
        total=total,
        grade="B",
        tiers={"basic": 70.0, "efficiency": 70.0, "quality": 70.0, "innovation": None},
        team_rank=1,
        vetoes=(),
        improvement_plan=False,
        cells=cells,
    )


MEMBERS = [
    _member(7, "王芳", {"order_response_time": (95.0, 2.5), "csat": (40.0, 3.9)}),
    _member(8, "王芳", {"csat": (100.0, 4.9)}),  # the same name, a different person
]


def test_team_heatmap_has_a_row_per_member_and_a_diverging_scale():
    with translation.override("en"):
        figure = figures.team_heatmap(MEMBERS, COLUMNS)
    trace = figure["data"][0]
    assert trace["type"] == "heatmap"
    assert trace["z"] == [[95.0, 40.0], [None, 100.0]]
    assert (trace["zmin"], trace["zmid"], trace["zmax"]) == (0, 50, 100)
    assert trace["colorscale"][0][1] != trace["colorscale"][-1][1]
    # Two people of the same name stay two rows, told apart by their numbers.
    assert trace["y"] == ["王芳 (E7)", "王芳 (E8)"]
    assert trace["x"] == ["Order response time", "CSAT"]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"
    assert figure["layout"]["meta"] == {"rows": [7, 8], "columns": ["order_response_time", "csat"]}
    # The raw values with their units, for the hover.
    assert trace["text"] == [["2.5 h", "3.90/5"], ["—", "4.90/5"]]
    assert "%{text}" in trace["hovertemplate"] and "Raw value" in trace["hovertemplate"]
    assert json.loads(figures.as_script({"h": figure}).split(">", 1)[1].rsplit("<", 1)[0])


def test_the_figures_script_cannot_be_closed_by_the_data():
    script = figures.as_script({"f": {"name": "</script><b>王</b> & co"}})
    assert script.count("</script>") == 1 and "<b>" not in script
    assert "王" in script  # UTF-8, not \\u escapes


def test_heatmap_grows_with_the_team():
    small = figures.team_heatmap(MEMBERS[:1], COLUMNS)["layout"]["height"]
    many = [_member(i, f"P{i}", {}) for i in range(50)]
    assert figures.team_heatmap(many, COLUMNS)["layout"]["height"] > small


def test_change_heatmap_shows_the_difference_around_zero():
    before = {7: _member(7, "王芳", {"csat": (60.0, 4.2)})}
    with translation.override("en"):
        figure = figures.team_change_heatmap(MEMBERS, COLUMNS, before, "2026-09")
    trace = figure["data"][0]
    assert trace["z"] == [[None, -20.0], [None, None]]
    assert (trace["zmin"], trace["zmid"], trace["zmax"]) == (-50, 0, 50)
    # This period, then; in points of the 0–100 score, the change too.
    assert trace["customdata"][0][1] == ["40.0 pts", "60.0 pts"]
    assert "%{z:+.1f} pts" in trace["hovertemplate"]
    assert "2026-09" in trace["hovertemplate"]


def test_radar_closes_the_outline_and_compares_with_the_team():
    lines = [
        Line(RESPONSE, 2.5, 2.0, 4.0, 95.0, 0.1, 9.5, 80.0, 70.0, 3.0, 90.0),
        Line(CSAT, 3.9, 4.8, 4.1, 40.0, 0.2, 8.0, 20.0, 55.0, None, None),
    ]
    with translation.override("en"):
        figure = figures.radar(lines, "王芳")
    team, person = figure["data"]
    assert person["name"] == "王芳" and person["r"] == [95.0, 40.0, 95.0]
    assert team["r"] == [70.0, 55.0, 70.0]
    assert person["theta"][0] == person["theta"][-1] == "Order response time"
    assert lines[0].change == pytest.approx(5.0) and lines[1].change is None


def test_trend_and_grade_figures():
    points = [TrendPoint("2026-09", 60.0, 55.0), TrendPoint("2026-10", None, 58.0)]
    trend = figures.trend(points, "王芳")
    assert trend["data"][1]["y"] == [60.0, None] and trend["data"][0]["y"] == [55.0, 58.0]
    # Six people, two of them not scored: grades are shares of the four scored.
    team = Summary(6, 4, {"S": 1, "A": 1, "B": 2, "C": 0, "D": 0}, dict.fromkeys(MEANS))
    empty = Summary(0, 0, dict.fromkeys("SABCD", 0), dict.fromkeys(MEANS))
    grades = figures.grade_distribution([("Team", team), ("Company", empty)])
    assert grades["data"][0]["y"] == [25.0, 25.0, 50.0, 0.0, 0.0]
    assert grades["data"][1]["y"] == [0.0] * 5


def test_company_figures():
    teams = [
        TeamRow(3, "华东跟单一组", "陈主管", Summary(0, 0, {}, {}), {"csat": 61.0}),
        TeamRow(4, "华南跟单二组", "", Summary(0, 0, {}, {}), {}),
    ]
    heatmap = figures.company_heatmap(teams, COLUMNS)
    assert heatmap["data"][0]["z"] == [[None, 61.0], [None, None]]
    assert heatmap["layout"]["meta"]["rows"] == [3, 4]
    means = dict.fromkeys(MEANS, 50.0)
    trend = figures.company_trend([CompanyTrendPoint("2026-10", 5, means)])
    assert len(trend["data"]) == len(MEANS)


def test_radar_labels_are_wrapped_to_fit_the_margins_plotly_does_not_grow():
    assert wrap_label("Order volume", 14) == "Order volume"
    assert wrap_label("Long-standing customer growth", 14) == (
        "Long-standing<br>customer<br>growth"
    )
    # Chinese breaks anywhere, into even lines, never before a closing bracket.
    assert wrap_label("被采纳的改进建议数", 14) == "被采纳的改<br>进建议数"
    assert wrap_label("客户满意度（CSAT）", 14) == "客户满意度<br>（CSAT）"
    lines = [Line(RESPONSE, 2.5, 2.0, 4.0, 95.0, 0.1, 9.5, 80.0, 70.0, 3.0, 90.0)]
    with translation.override("en"):
        axis = figures.radar(lines, "王芳")["layout"]["polar"]["angularaxis"]
    assert axis["tickvals"] == ["Order response time"]
    assert axis["ticktext"] == ["Order<br>response time"]
