"""In a real browser: once HR approved an appeal, the merchandiser finds the corrected record
again by typing its order number in the drill-down's search, past the first page, with the
corrected time and no longer marked late (issue 19, acceptance)."""

import datetime as dt
import re

import pytest
from django.utils.timezone import localtime
from playwright.sync_api import expect

from appeals.services import appeal_create, appeal_transition
from dashboards.drilldowns import PAGE_SIZE
from ingest.ledger import ledger_adopt
from tests.browser.conftest import LOCALES, VIEWPORTS, save_shot, sign_in_on
from tests.dashboards.company import LAST_MONTH, scored_company
from tests.dashboards.test_drilldown_paging import NODE_ORDERS, _nodes_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_record_an_appeal_corrected_is_found_by_its_order_number(
    live_server, org_chart, chromium, language, width, django_capture_on_commit_callbacks
):
    people = scored_company(org_chart)
    _nodes_for(people["east_a"], "SO-NODE")  # two pages: the late node is not alone
    assert NODE_ORDERS * 8 > PAGE_SIZE
    late = people["records"]["late_node"]
    order_number = late.order.external_id
    corrected = localtime(late.due_at) - dt.timedelta(hours=1)
    ledger_adopt(actor="test")  # the records as loaded before the ledger
    appeal = appeal_create(
        user=people["east_a"].user,
        record_type="order_node",
        record_id=late.pk,
        field_name="completed_at",
        claimed_value=f"{corrected:%Y-%m-%d %H:%M}",
        category="system_failure",
        description="ERP 宕机，节点按时完成。",
    )
    appeal_transition(appeal=appeal, user=people["east_a"].user, action="submit")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_transition(appeal=appeal, user=people["hr"].user, action="approve", reason="OK")

    context = chromium.new_context(locale=LOCALES[language], viewport=VIEWPORTS[width])
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in_on(page, live_server.url, "east_a")
        page.goto(
            f"{live_server.url}/people/{people['east_a'].pk}/indicators/node_on_time_rate/"
            f"?period={LAST_MONTH.label}"
        )
        record = page.locator(f"[data-testid=record-row][data-record-id='{late.pk}']")
        # On time now: no longer among the late nodes the first page lists.
        expect(page.get_by_test_id("pager")).to_be_visible()
        expect(record).to_have_count(0)
        search = page.get_by_test_id("drilldown-search")
        search.locator("input[name=q]").fill(order_number.lower())
        search.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"[?&]q="))
        expect(record).to_have_count(1)
        expect(record).to_contain_text(f"{corrected:%Y-%m-%d %H:%M}")
        expect(record).not_to_have_class(re.compile("flagged"))
        expect(page.get_by_test_id("record-row")).to_have_count(1)  # its order has one node
        save_shot(page, f"corrected-record-found-{language}-{width}")
    finally:
        context.close()
