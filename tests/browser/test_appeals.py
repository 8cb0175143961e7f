"""In a real browser: a merchandiser appeals a record from their scorecard, HR approves it, and
the scorecard shows the corrected value."""

import re

import pytest
from playwright.sync_api import expect

from appeals.models import Appeal, AppealState
from tests.clock import stamp
from tests.dashboards.company import scored_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_merchandiser_files_from_the_scorecard_and_hr_approves(
    live_server, org_chart, page, sign_in, screenshot
):
    people = scored_company(org_chart)
    slow = people["records"]["slow"]
    sign_in("east_a")
    row = page.locator("[data-testid=indicator-row][data-indicator=order_response_time]")
    before = row.locator("td").nth(1).inner_text()
    row.locator("a[data-testid=drilldown-link]").click()
    page.wait_for_url(re.compile(r"/indicators/order_response_time/"))
    record = page.locator(f"[data-testid=record-row][data-record-id='{slow.pk}']")
    record.get_by_test_id("appeal-this").click()
    page.wait_for_url(re.compile(r"/appeals/new/"))
    page.fill("#id_claimed_value", stamp(12, 10).replace(" ", "T"))
    page.select_option("#id_category", "system_failure")
    page.fill("#id_description", "ERP 宕机，客户下单后一小时已电话确认。")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("appeal-state")).to_have_text("草稿")
    page.locator("button[data-action=submit]").click()
    expect(page.get_by_test_id("appeal-state")).to_have_text("已提交")
    appeal = Appeal.objects.get()
    screenshot("appeal-submitted")

    page.locator("form[action$='/logout/'] button").click()
    sign_in("hr")
    page.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    page.locator("button[data-action=review]").click()
    expect(page.get_by_test_id("appeal-state")).to_have_text("审核中")
    page.fill("textarea[name=reason]", "ERP 日志证实当时宕机。")
    page.locator("button[data-action=approve]").click()
    expect(page.get_by_test_id("appeal-state")).to_have_text("已批准")
    assert Appeal.objects.get().state == AppealState.APPROVED
    screenshot("appeal-approved")

    page.locator("form[action$='/logout/'] button").click()
    sign_in("east_a")
    row = page.locator("[data-testid=indicator-row][data-indicator=order_response_time]")
    expect(row.get_by_test_id("corrected-by")).to_have_attribute("data-appeal", str(appeal.pk))
    assert row.locator("td").nth(1).inner_text() != before
    screenshot("appeal-corrected-scorecard")
