"""Playwright driving Debian's chromium against the live test server.

Skipped (with the reason) where chromium is missing; with PERF_REQUIRE_BROWSER=1, as in CI, a
missing browser fails the run instead.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORTS = {1440: {"width": 1440, "height": 900}, 390: {"width": 390, "height": 844}}
LOCALES = {"zh": "zh-CN", "en": "en-US"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures make are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("PERF_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing but PERF_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def open_menu(page) -> None:
    """Open the header's menu where it is collapsed (a phone), to reach its links and account;
    on a wider screen they are in the header already."""
    toggle = page.get_by_test_id("menu-toggle")
    if toggle.is_visible() and toggle.locator("xpath=..").get_attribute("open") is None:
        toggle.click()


@pytest.fixture
def screenshot(page):
    """Save the page as test-artifacts/<name>.png."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the login form as one of the org chart's users."""

    def as_user(username: str) -> None:
        sign_in_on(page, live_server.url, username)

    return as_user


@pytest.fixture
def browse(chromium, live_server):
    """Pages in a given language (``zh``/``en``) and width (1440/390), closed after the test."""
    contexts = []

    def open_page(language: str, width: int):
        context = chromium.new_context(locale=LOCALES[language], viewport=VIEWPORTS[width])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in_on(page, url: str, username: str) -> None:
    """Sign in through the login form of the live server at ``url``."""
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


def save_shot(page, name: str) -> None:
    """Save the whole page as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def pytest_collection_modifyitems(items):
    """Every test in this folder drives the browser: marked so, whether or not its module says so
    (CI's second pass, with the clock ahead, leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
