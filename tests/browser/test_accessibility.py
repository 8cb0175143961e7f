"""In a real browser, axe-core (WCAG 2.0 and 2.1, levels A and AA) audits each role's main pages
once their charts are drawn: no critical and no serious violation (issue 19).

axe-core comes from the ``axe-playwright-python`` dev dependency, which ships axe.min.js; it is
evaluated through the DevTools protocol, which the page's Content Security Policy does not
govern, so the pages are audited as they are served."""

import re

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.urls import reverse
from playwright.sync_api import expect

from appeals.services import appeal_create
from indicators.models import WeightScheme
from tests.acting_on_scores import acting_on_scores
from tests.browser.conftest import ARTIFACTS
from tests.clock import LAST_MONTH
from tests.dashboards.company import scored_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("zh-hans", "en")
# Every page is audited in Chinese; these in English too, where longer words change the layout
# (the audit of both for every page would take twice as long).
IN_ENGLISH_TOO = (
    "/me/",
    "/team/",
    "/hr/",
    "/appeals/",
    "/indicators/schemes/",
    "/today/",
    "/plans/",
    "/weight-lab/",
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = ("critical", "serious")
# Every rule axe breaks with its impact, the selectors of the elements and why, one a line.
RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def _audit(page, url: str) -> list[str]:
    page.goto(url)
    # Charts are audited drawn: Plotly's SVG is part of what a reader meets.
    page.wait_for_function(
        "[...document.querySelectorAll('[data-figure]')].every(e => e.dataset.drawn === 'true')"
    )
    # The charts' data tables are audited unfolded.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return [
        f"{url}: {violation['id']} ({violation['impact']}: {violation['help']}) "
        + ", ".join(violation["nodes"][:8])
        for violation in page.evaluate(RUN, TAGS)
        if violation["impact"] in FAILING
    ]


def _heatmap_by_keyboard(page, base: str) -> None:
    """A keyboard opens the heatmap's table and follows a cell to its drill-down."""
    page.goto(f"{base}/team/")
    page.focus("details[data-chart=heatmap] summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    # In English: "陈主管 · Order volume: 25.0 pts".
    assert re.fullmatch(r"\S+ · [^:]+: \d+\.\d pts", focused), focused
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "a11y-heatmap-table.png"), full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/people/\d+/indicators/\w+/"))
    expect(page.get_by_test_id("drilldown-title")).to_be_visible()


def _signed_in(chromium, base: str, username: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    return context, page


def _speak(context, base: str, language: str) -> None:
    """Pages in ``language`` from now on (Django's language cookie, as the switcher sets)."""
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])


def _pages(people: dict) -> dict[str, list[str]]:
    """Each role's main pages, as paths (in Chinese; those marked ``EN`` in English too)."""
    me, colleague = people["east_a"], people["east_b"]
    late = people["records"]["late_node"]
    period = f"?period={LAST_MONTH}"
    appeal = appeal_create(
        user=me.user,
        record_type="order",
        record_id=people["records"]["slow"].pk,
        field_name="entry_errors",
        claimed_value="0",
        category="system_failure",
        description="ERP 宕机，已电话确认。",
    )
    scheme = WeightScheme.objects.order_by("pk").first()
    acting_on_scores(people)
    plan = reverse("plans:detail", args=[people["plan"].pk])
    acting = ["/today/", "/plans/", plan]
    return {
        "east_a": [
            "/me/",
            f"/people/{me.pk}/indicators/order_response_time/{period}",
            f"/people/{me.pk}/indicators/node_on_time_rate/{period}",
            "/appeals/",
            f"/appeals/{appeal.pk}/",
            f"/appeals/new/?record_type=order_node&record_id={late.pk}&field=completed_at",
            "/indicators/",
            *acting,
            people["incidents_page"],
        ],
        "east_manager": [
            "/team/",
            f"/people/{colleague.pk}/{period}",
            "/appeals/",
            *acting,
            people["notes_page"],
            people["incidents_page"],
            people["new_plan_page"],
        ],
        "hr": [
            "/hr/",
            "/team/",
            f"/appeals/{appeal.pk}/",
            "/sources/",
            "/people/import/",
            "/scoring/runs/",
            *acting,
        ],
        "admin": [
            "/indicators/schemes/",
            f"/indicators/schemes/{scheme.pk}/",
            "/sources/",
            "/today/",
            "/plans/",
            *people["lab_pages"],
        ],
    }


def test_every_roles_pages_pass_axe_wcag_a_and_aa(live_server, org_chart, chromium):
    pages = _pages(scored_company(org_chart))
    found: list[str] = []
    base = live_server.url
    context = chromium.new_context()
    page = context.new_page()
    for language in LANGUAGES:
        _speak(context, base, language)
        found += _audit(page, f"{base}/login/")
    context.close()
    for username, paths in pages.items():
        context, page = _signed_in(chromium, base, username)
        for language in LANGUAGES:
            _speak(context, base, language)
            if username == "east_manager" and language == "en":
                _heatmap_by_keyboard(page, base)
            for path in paths:
                if language == LANGUAGES[0] or path.startswith(IN_ENGLISH_TOO):
                    found += [f"({language}) {line}" for line in _audit(page, base + path)]
        context.close()
    assert not found, "axe found critical or serious violations:\n" + "\n".join(found)
