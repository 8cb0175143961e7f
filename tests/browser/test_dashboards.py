"""In a real browser: each role lands on its dashboard with its figures drawn, the heatmap has a
row per member and a click on a cell opens the records behind it, the language switch changes
the page, and the scorecard fits a phone. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from tests.dashboards.company import LAST_MONTH, scored_company

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LANDING = [
    ("east_a", "/me/", "scorecard", "dashboards-me"),
    ("east_manager", "/team/", "heatmap", "dashboards-team"),
    ("hr", "/hr/", "heatmap", "dashboards-hr"),
]


@pytest.fixture
def scored(org_chart):
    return scored_company(org_chart)


def _drawn(page, test_id: str) -> None:
    """Wait until the page's script has drawn the figure (Plotly marks it with an SVG)."""
    expect(page.locator(f"[data-testid={test_id}][data-drawn=true] svg").first).to_be_visible()


@pytest.mark.parametrize(("who", "landing", "figure", "shot"), LANDING)
def test_each_role_lands_on_its_dashboard(
    live_server, scored, page, sign_in, screenshot, who, landing, figure, shot
):
    sign_in(who)
    assert page.url == f"{live_server.url}{landing}"
    if figure == "scorecard":
        _drawn(page, "radar")
        _drawn(page, "trend")
        expect(page.get_by_test_id("indicator-row")).to_have_count(17)
    else:
        _drawn(page, "heatmap")
    screenshot(shot)


def test_the_heatmap_has_a_row_per_member_and_a_cell_opens_its_drilldown(
    live_server, scored, page, sign_in, screenshot
):
    sign_in("east_manager")
    _drawn(page, "heatmap")
    heatmap = page.get_by_test_id("heatmap")
    rows = heatmap.evaluate("gd => gd.data[0].z.length")
    columns = heatmap.evaluate("gd => gd.data[0].z[0].length")
    assert rows == 3 == page.get_by_test_id("member-row").count()
    assert heatmap.locator("g.ytick text").count() == 3  # one name per row
    # Click the middle of the first row's cell in the response-time column.
    meta = heatmap.evaluate("gd => gd.layout.meta")
    column = meta["columns"].index("order_response_time")
    box = heatmap.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(
        box["x"] + (column + 0.5) * box["width"] / columns,
        box["y"] + 0.5 * box["height"] / rows,
    )
    # Plotly clicks the cell it last hovered, and throttles hovering: its label first.
    expect(heatmap.locator(".hoverlayer .hovertext").first).to_be_visible()
    page.mouse.down()
    page.mouse.up()
    page.wait_for_url(
        re.compile(rf"/people/\d+/indicators/order_response_time/\?period={LAST_MONTH}$")
    )
    assert page.url.split("/people/")[1].split("/")[0] == str(meta["rows"][0])
    expect(page.get_by_test_id("drilldown-title")).to_have_text("订单响应时效")
    assert page.get_by_test_id("record-row").count() >= 3
    screenshot("dashboards-drilldown")


def test_language_switch_changes_the_dashboard(live_server, scored, page, sign_in):
    sign_in("east_a")
    row = page.locator("[data-indicator=csat] td").first
    expect(row).to_contain_text("客户满意度")
    page.get_by_test_id("language-switcher").locator("button[value=en]").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/me/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(row).to_contain_text("Customer satisfaction (CSAT)")
    expect(page.get_by_test_id("viewer-role")).to_have_text("Merchandiser")
    _drawn(page, "radar")
    # The radar's labels are drawn on lines of their own (dashboards.chart_labels.wrap_label).
    labels = page.get_by_test_id("radar").evaluate(
        "gd => [...gd.querySelectorAll('.angularaxistick text')].map(text => [...text"
        ".querySelectorAll('tspan.line')].map(line => line.textContent).join(' ')"
        " || text.textContent)"
    )
    assert "Customer satisfaction (CSAT)" in labels


def test_the_scorecard_fits_a_phone(live_server, scored, page, sign_in, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("east_a")
    _drawn(page, "radar")
    # Nothing sticks out sideways: wide tables scroll inside their cards.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("dashboards-me-phone")
