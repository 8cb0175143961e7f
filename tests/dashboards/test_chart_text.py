"""Every chart has a text alternative (issue 19): the container is an image named after what it
shows, and its data is a table under it; the heatmap's table cells are links to the drill-downs,
named "person · indicator: score", so the scores reach a keyboard and a screen reader."""

import re
from dataclasses import replace
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from dashboards import chart_text
from tests.dashboards.company import LAST_MONTH
from tests.dashboards.test_figures import COLUMNS, MEMBERS, _member

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _url(employee_id: int, code: str) -> str:
    return f"/people/{employee_id}/indicators/{code}/"


def test_heatmap_cells_are_named_links_and_a_missing_score_says_so():
    unscored = replace(_member(9, "李强", {}, total=None), state="no_activity")
    with translation.override("en"):
        text = chart_text.team_heatmap([*MEMBERS, unscored], COLUMNS, _url)
    assert text.label.startswith("Heatmap of the 0–100 scores of 3 people on 2 indicators")
    assert text.columns == ["Order response time", "CSAT"]
    first, second, third = text.rows
    assert [cell.text for cell in first.cells] == ["95.0 pts", "40.0 pts"]
    assert first.cells[1].url == "/people/7/indicators/csat/"
    assert first.cells[1].label == "王芳 · CSAT: 40.0 pts"
    assert second.cells[0].text == "Not measured"  # scored, but not on this indicator
    assert second.cells[0].label == "王芳 · Order response time: Not measured"
    assert third.cells[0].text == "Not scored"  # no total at all


def test_one_person_on_one_indicator_is_said_in_the_singular():
    with translation.override("en"):
        text = chart_text.team_heatmap(MEMBERS[:1], COLUMNS[:1], _url)
    assert text.label.startswith("Heatmap of the 0–100 scores of 1 person on 1 indicator;")


def test_a_change_heatmap_lists_the_changes():
    before = {7: _member(7, "王芳", {"order_response_time": (90.0, 3.0), "csat": (50.0, 4.0)})}
    with translation.override("en"):
        text = chart_text.team_change_heatmap(MEMBERS, COLUMNS, before, _url)
    assert [cell.text for cell in text.rows[0].cells] == ["+5.0 pts", "−10.0 pts"]
    assert text.rows[0].cells[1].label == "王芳 · CSAT: −10.0 pts"
    assert [cell.text for cell in text.rows[1].cells] == ["—", "—"]  # nothing to compare


def _figure_tag(page: str, name: str) -> str:
    return re.search(rf'<div class="figure[^"]*" data-figure="{name}"[^>]*>', page).group(0)


def _label(tag: str) -> str:
    return unescape(re.search(r'aria-label="([^"]*)"', tag).group(1))


@pytest.mark.django_db
def test_the_scorecards_charts_are_named_and_tabled(scored, as_user):
    client = as_user("east_a")
    page = client.get(reverse("dashboards:me"), **ENGLISH).content.decode()
    radar = _figure_tag(page, "radar")
    assert 'role="img"' in radar
    label = _label(radar)
    assert label.startswith("Radar of 王芳's 0–100 scores by indicator: ")
    # Every indicator of the scorecard is named in the label with its score.
    names = re.findall(r'data-testid="drilldown-link">([^<]+)</a>', page)
    assert names and all(unescape(name) in label for name in names)
    assert 'role="img"' in _figure_tag(page, "trend")
    assert _label(_figure_tag(page, "trend")).startswith("Trend of 王芳's total by period: ")
    tables = re.findall(r'<details class="chart-data"[^>]*data-chart="(\w+)"', page)
    assert tables == ["radar", "trend"]


@pytest.mark.django_db
def test_the_team_heatmaps_scores_are_links_in_a_table(scored, as_user):
    client = as_user("east_manager")
    page = client.get(
        reverse("dashboards:team") + f"?period={LAST_MONTH.label}", **ENGLISH
    ).content.decode()
    assert _label(_figure_tag(page, "heatmap")).startswith("Heatmap of the 0–100 scores of ")
    table = page.split('data-chart="heatmap"', 1)[1].split("</details>", 1)[0]
    wang = scored["east_a"]
    link = re.search(
        rf'<a href="(/people/{wang.pk}/indicators/csat/\?period={LAST_MONTH.label})" '
        r'aria-label="([^"]+)">([^<]+)</a>',
        table,
    )
    assert link, table[:2000]
    assert unescape(link.group(2)) == f"王芳 · Customer satisfaction (CSAT): {link.group(3)}"
    # The link opens the drill-down a click on the cell opens.
    assert client.get(unescape(link.group(1))).status_code == 200
    for name in ("grades", "means"):
        assert _label(_figure_tag(page, name)).startswith("Bars of ")


@pytest.mark.django_db
def test_the_company_charts_are_named_and_tabled(scored, as_user):
    client = as_user("hr")
    page = client.get(
        reverse("dashboards:company") + f"?period={LAST_MONTH.label}", **ENGLISH
    ).content.decode()
    for name in ("heatmap", "grades", "trend"):
        assert 'role="img"' in _figure_tag(page, name)
    tables = re.findall(r'<details class="chart-data"[^>]*data-chart="(\w+)"', page)
    assert tables == ["heatmap", "grades", "trend"]
    east = scored["teams"]["east"]
    assert f'<a href="/team/?team={east.pk}&amp;period={LAST_MONTH.label}">华东跟单一组</a>' in page
