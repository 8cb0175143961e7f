"""In a real browser, in both languages at both widths: HR opens the quarter's calibration, reads
the distribution and the 9-box, moves 王芳's grade from A to S with a reason; the cycle closes;
王芳 finds the result flagged on her reviews page, reads its arithmetic and the calibration,
and acknowledges it with a comment. Both pages pass the axe audit (no critical or serious
violation)."""

import re

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from reviews.models import CycleResult, ReviewKind
from reviews.services import cycle_close, cycle_results_compute, review_submit
from tests.browser.conftest import LOCALES, VIEWPORTS, save_shot, sign_in_on
from tests.browser.test_accessibility import FAILING, RUN, TAGS
from tests.reviews.conftest import east_cycle_open, east_totals_publish, rated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe(page) -> list[str]:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.evaluate(AXE_SCRIPT)
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) "
        + ", ".join(violation["nodes"][:5])
        for violation in page.evaluate(RUN, TAGS)
        if violation["impact"] in FAILING
    ]


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("language", list(LOCALES))
def test_hr_calibrates_one_grade_and_the_employee_acknowledges(
    live_server, org_chart, browse, language, width
):
    cycle = east_cycle_open(org_chart)
    east_totals_publish(org_chart)
    review_submit(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.MANAGER,
        ratings=rated(4, 5, 3),
    )
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    result = CycleResult.objects.get(employee=org_chart["east_a"])
    shot = f"calibration-{language}-{width}"
    violations = []

    hr = browse(language, width)
    sign_in_on(hr, live_server.url, "hr")
    hr.goto(f"{live_server.url}/reviews/{cycle.pk}/")
    hr.get_by_test_id("to-calibration").first.click()
    hr.wait_for_url(re.compile(r"/calibration/$"))
    expect(hr.get_by_test_id("distribution-row")).to_have_count(2)
    expect(hr.get_by_test_id("over")).to_have_count(2)  # 李强's S over a target of 0
    expect(hr.locator("[data-box=middle-improving]")).to_contain_text("王芳")
    save_shot(hr, f"{shot}-board")
    violations += _axe(hr)
    hr.reload()

    row = hr.locator(f"#result-{result.pk}")
    row.locator("summary").click()
    row.locator("select").select_option("S")
    row.locator("textarea").fill("本季度承接两个重点客户，超额完成")
    save_shot(hr, f"{shot}-move")
    row.get_by_test_id("move-grade").click()
    hr.wait_for_load_state("networkidle")
    expect(hr.locator(f"#result-{result.pk} [data-testid=grade-shown]")).to_contain_text("S")
    result.refresh_from_db()
    assert result.calibrated_grade == "S"

    cycle_close(user=org_chart["hr"].user, cycle=cycle)

    me = browse(language, width)
    sign_in_on(me, live_server.url, "east_a")
    me.goto(f"{live_server.url}/reviews/")
    notice = me.get_by_test_id("to-acknowledge")
    expect(notice).to_be_visible()
    notice.get_by_role("link").click()
    me.wait_for_url(re.compile(rf"/reviews/results/{result.pk}/$"))
    expect(me.get_by_test_id("final-explanation")).to_contain_text("0.7 × KPI 85.00")
    expect(me.get_by_test_id("calibration-move")).to_contain_text("本季度承接两个重点客户")
    expect(me.get_by_test_id("grade-shown")).to_contain_text("S")
    violations += _axe(me)
    me.reload()
    me.locator("textarea[name=comment]").fill("认可，下季度继续提升交付准时率。")
    save_shot(me, f"{shot}-result")
    me.get_by_test_id("acknowledge").click()
    expect(me.get_by_test_id("acknowledged")).to_be_visible()
    save_shot(me, f"{shot}-acknowledged")
    result.refresh_from_db()
    assert result.acknowledged_at is not None
    assert me.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[width]["width"]
    assert not violations, "\n".join(violations)
