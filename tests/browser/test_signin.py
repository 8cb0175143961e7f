"""In a real browser: a locked-out sign-in shows perf's message; the header leads to the password
page, and the new password signs in."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_locked_out_sign_in_shows_the_message(live_server, org_chart, page, screenshot):
    page.goto(f"{live_server.url}/login/")
    for _ in range(5):
        page.fill("#id_username", "east_a")
        page.fill("#id_password", "wrong")
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")
    page.fill("#id_password", "pw-for-tests")
    with page.expect_response(f"{live_server.url}/login/") as answer:
        page.click("button[type=submit].primary")
    assert answer.value.status == 429
    assert page.get_by_test_id("signin-locked").is_visible()
    assert page.input_value("#id_username") == "east_a"
    assert page.url == f"{live_server.url}/login/"
    screenshot("signin-locked")


def test_changing_the_password_from_the_header(live_server, org_chart, page, sign_in, screenshot):
    sign_in("east_a")
    page.get_by_test_id("nav-password").click()
    page.wait_for_load_state("networkidle")
    page.fill("#id_old_password", "pw-for-tests")
    page.fill("#id_new_password1", "Quiet-river-42")
    page.fill("#id_new_password2", "Quiet-river-42")
    screenshot("password-change")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/password/done/"
    assert page.get_by_test_id("password-changed").is_visible()

    page.locator("form[action='/logout/'] button").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "east_a")
    page.fill("#id_password", "Quiet-river-42")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/me/"
