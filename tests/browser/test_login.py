"""In a real browser: each role signs in and lands where it works; the language switch works."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

LANDING = [
    ("east_a", "/me/", "王芳", "跟单员"),
    ("east_manager", "/team/", "陈主管", "主管"),
    ("hr", "/hr/", "周人事", "人事"),
    ("admin", "/manage/", "系统管理员", "管理员"),
]


@pytest.mark.parametrize(("who", "landing", "name", "role"), LANDING)
def test_each_role_signs_in_and_lands_on_its_page(
    live_server, org_chart, page, sign_in, screenshot, who, landing, name, role
):
    sign_in(who)
    assert page.url == f"{live_server.url}{landing}"
    if name:
        assert page.get_by_test_id("viewer-name").inner_text() == name
        assert page.get_by_test_id("viewer-role").inner_text() == role
    screenshot(f"landing-{who}")


def test_language_switch_changes_the_page(org_chart, page, sign_in, screenshot):
    sign_in("east_manager")
    assert page.get_by_test_id("viewer-role").inner_text() == "主管"
    page.get_by_test_id("language-switcher").locator("button[value=en]").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/team/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("viewer-role").inner_text() == "Manager"
    screenshot("team-en")
