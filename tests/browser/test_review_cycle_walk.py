"""The whole review cycle in a real browser, every step through the pages (issue 21): HR opens a
quarter cycle for the east team from the default template; 王芳 finds her self-review among
her reminders and submits it; her manager notes a critical incident about one of her orders
from her scorecard, then reviews her beside her scores of the quarter and the incident; HR
computes the results, moves 王芳's grade with a written reason and closes the cycle; 王芳 reads
her result (the calibration in it) and acknowledges it; HR states the quarter's bonus pool,
computes it and exports the payroll sheet, which adds up to the pool. Once in Chinese on a wide
screen, once in English on a phone."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bonus.models import BonusLine
from org.models import Role
from reviews.models import CycleResult, CycleState, ReviewCycle, ReviewKind, ReviewState
from tests.browser.conftest import save_shot, sign_in_on
from tests.clock import THIS_MONTH
from tests.factories import CustomerFactory, EmployeeFactory, OrderFactory, UserFactory
from tests.reviews.conftest import MONTHS, east_totals_publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "承接两个重点客户的换季大货，交期零延误"
INCIDENT = "客户临时加单，主动协调工厂加班，按期出货"
INCIDENT_DAY = MONTHS[2].start.replace(day=12)


def _rate(page, value: int) -> None:
    """The same rating for every competency of the form (the default template's four)."""
    names = page.eval_on_selector_all(
        "input[type=radio][name^=rating_]", "inputs => [...new Set(inputs.map(i => i.name))]"
    )
    assert len(names) == 4, names
    for name in names:
        page.locator(f"input[name='{name}'][value='{value}']").check()


def _hr_opens_the_cycle(page, base: str) -> ReviewCycle:
    page.goto(f"{base}/reviews/")
    page.get_by_test_id("new-cycle").click()
    page.wait_for_url(re.compile(r"/reviews/new/$"))
    page.fill("input[name=name]", "2026 第三季度考核")
    page.select_option("select[name=kind]", "quarter")
    page.fill("input[name=first_month]", MONTHS[0].label)
    page.check("input[name=scope][value=teams]")
    page.get_by_label("华东跟单一组").check()
    page.fill("input[name=self_review_due]", f"{THIS_MONTH.start.replace(day=24):%Y-%m-%d}")
    page.fill("input[name=manager_review_due]", f"{THIS_MONTH.start.replace(day=28):%Y-%m-%d}")
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("open-cycle").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    cycle = ReviewCycle.objects.get()
    assert (cycle.state, cycle.kpi_weight) == (CycleState.OPEN, 0.7)
    return cycle


@pytest.mark.parametrize(("language", "width"), [("zh", 1440), ("en", 390)])
def test_a_review_cycle_from_opening_to_the_bonus_sheet(
    live_server, org_chart, browse, language, width
):
    base = live_server.url
    org_chart["east_c"] = EmployeeFactory(
        user=UserFactory(username="east_c", role=Role.MERCHANDISER.value),
        team=org_chart["teams"]["east"],
        name="张伟",
    )
    east_totals_publish(org_chart)  # 王芳 80 / 90 / 85: a KPI part of 85.00
    OrderFactory(
        merchandiser=org_chart["east_a"],
        customer=CustomerFactory(name="华东贸易"),
        external_id="SO-2026-0912",
    )
    shot = f"cycle-walk-{language}-{width}"

    hr = browse(language, width)
    sign_in_on(hr, base, "hr")
    cycle = _hr_opens_the_cycle(hr, base)
    save_shot(hr, f"{shot}-1-opened")

    me = browse(language, width)
    sign_in_on(me, base, "east_a")
    me.goto(f"{base}/me/")
    reminder = me.get_by_test_id("reminder")
    expect(reminder).to_contain_text("2026 第三季度考核")
    reminder.get_by_role("link").click()
    me.wait_for_url(re.compile(rf"/reviews/{cycle.pk}/review/{org_chart['east_a'].pk}/$"))
    _rate(me, 5)
    me.fill("textarea[name=comment]", "本季度主动承担了大客户的跟单工作。")
    save_shot(me, f"{shot}-2-self-review")
    me.get_by_test_id("submit-review").click()
    me.wait_for_load_state("networkidle")

    boss = browse(language, width)
    sign_in_on(boss, base, "east_manager")
    boss.goto(f"{base}/people/{org_chart['east_a'].pk}/")
    boss.get_by_test_id("action-incidents").click()
    boss.wait_for_url(re.compile(rf"/reviews/people/{org_chart['east_a'].pk}/incidents/$"))
    boss.fill("input[name=day]", f"{INCIDENT_DAY:%Y-%m-%d}")
    boss.fill("textarea[name=note]", INCIDENT)
    boss.select_option("select[name=record_type]", "order")
    boss.fill("input[name=record_number]", "SO-2026-0912")
    boss.get_by_test_id("add-incident").click()
    expect(boss.get_by_test_id("incident-record")).to_contain_text("SO-2026-0912 · 华东贸易")
    save_shot(boss, f"{shot}-3-incident")
    boss.goto(f"{base}/people/{org_chart['east_a'].pk}/")
    boss.get_by_test_id("action-review").click()
    boss.wait_for_url(re.compile(rf"/reviews/{cycle.pk}/review/{org_chart['east_a'].pk}/$"))
    summary = boss.get_by_test_id("scorecard-summary")
    expect(summary.get_by_test_id("summary-incidents")).to_contain_text(INCIDENT)
    expect(summary.get_by_test_id("summary-month")).to_have_count(3)
    expect(summary).to_contain_text("85.0")  # (80 + 90 + 85) / 3, beside the form
    expect(summary).to_contain_text("本季度主动承担了大客户的跟单工作。")  # her self-review
    _rate(boss, 4)
    boss.fill("textarea[name=comment]", "沟通及时，交期把控稳定。")
    save_shot(boss, f"{shot}-4-manager-review")
    boss.get_by_test_id("submit-review").click()
    boss.wait_for_url(re.compile(rf"/reviews/{cycle.pk}/$"))
    assert cycle.reviews.filter(state=ReviewState.SUBMITTED).count() == 2

    hr.goto(f"{base}/reviews/{cycle.pk}/")
    hr.get_by_test_id("compute").click()
    hr.wait_for_load_state("networkidle")
    result = CycleResult.objects.get(cycle=cycle, employee=org_chart["east_a"])
    # 0.7 × 85.00 + 0.3 × 75.00 (every competency rated 4 of 5 by the manager) = 82.00: an A.
    assert (result.kpi_part, result.qualitative_part, result.final) == (85.0, 75.0, 82.0)
    assert result.grade == "A"
    hr.get_by_test_id("to-calibration").first.click()
    hr.wait_for_url(re.compile(r"/calibration/$"))
    row = hr.locator(f"#result-{result.pk}")
    row.locator("summary").click()
    row.locator("select").select_option("S")
    row.locator("textarea").fill(REASON)
    save_shot(hr, f"{shot}-5-calibration")
    row.get_by_test_id("move-grade").click()
    hr.wait_for_load_state("networkidle")
    expect(hr.locator(f"#result-{result.pk} [data-testid=grade-shown]")).to_contain_text("S")
    hr.goto(f"{base}/reviews/{cycle.pk}/")
    hr.get_by_test_id("close").click()
    hr.wait_for_load_state("networkidle")
    expect(hr.get_by_test_id("unacknowledged-count")).to_be_visible()

    me.goto(f"{base}/reviews/")
    notice = me.get_by_test_id("to-acknowledge")
    notice.get_by_role("link").first.click()
    me.wait_for_url(re.compile(rf"/reviews/results/{result.pk}/$"))
    expect(me.get_by_test_id("final-explanation")).to_contain_text("0.7 × KPI 85.00")
    expect(me.get_by_test_id("grade-shown")).to_contain_text("S")
    expect(me.get_by_test_id("calibration-move")).to_contain_text(REASON)
    me.locator("textarea[name=comment]").fill("认可，下季度继续提升交付准时率。")
    me.get_by_test_id("acknowledge").click()
    expect(me.get_by_test_id("acknowledged")).to_be_visible()
    save_shot(me, f"{shot}-6-acknowledged")

    hr.goto(f"{base}/reviews/{cycle.pk}/")
    hr.get_by_test_id("bonus-link").get_by_role("link").first.click()
    hr.get_by_test_id("new-pool").click()
    hr.fill("#id_name", "2026 Q3 奖金池")
    hr.fill("#id_amount", "100000.00")
    hr.get_by_test_id("save-pool").click()
    hr.get_by_test_id("compute-pool").click()
    expect(hr.get_by_test_id("sheet")).to_contain_text("王芳")
    save_shot(hr, f"{shot}-7-bonus-sheet")
    with hr.expect_download() as download:
        hr.get_by_test_id("export-pool").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    people = [row for row in rows[1:-1] if row[0]]
    assert {row[1] for row in people} == {"陈主管", "王芳", "李强", "张伟"}
    paid = BonusLine.objects.filter(pool__cycle=cycle).values_list("bonus", flat=True)
    assert sum(paid) == Decimal("100000.00")
    assert rows[-1][8] == pytest.approx(100000.00)  # the totals row
    assert me.evaluate("document.documentElement.scrollWidth") <= width
    assert result.history.filter(calibrated_grade="S").exists()
    assert cycle.reviews.filter(kind=ReviewKind.MANAGER).count() == 1
