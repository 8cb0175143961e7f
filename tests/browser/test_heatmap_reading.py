"""In a real browser, a manager reads the heatmap: the legend is in view, a "not measured" cell
says so (and why) in its own colour, a measured cell shows its number and its raw value, and a
click on the "not measured" cell opens a drill-down that says why. Screenshots go to
test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from dashboards.figures import NOT_MEASURED
from tests.browser.conftest import save_shot, sign_in_on
from tests.dashboards.company import scored_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_MEASURED_WORDS = {"zh": "未计量", "en": "Not measured"}


@pytest.fixture
def scored(org_chart):
    return scored_company(org_chart)


def _hover(page, heatmap, row: int, column: int):
    """Hover the centre of a cell and return the hover label."""
    rows = heatmap.evaluate("gd => gd.data[0].z.length")
    columns = heatmap.evaluate("gd => gd.data[0].z[0].length")
    box = heatmap.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(
        box["x"] + (column + 0.5) * box["width"] / columns,
        box["y"] + (row + 0.5) * box["height"] / rows,
    )
    return heatmap.locator(".hoverlayer .hovertext").first


@pytest.mark.parametrize("language", ["zh", "en"])
def test_manager_reads_a_not_measured_cell_and_a_cell_with_values(
    live_server, scored, browse, language
):
    page = browse(language, 1440)
    sign_in_on(page, live_server.url, "east_manager")
    words = NOT_MEASURED_WORDS[language]
    heatmap = page.get_by_test_id("heatmap")
    expect(page.locator("[data-testid=heatmap][data-drawn=true] svg").first).to_be_visible()
    legend = page.get_by_test_id("heatmap-legend")
    expect(legend).to_be_visible()
    expect(page.get_by_test_id("legend-not-measured")).to_contain_text(words, ignore_case=True)
    # The figure's own data: which cell is not measured, which has a score.
    gaps = heatmap.evaluate("gd => gd.data[1].z")
    scores = heatmap.evaluate("gd => gd.data[0].z")
    missing = next(
        (r, c) for r, row in enumerate(gaps) for c, state in enumerate(row) if state == NOT_MEASURED
    )
    valued = next(
        (r, c) for r, row in enumerate(scores) for c, value in enumerate(row) if value is not None
    )
    # Small team: the numbers are drawn in the cells, and "—" in the cells not measured.
    drawn = heatmap.locator("g.cartesianlayer text").all_text_contents()
    assert f"{scores[valued[0]][valued[1]]:.0f}" in drawn and "—" in drawn

    expect(_hover(page, heatmap, *missing)).to_contain_text(words, ignore_case=True)
    save_shot(page, f"heatmap-not-measured-cell-{language}")
    label = _hover(page, heatmap, *valued)
    expect(label).to_contain_text(f"{scores[valued[0]][valued[1]]:.1f}")
    expect(label).not_to_contain_text(words, ignore_case=True)
    save_shot(page, f"heatmap-cell-with-values-{language}")

    # The not-measured cell opens its drill-down, which says why there is no value. Plotly
    # clicks what it last hovered (its hover is throttled): the label says which cell first.
    expect(_hover(page, heatmap, *missing)).to_contain_text(words, ignore_case=True)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_url("**/indicators/**")
    expect(page.get_by_test_id("drilldown-not-measured")).to_contain_text(words, ignore_case=True)
    save_shot(page, f"heatmap-not-measured-drilldown-{language}")


def test_the_legend_stays_in_view_on_a_phone(live_server, scored, page, sign_in, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("east_manager")
    expect(page.locator("[data-testid=heatmap][data-drawn=true] svg").first).to_be_visible()
    legend = page.get_by_test_id("heatmap-legend")
    legend.scroll_into_view_if_needed()
    box = legend.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot("heatmap-phone-legend")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_on_a_phone_the_manager_reads_the_cells_in_the_heatmaps_table(
    live_server, scored, browse, language
):
    """Hovering is no way to read a heatmap on a phone: the table folded under it lists every
    cell, a "not measured" one says so, and it opens the drill-down that says why."""
    page = browse(language, 390)
    sign_in_on(page, live_server.url, "east_manager")
    words = NOT_MEASURED_WORDS[language]
    expect(page.locator("[data-testid=heatmap][data-drawn=true] svg").first).to_be_visible()
    table = page.locator("[data-testid=chart-data][data-chart=heatmap]")
    table.locator("summary").click()
    cells = table.locator("td a")
    expect(cells.first).to_be_visible()
    texts = cells.all_text_contents()
    assert any(re.fullmatch(r"\d+\.\d (pts|分)", text) for text in texts), texts
    missing = table.locator("td a", has_text=re.compile(words, re.IGNORECASE)).first
    missing.scroll_into_view_if_needed()
    save_shot(page, f"heatmap-phone-table-{language}")
    missing.click()
    page.wait_for_url("**/indicators/**")
    expect(page.get_by_test_id("drilldown-not-measured")).to_contain_text(words, ignore_case=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
