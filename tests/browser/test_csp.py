"""In a real browser, under the enforcing Content Security Policy: each role's main pages (the
scorecard, the team heatmap, the company dashboard, the weight editor, sources, appeals, Swagger
UI and the Django admin) load without one CSP violation, and their charts are drawn."""

import re

import pytest
from playwright.sync_api import expect

from tests.clock import months_ahead
from tests.dashboards.company import scored_company

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Chromium reports each blocked script, style, eval, image or frame on the console in these words.
VIOLATION = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)


@pytest.fixture
def violations(page):
    """Every console message and page error that tells of a CSP violation, as it happens."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: seen.append(f"{page.url}: {error}"))
    return lambda: [text for text in seen if VIOLATION.search(text)]


def _visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert "Content-Security-Policy" not in page.title()


def _drawn(page, test_id: str) -> None:
    """Plotly drew the figure: the container is marked and holds its SVG."""
    expect(
        page.locator(f"[data-testid={test_id}][data-drawn=true] svg.main-svg").first
    ).to_be_visible()


def test_a_merchandisers_pages_work_under_the_csp(
    live_server, org_chart, page, sign_in, screenshot, violations
):
    scored_company(org_chart)
    sign_in("east_a")
    _drawn(page, "radar")
    _drawn(page, "trend")
    # The tier bars get their lengths from the page's script (no style attribute is allowed).
    bar = page.locator(".tier .bar span").first
    assert bar.evaluate("el => el.style.width").endswith("%")
    assert bar.bounding_box()["width"] > 0
    screenshot("csp-scorecard")
    row = page.locator("[data-testid=indicator-row][data-indicator=order_response_time]")
    row.get_by_test_id("drilldown-link").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("drilldown-title")).to_be_visible()
    page.get_by_test_id("appeal-this").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("appeal-form")).to_be_visible()
    _visit(page, f"{live_server.url}/appeals/")
    _visit(page, f"{live_server.url}/indicators/")
    assert violations() == []


def test_a_managers_heatmap_works_under_the_csp(
    live_server, org_chart, page, sign_in, screenshot, violations
):
    scored_company(org_chart)
    sign_in("east_manager")
    assert page.url == f"{live_server.url}/team/"
    _drawn(page, "heatmap")
    screenshot("csp-team-heatmap")
    assert violations() == []


def test_hrs_company_dashboard_and_appeal_queue_work_under_the_csp(
    live_server, org_chart, page, sign_in, violations
):
    scored_company(org_chart)
    sign_in("hr")
    assert page.url == f"{live_server.url}/hr/"
    _drawn(page, "heatmap")
    _visit(page, f"{live_server.url}/appeals/")
    _visit(page, f"{live_server.url}/sources/")
    assert violations() == []


def test_an_admins_editor_sources_swagger_and_admin_work_under_the_csp(
    live_server, org_chart, page, sign_in, screenshot, violations
):
    sign_in("admin")
    _visit(page, f"{live_server.url}/indicators/schemes/")
    form = page.get_by_test_id("new-draft")
    form.locator("select[name=level]").select_option("senior")
    form.locator("input[name=effective_from]").fill(months_ahead(1).start.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/indicators/schemes/\d+/$", page.url)
    # The editor's script runs: changing a judgment recomputes the consistency ratio.
    tiers = page.get_by_test_id("matrix-tiers")
    before = tiers.locator("[data-cr]").inner_text()
    tiers.locator("select[name=cell-0-1]").select_option("9")
    tiers.locator("select[name=cell-1-2]").select_option("9")
    tiers.locator("select[name=cell-0-2]").select_option("1/9")
    expect(tiers.locator("[data-cr]")).not_to_have_text(before)

    _visit(page, f"{live_server.url}/sources/")

    _visit(page, f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    screenshot("csp-swagger")

    _visit(page, f"{live_server.url}/manage/")
    expect(page.get_by_test_id("admin-cards")).to_be_visible()
    _visit(page, f"{live_server.url}/admin/")
    expect(page.locator("#content-main")).to_be_visible()
    expect(page.get_by_test_id("language-switcher")).to_be_visible()
    _visit(page, f"{live_server.url}/admin/django_celery_beat/periodictask/")
    _visit(page, f"{live_server.url}/admin/indicators/indicatordefinition/")
    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#content-main form")).to_be_visible()
    _visit(page, f"{live_server.url}/admin/auth/user/add/")
    screenshot("csp-admin-form")
    assert violations() == []
