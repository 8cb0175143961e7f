"""In a real browser: HR states the cycle's bonus pool through the form, computes it and reads
each person's arithmetic, exports the payroll sheet; a merchandiser reads her own bonus once the
cycle is closed. Each page in both languages at 1440 and 390 px, audited by axe (WCAG A/AA)."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.bonus.conftest import close, issue_cycle
from tests.browser.conftest import LOCALES, VIEWPORTS, save_shot, sign_in_on
from tests.browser.test_accessibility import _audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_states_computes_and_exports_a_pool_and_she_reads_her_bonus(
    live_server, org_chart, browse
):
    cycle = issue_cycle(org_chart)
    base = live_server.url
    found: list[str] = []

    page = browse("zh", 1440)
    sign_in_on(page, base, "hr")
    page.goto(f"{base}/reviews/{cycle.pk}/")
    page.get_by_test_id("bonus-link").get_by_role("link").click()
    page.get_by_test_id("new-pool").click()
    page.fill("#id_name", "2026 Q3 奖金池")
    page.get_by_label("华东跟单一组").check()
    page.fill("#id_amount", "100000.00")
    found += [f"(zh form) {line}" for line in _audit(page, page.url)]
    save_shot(page, "bonus-pool-form-zh-1440")
    page.fill("#id_name", "2026 Q3 奖金池")
    page.get_by_label("华东跟单一组").check()
    page.fill("#id_amount", "100000.00")
    page.get_by_test_id("save-pool").click()
    page.get_by_test_id("compute-pool").click()
    expect(page.get_by_test_id("sheet-total")).to_contain_text("100,000.00")
    expect(page.get_by_test_id("sheet")).to_contain_text("24,606.70")
    with page.expect_download() as download:
        page.get_by_test_id("export-pool").click()
    rows = list(
        load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert rows[-1][8] == pytest.approx(100000.00)
    pool_url = page.url

    for language in LOCALES:
        for width in VIEWPORTS:
            view = browse(language, width)
            sign_in_on(view, base, "hr")
            found += [f"({language} {width}) {line}" for line in _audit(view, pool_url)]
            save_shot(view, f"bonus-sheet-{language}-{width}")

    close(cycle)
    for language in LOCALES:
        for width in VIEWPORTS:
            view = browse(language, width)
            sign_in_on(view, base, "east_a")
            found += [
                f"({language} {width}) {line}" for line in _audit(view, f"{base}/bonus/mine/")
            ]
            expect(view.get_by_test_id("my-line")).to_have_count(1)
            save_shot(view, f"bonus-mine-{language}-{width}")
    assert not found, "axe found critical or serious violations:\n" + "\n".join(found)
