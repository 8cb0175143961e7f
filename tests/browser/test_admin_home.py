"""In a real browser, in both languages, on a desktop and a phone: the admin signs in and lands
on the admin home, reaches the weight editor from it, comes back by the header link, and goes
to the Django admin and back by its "View site" link (issue 19, admin home)."""

import re

import pytest
from playwright.sync_api import expect

from ingest.models import Source
from ingest.sources import source_schedule_set
from perf.beat import Scheduler
from perf.celery import app
from tests.browser.conftest import open_menu, save_shot, sign_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a screen must not show: a stored task key, a crontab, a two-language seed name.
RAW = re.compile(r"sync source|\* \* \*|默认方案 Default|perf 默认 default|[a-z]+_[a-z_]+")


@pytest.fixture
def company(org_chart):
    """Two scheduled sources and the periodic tasks beat declares when it starts."""
    for name, kind, crontab in [
        ("crm", "file", {"minute": "15", "hour": "1"}),
        ("erp", "sql", {"minute": "5"}),
    ]:
        source_schedule_set(source=Source.objects.create(name=name, kind=kind), crontab=crontab)
    Scheduler(app=app)
    return org_chart


def _visible_text(page) -> str:
    return page.locator("main").inner_text()


@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_admin_lands_on_the_admin_home_reaches_the_weights_and_comes_back(
    live_server,
    company,
    browse,
    language,
    width,
):
    words = {
        "zh": {"title": "系统管理", "crm": "每天 01:15 同步数据源「crm」", "weights": "权重方案"},
        "en": {
            "title": "Administration",
            "crm": "Sync data source “crm” daily at 01:15",
            "weights": "Weight schemes",
        },
    }[language]
    tag = f"{language}-{width}"
    page = browse(language, width)
    sign_in_on(page, live_server.url, "admin")
    home = f"{live_server.url}/manage/"
    assert page.url == home
    expect(page.locator("h1")).to_have_text(words["title"])
    expect(page.get_by_test_id("schedule").filter(has_text=words["crm"])).to_have_count(1)
    text = _visible_text(page)
    assert not RAW.search(text), RAW.search(text)
    # Nothing runs off the side of a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_shot(page, f"admin-home-{tag}")

    page.get_by_test_id("open-weights").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/indicators/schemes/"
    expect(page.locator("h1")).to_have_text(words["weights"])
    expect(page.get_by_test_id("scheme-row")).to_have_count(3)
    text = _visible_text(page)
    assert not RAW.search(text), RAW.search(text)
    save_shot(page, f"admin-home-weights-{tag}")

    open_menu(page)  # on a phone the header's links are behind the menu
    page.get_by_test_id("nav-admin-home").click()
    page.wait_for_load_state("networkidle")
    assert page.url == home

    page.get_by_test_id("open-django-admin").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/admin/"
    expect(page.get_by_test_id("language-switcher")).to_be_visible()
    save_shot(page, f"admin-home-django-admin-{tag}")
    page.locator("#user-tools a[href='/manage/']").click()
    page.wait_for_load_state("networkidle")
    assert page.url == home
