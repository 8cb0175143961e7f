"""In a real browser: the weight editor recomputes weights and CR as judgments change, and the
indicator manual reads well in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from tests.clock import months_ahead

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_weight_editor_recomputes_cr_live_and_warns(
    live_server, org_chart, page, sign_in, screenshot
):
    sign_in("admin")
    page.goto(f"{live_server.url}/indicators/schemes/")
    assert page.get_by_test_id("scheme-row").count() == 3
    form = page.get_by_test_id("new-draft")
    form.locator("select[name=level]").select_option("senior")
    form.locator("input[name=effective_from]").fill(months_ahead(1).start.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/indicators/schemes/\d+/$", page.url)
    expect(page.get_by_test_id("scheme-status")).to_have_text("草稿")

    tiers = page.get_by_test_id("matrix-tiers")
    cr = tiers.locator("[data-cr]")
    revise = tiers.locator("[data-revise]")
    before = cr.inner_text()
    expect(revise).to_be_hidden()
    # Basic ≫ efficiency ≫ quality, yet quality ≫ basic: the editor flags it without saving.
    tiers.locator("select[name=cell-0-1]").select_option("9")
    tiers.locator("select[name=cell-1-2]").select_option("9")
    tiers.locator("select[name=cell-0-2]").select_option("1/9")
    expect(revise).to_be_visible()
    expect(revise).to_contain_text("不一致")
    expect(tiers.locator("[data-consistency]")).to_have_text("不一致")
    assert cr.inner_text() != before
    assert float(cr.inner_text()) >= 0.10
    screenshot("weight-editor-inconsistent")

    # Back to a coherent order: the warning goes away at once.
    tiers.locator("select[name=cell-1-2]").select_option("1")
    tiers.locator("select[name=cell-0-2]").select_option("1")
    tiers.locator("select[name=cell-0-1]").select_option("1")
    expect(revise).to_be_hidden()
    expect(tiers.locator("[data-consistency]")).to_have_text("一致")


def test_merchandiser_reads_the_indicator_manual(org_chart, page, sign_in, screenshot):
    sign_in("east_a")
    page.get_by_role("link", name="指标解释手册").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("manual-indicator")).to_have_count(17)
    expect(page.locator("#order_response_time")).to_contain_text("客户点击提交")
    screenshot("indicator-manual")
