"""In a real browser: a merchandiser writes her self-review, her manager reviews her beside her
scores of the cycle, and HR computes the results."""

import re

import pytest
from playwright.sync_api import expect

from reviews.models import CycleResult, Review
from tests.reviews.conftest import east_cycle_open, east_totals_publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_out(page) -> None:
    page.locator("form[action$='/logout/'] button").click()


def _rate(page, values: dict[str, int]) -> None:
    for code, value in values.items():
        page.locator(f"input[name=rating_{code}][value='{value}']").check()


def test_self_review_manager_review_beside_the_scores_and_results(
    live_server, org_chart, page, sign_in, screenshot
):
    cycle = east_cycle_open(org_chart)
    east_totals_publish(org_chart)

    sign_in("east_a")
    page.get_by_test_id("nav-reviews").click()
    page.get_by_role("link", name="2026 第三季度考核").click()
    page.get_by_test_id("write-review").click()
    page.wait_for_url(re.compile(r"/review/"))
    _rate(page, {"communication": 5, "teamwork": 5, "responsibility": 4})
    page.fill("textarea[name=comment]", "本季度主动承担了大客户的跟单工作。")
    screenshot("review-self-form")
    page.get_by_test_id("submit-review").click()
    expect(page.get_by_test_id("write-review")).to_have_count(0)  # submitted
    _log_out(page)

    sign_in("east_manager")
    page.goto(f"{live_server.url}/reviews/{cycle.pk}/review/{org_chart['east_a'].pk}/")
    summary = page.get_by_test_id("scorecard-summary")
    expect(summary).to_contain_text("85.00")  # (80 + 90 + 85) / 3
    expect(summary).to_contain_text("本季度主动承担了大客户的跟单工作。")
    _rate(page, {"communication": 4, "teamwork": 5, "responsibility": 3})
    screenshot("review-manager-form")
    page.get_by_test_id("submit-review").click()
    page.wait_for_url(re.compile(rf"/reviews/{cycle.pk}/$"))
    _log_out(page)

    sign_in("hr")
    page.goto(f"{live_server.url}/reviews/{cycle.pk}/")
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("results")).to_contain_text("82.00")
    screenshot("review-cycle-results")
    assert Review.objects.count() == 2
    assert CycleResult.objects.get(employee=org_chart["east_a"]).grade == "A"
