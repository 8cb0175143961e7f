"""In a real browser, in Chinese and English, on a wide screen and a phone: HR sets a review
cycle up from the default template (edits one weight, leaves the rest as it comes) and opens
it; the set-up page passes the axe audit; the merchandiser then finds her self-review among
the reviews to write where she lands."""

import re

import pytest
from playwright.sync_api import expect

from reviews.models import CycleState, ReviewCycle
from tests.browser.conftest import ARTIFACTS, LOCALES, VIEWPORTS, save_shot, sign_in_on
from tests.browser.test_accessibility import _audit
from tests.clock import THIS_MONTH
from tests.reviews.conftest import MONTHS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("language", list(LOCALES))
def test_hr_opens_a_cycle_from_the_default_template(
    live_server, org_chart, browse, language, width
):
    page = browse(language, width)
    sign_in_on(page, live_server.url, "hr")
    page.goto(f"{live_server.url}/reviews/")
    page.get_by_test_id("new-cycle").click()
    page.wait_for_url(re.compile(r"/reviews/new/$"))
    assert not _audit(page, page.url)
    page.goto(page.url)  # the audit unfolded every anchor; the page comes folded
    page.fill("input[name=name]", "2026 第三季度考核")
    page.select_option("select[name=kind]", "quarter")
    page.fill("input[name=first_month]", MONTHS[0].label)
    page.check("input[name=scope][value=teams]")
    page.get_by_label("华东跟单一组").check()
    page.fill("input[name=self_review_due]", f"{THIS_MONTH.start.replace(day=24):%Y-%m-%d}")
    page.fill("input[name=manager_review_due]", f"{THIS_MONTH.start.replace(day=28):%Y-%m-%d}")
    page.fill("input[name=kpi_weight]", "0.6")
    senior = page.get_by_test_id("level-senior")
    senior.locator("input[name='senior-0-weight']").fill("0.4")
    expect(senior.get_by_test_id("competency-setup")).to_have_count(5)  # 4 defaults + 1 blank
    page.screenshot(path=str(ARTIFACTS / f"review-setup-top-{language}-{width}.png"))
    save_shot(page, f"review-setup-{language}-{width}")
    # A full-page shot on a phone swallows the next tap: a fresh look at the page first.
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("open-cycle").hover()
    page.get_by_test_id("open-cycle").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    expect(page.get_by_test_id("cycle-state")).to_have_text(
        "Open for reviews" if language == "en" else re.compile(r"\S")
    )
    expect(page.get_by_test_id("completion")).to_be_visible()
    save_shot(page, f"review-setup-opened-{language}-{width}")
    cycle = ReviewCycle.objects.get()
    assert (cycle.state, cycle.kpi_weight) == (CycleState.OPEN, 0.6)
    weights = cycle.templates.get(level="senior").competencies.values_list("weight", flat=True)
    assert list(weights) == [0.4, 0.25, 0.25, 0.2]

    page.context.clear_cookies()
    sign_in_on(page, live_server.url, "east_a")
    page.goto(f"{live_server.url}/me/")
    reminder = page.get_by_test_id("reminder")
    expect(reminder).to_have_count(1)
    expect(reminder).to_contain_text("2026 第三季度考核")
    save_shot(page, f"review-reminder-me-{language}-{width}")
    reminder.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/review/\d+/$"))
    expect(page.get_by_test_id("competency")).to_have_count(4)
