"""In a real browser: 王芳's scorecard shows her open month so far as a provisional card with its
as-of time, apart from her published results (their grade, never the card's), and her manager's
team page lists the team so far; in Chinese at 1440 and English at 390, nothing wider than the
screen and no critical or serious axe violation."""

import pytest
from playwright.sync_api import expect

from scoring.models import ScoreRun
from tests.browser.conftest import ARTIFACTS, save_shot, sign_in_on
from tests.browser.test_accessibility import _audit
from tests.clock import THIS_MONTH
from tests.dashboards.company import scored_company
from tests.dashboards.test_month_to_date import RUN_AT, _nightly, _this_month_so_far

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The nightly run's time (the 17th, 02:30 company time) as each language writes it.
AS_OF = {
    "zh": f"{THIS_MONTH.start.month:02d}月17日 02:30",
    "en": f"{RUN_AT:%B} 17 02:30",
}
PROVISIONAL = {"zh": "暂估", "en": "Provisional"}


@pytest.fixture
def so_far(org_chart, django_capture_on_commit_callbacks):
    people = scored_company(org_chart)
    _this_month_so_far(people)
    _nightly(django_capture_on_commit_callbacks)
    assert ScoreRun.objects.filter(period_start=THIS_MONTH.start, provisional=True).exists()
    return people


def _fits(page) -> None:
    """Nothing but the tables' own scrolling boxes is wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _apart(page, card: str, other: str) -> None:
    """The month-to-date card and the published results do not overlap on the screen."""
    first = page.get_by_test_id(card).bounding_box()
    second = page.locator(other).first.bounding_box()
    assert first and second
    assert (
        first["y"] + first["height"] <= second["y"] + 1
        or second["y"] + second["height"] <= first["y"] + 1
    ), (first, second)


@pytest.mark.usefixtures("so_far")
@pytest.mark.parametrize(("language", "width"), [("zh", 1440), ("en", 390)])
def test_the_month_so_far_is_provisional_with_its_as_of_time_apart_from_published_results(
    live_server, browse, language, width
):
    page = browse(language, width)
    sign_in_on(page, live_server.url, "east_a")
    page.goto(f"{live_server.url}/me/")
    card = page.get_by_test_id("month-to-date")
    expect(card).to_be_visible()
    expect(card.locator(".tag.provisional")).to_have_text(PROVISIONAL[language])
    expect(card.get_by_test_id("as-of")).to_contain_text(AS_OF[language])
    expect(card.get_by_test_id("total-so-far")).to_be_visible()
    # Worked by hand (tests.dashboards.test_month_to_date): four orders so far.
    orders = "4 单" if language == "zh" else "4 orders"
    expect(card.locator("[data-indicator=order_volume]")).to_contain_text(orders)
    # The card has no grade; the published month keeps its own, outside the card.
    expect(card.get_by_test_id("grade")).to_have_count(0)
    expect(page.get_by_test_id("grade").first).to_be_visible()
    _apart(page, "month-to-date", "[data-testid=grade]")
    _fits(page)
    save_shot(page, f"month-to-date-me-{language}-{width}")
    card.screenshot(path=str(ARTIFACTS / f"month-to-date-me-card-{language}-{width}.png"))
    assert _audit(page, page.url) == []

    manager = browse(language, width)
    sign_in_on(manager, live_server.url, "east_manager")
    manager.goto(f"{live_server.url}/team/")
    team = manager.get_by_test_id("team-month-to-date")
    expect(team).to_be_visible()
    expect(team.locator(".tag.provisional")).to_have_text(PROVISIONAL[language])
    expect(team.get_by_test_id("as-of")).to_contain_text(AS_OF[language])
    # 陈主管, 王芳 and 李强 (east), by employee number; not 刘洋 of the other team.
    expect(team.get_by_test_id("member-so-far")).to_have_count(3)
    expect(team).not_to_contain_text("刘洋")
    expect(team.locator(".grade")).to_have_count(0)
    _fits(manager)
    save_shot(manager, f"month-to-date-team-{language}-{width}")
    team.screenshot(path=str(ARTIFACTS / f"month-to-date-team-card-{language}-{width}.png"))
    assert _audit(manager, manager.url) == []
