"""In a real browser: an admin replays two past months with a draft in the weight lab, in Chinese
and English at 1440 and 390 px; the page fits the screen and passes axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, VIEWPORTS, save_shot, sign_in_on
from tests.browser.test_accessibility import _audit
from tests.weightlab.company import MONTHS, quality_draft_make, scored_company_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {"zh": "zh-hans", "en": "en"}


def test_an_admin_replays_a_draft_on_past_months(live_server, org_chart, browse):
    scored_company_make(org_chart)
    quality_draft_make(org_chart["admin"])
    for language in ("zh", "en"):
        for width in (1440, 390):
            page = browse(language, width)
            sign_in_on(page, live_server.url, "admin")
            page.goto(f"{live_server.url}/weight-lab/")
            form = page.get_by_test_id("lab-form")
            for month in MONTHS:
                form.locator(f"input[name=months][value='{month.label}']").check()
            form.get_by_test_id("lab-run").click()
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("lang") == LANGUAGES[language]
            if language == "en":  # the Chinese words come with the catalog the lead compiles
                expect(page.get_by_test_id("lab-movers").locator("h2")).to_have_text(
                    "People whose grade would move"
                )
            assert page.get_by_test_id("mover").count() >= 1
            expect(page.get_by_test_id("lab-outcomes")).to_be_visible()
            assert (
                page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[width]["width"]
            )
            save_shot(page, f"weight-lab-{language}-{width}")
            assert _audit(page, page.url) == []
    # Judgments edited on the page, unsaved: equal tiers replay as another draft would.
    judgments = page.get_by_test_id("lab-judgments")
    if judgments.get_attribute("open") is None:  # the audit unfolds every <details>
        judgments.locator("summary").click()
    tiers = page.locator("[data-testid=lab-matrix][data-matrix=tiers] select")
    for position in range(tiers.count()):
        tiers.nth(position).select_option("1")
    page.get_by_test_id("lab-run").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=lab-matrix][data-matrix=tiers]")).to_have_attribute(
        "data-edited", "1"
    )
    save_shot(page, "weight-lab-edited-en-390")
    judgments.screenshot(path=str(ARTIFACTS / "weight-lab-judgments-en-390.png"))
    assert _audit(page, page.url) == []
