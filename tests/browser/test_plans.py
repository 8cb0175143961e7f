"""Improvement plans in a real browser: a manager starts 王芳's plan from her scorecard's
flagged month (Chinese, 1440 px), her mentor checks in, she reads it and replies on a phone
(English, 390 px); every plan page passes axe in both languages, and none is wider than a phone
at 390 px."""

import pytest
from playwright.sync_api import expect

from plans.services import coaching_note_add
from tests.browser import test_accessibility as axe
from tests.browser.conftest import save_shot, sign_in_on
from tests.clock import THIS_MONTH, months_ago
from tests.plans.factories import published_values

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FCR, RESPONSE = "first_contact_resolution", "order_response_time"


def _fits(page) -> None:
    """Nothing but the tables' own scrolling boxes is wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_plan_from_the_flagged_month_to_the_person_s_reply(live_server, org_chart, browse):
    person = org_chart["east_a"]
    published_values(person, {months_ago(1): {FCR: 55.0, RESPONSE: 6.0}}, flagged=True)
    coaching_note_add(
        user=org_chart["east_manager"].user,
        employee=person,
        day=THIS_MONTH.start,
        note="一对一：先回访重点客户，每周五复盘。",
    )
    base = live_server.url

    manager = browse("zh", 1440)
    sign_in_on(manager, base, "east_manager")
    manager.goto(f"{base}/people/{person.pk}/?period={months_ago(1).label}")
    manager.get_by_test_id("action-plan").click()
    expect(manager.get_by_test_id("flagged-month")).to_be_visible()
    manager.select_option("#id_mentor", label=f"李强 · {person.team.name}")
    manager.fill("#id_workload_note", "计划期间不分配新的重点客户。")
    manager.select_option("#id_indicator_0", label="首次解决率")
    manager.fill("#id_target_0", "70")
    manager.select_option("#id_indicator_1", label="订单响应时效")
    manager.fill("#id_target_1", "4")
    save_shot(manager, "plans-new-zh-1440")
    manager.get_by_test_id("start-plan").click()
    expect(manager.get_by_test_id("goal")).to_have_count(2)
    expect(manager.get_by_test_id("goal-verdict").first).to_have_text("未计量")
    expect(manager.get_by_test_id("goal").first).to_contain_text("70.0%")
    plan_url = manager.url
    save_shot(manager, "plans-detail-manager-zh-1440")

    mentor = browse("zh", 390)
    sign_in_on(mentor, base, "east_b")
    mentor.goto(plan_url)
    mentor.fill("#id_note", "本周一起回访了三家客户，首次解决有进步。")
    mentor.get_by_test_id("add-check-in").click()
    expect(mentor.get_by_test_id("check-in")).to_have_count(1)
    _fits(mentor)
    save_shot(mentor, "plans-detail-mentor-zh-390")

    me = browse("en", 390)
    sign_in_on(me, base, "east_a")
    me.goto(f"{base}/plans/")
    me.get_by_role("link", name="王芳").click()
    expect(me.get_by_role("heading", name="Your improvement plan")).to_be_visible()
    me.get_by_label("Your reply").fill("Thanks, I will call two more next week.")
    me.get_by_test_id("send-reply").click()
    expect(me.get_by_test_id("reply")).to_contain_text("two more")
    _fits(me)
    save_shot(me, "plans-detail-person-en-390")
    me.get_by_test_id("to-notes").click()
    expect(me.get_by_test_id("note")).to_have_count(1)
    _fits(me)
    save_shot(me, "plans-notes-person-en-390")

    wide = browse("en", 1440)
    sign_in_on(wide, base, "east_manager")
    wide.goto(plan_url)
    save_shot(wide, "plans-detail-manager-en-1440")
    wide.goto(f"{base}/plans/people/{person.pk}/notes/")
    save_shot(wide, "plans-notes-manager-en-1440")
    found = []
    for language in ("zh-hans", "en"):
        wide.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for path in (
            "/plans/",
            plan_url.removeprefix(base),
            f"/plans/new/{org_chart['east_b'].pk}/",
            f"/plans/people/{person.pk}/notes/",
        ):
            found += [f"({language}) {line}" for line in axe._audit(wide, base + path)]
    assert not found, "axe found critical or serious violations:\n" + "\n".join(found)
