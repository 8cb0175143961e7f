"""In a real browser, every role's main pages hold their layout in Chinese and in English, on a
desktop (1440×900) and on a phone (390×844): the page never scrolls sideways (only a deliberately
scrolling box such as the heatmap's may), the header is one row on a phone with its links behind
a menu, the heatmap's legend is in view, and no radar or trend label is cut off by its chart.
One browser context per role and language, the data seeded once for all; every page is
photographed to test-artifacts/layout-<role>-<lang>-<width>[-<page>].png."""

import pytest
from playwright.sync_api import expect

from appeals.services import appeal_create
from indicators.models import WeightScheme
from tests.browser.conftest import ARTIFACTS
from tests.clock import LAST_MONTH, stamp
from tests.dashboards.company import scored_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {1440: 900, 390: 844}
LANGUAGES = {"zh": "zh-CN", "en": "en"}
ROLES = {"merchandiser": "east_a", "manager": "east_manager", "hr": "hr", "admin": "admin"}

# Figures whose labels must fit their SVG: the radar's indicator names, the trend's periods.
FIGURE_LABELS = {"radar": ".angularaxistick text", "trend": ".xtick text"}


def _pages(role: str, people: dict, appeal_id: int, scheme_id: int) -> list[tuple[str, str]]:
    """(name, path) of the pages each role reaches; the first is their main page."""
    east_a, east_b = people["east_a"].pk, people["east_b"].pk
    period = f"?period={LAST_MONTH.label}"
    drilldown = f"/people/{east_a}/indicators/order_response_time/{period}"
    slow = people["records"]["slow"].pk
    new_appeal = f"/appeals/new/?record_type=order&record_id={slow}&field=confirmed_at"
    return {
        "merchandiser": [
            ("me", "/me/"),
            ("drilldown", drilldown),
            ("appeals", "/appeals/"),
            ("appeal", f"/appeals/{appeal_id}/"),
            ("appeal-new", new_appeal),
            ("manual", "/indicators/"),
        ],
        # Each page once: a member's scorecard (with its manager actions) is the manager's, the
        # drill-down and the manual the merchandiser's.
        "manager": [
            ("team", "/team/"),
            ("scorecard", f"/people/{east_b}/"),
            ("appeals", "/appeals/"),
        ],
        "hr": [
            ("company", "/hr/"),
            ("team", "/team/"),
            ("appeal", f"/appeals/{appeal_id}/"),
            ("sources", "/sources/"),
        ],
        "admin": [
            ("company", "/hr/"),
            ("schemes", "/indicators/schemes/"),
            ("scheme", f"/indicators/schemes/{scheme_id}/"),
        ],
    }[role]


def _sideways(page) -> list[str]:
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return [f"the page is {wide} px wide in a {window} px window"] if wide > window else []


def _header(page) -> list[str]:
    """On a phone the header is one row, the brand and the menu's button; the menu opens below
    it without making it taller or the page wider."""
    height = page.locator("header.topbar").bounding_box()["height"]
    if height > 60:
        return [f"the header is {height:.0f} px high"]
    toggle, link = page.get_by_test_id("menu-toggle"), page.locator("header .nav a").first
    expect(link).to_be_hidden()
    toggle.click()
    expect(link).to_be_visible()
    problems = _sideways(page)
    if page.locator("header.topbar").bounding_box()["height"] != height:
        problems.append("the open menu makes the header taller")
    toggle.click()
    expect(link).to_be_hidden()
    return problems


def _legend(page) -> list[str]:
    legend = page.get_by_test_id("heatmap-legend")
    legend.scroll_into_view_if_needed()
    box = legend.bounding_box()
    if box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]:
        return []
    return [f"the heatmap's legend spans {box['x']:.0f}–{box['x'] + box['width']:.0f} px"]


def _labels_cut(page, figure: str, selector: str) -> list[str]:
    """The labels Plotly drew for the figure that do not lie within the figure's SVG."""
    outside = page.get_by_test_id(figure).evaluate(
        """(gd, selector) => {
            const svg = gd.querySelector("svg.main-svg").getBoundingClientRect();
            return [...gd.querySelectorAll(selector)].filter(t => t.textContent).filter(t => {
                const box = t.getBoundingClientRect();
                return box.left < svg.left - 0.5 || box.right > svg.right + 0.5
                    || box.top < svg.top - 0.5 || box.bottom > svg.bottom + 0.5;
            }).map(t => t.textContent);
        }""",
        selector,
    )
    return [f"{figure} labels cut off: {', '.join(outside)}"] if outside else []


def _settle(page) -> None:
    """Wait until the page's figures are drawn."""
    for figure in page.locator("[data-figure]").all():
        expect(figure).to_have_attribute("data-drawn", "true")


def _problems(page, width: int) -> list[str]:
    problems = _sideways(page)
    for figure, selector in FIGURE_LABELS.items():
        if page.get_by_test_id(figure).count():
            problems += _labels_cut(page, figure, selector)
    if page.get_by_test_id("heatmap-legend").count():
        problems += _legend(page)
    if width == 390:
        problems += _header(page)
    return problems


def _sign_in(chromium, live_server, username: str, locale: str):
    context = chromium.new_context(locale=locale, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return context, page


def test_every_role_s_pages_hold_their_layout(live_server, org_chart, chromium):
    people = scored_company(org_chart)
    appeal = appeal_create(
        user=people["east_a"].user,
        record_type="order",
        record_id=people["records"]["slow"].pk,
        field_name="confirmed_at",
        claimed_value=stamp(12, 10),
        category="system_failure",
        description="ERP 宕机，客户下单后一小时已电话确认。",
    )
    scheme = WeightScheme.objects.order_by("pk").first()
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for role, username in ROLES.items():
        pages = _pages(role, people, appeal.pk, scheme.pk)
        for lang, locale in LANGUAGES.items():
            context, page = _sign_in(chromium, live_server, username, locale)
            try:
                for width, height in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    for index, (name, path) in enumerate(pages):
                        page.goto(f"{live_server.url}{path}")
                        _settle(page)
                        suffix = "" if index == 0 else f"-{name}"
                        shot = ARTIFACTS / f"layout-{role}-{lang}-{width}{suffix}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        where = f"{role} {lang} {width} {name}"
                        problems += [f"{where}: {text}" for text in _problems(page, width)]
            finally:
                context.close()
    assert not problems, "\n".join(problems)
