"""What a phone on a slow network downloads for `/me/` and `/team/` on a first visit, served as
in production, and how long it waits for the charts.

Chromium is throttled through the DevTools protocol: 150 ms latency, 1.6 Mbit/s down,
750 kbit/s up, the CPU slowed 4x, a 390 px wide viewport. The bytes on the wire are what
Chromium received for the page and everything it loaded (headers included, bodies as sent), from
an empty cache. The time to charts (from the start of the navigation until every figure on the
page is drawn) is printed (`pytest -s`), not asserted: timing belongs to `manage.py bench`.

pytest-django's `live_server` serves static files itself, uncompressed and from the source
folders; here a server thread of our own runs the whole middleware stack, so WhiteNoise serves a
collectstatic of our static files through CompressedManifestStaticFilesStorage (hashed names,
precompressed variants) and pages go through GZipMiddleware, as under gunicorn in production.
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings

from tests.dashboards.company import scored_company

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

FIRST_VISIT_LIMIT = 500_000  # bytes
NETWORK = {
    "offline": False,
    "latency": 150,  # ms
    "downloadThroughput": 1_600_000 / 8,  # bytes per second
    "uploadThroughput": 750_000 / 8,
}
CPU_SLOWDOWN = 4
PHONE = {"width": 390, "height": 844}
CHARTS_DRAWN = """() => {
  const figures = [...document.querySelectorAll("[data-figure]")];
  return figures.length > 0 && figures.every((figure) => figure.dataset.drawn === "true")
    && performance.now();
}"""


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """Our static files collected as production collects them (the apps' own, the admin's and
    Swagger UI's, are left out: these pages load none of them)."""
    root = tmp_path_factory.mktemp("static")
    storage = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(
        STATIC_ROOT=root,
        STORAGES={**settings.STORAGES, "staticfiles": storage},
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_server(production_static, transactional_db):
    """The live server's address, serving through WhiteNoise and GZipMiddleware."""
    cache.clear()
    storage = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1"],
        STATIC_ROOT=production_static,
        STORAGES={**settings.STORAGES, "staticfiles": storage},
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        # No static handler in front: /static/ goes through the middleware, i.e. WhiteNoise.
        thread = LiveServerThread("127.0.0.1", static_handler=lambda handler: handler)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        thread.join()


def _first_visit(chromium, server: str, username: str, path: str) -> tuple[list[dict], float]:
    """Sign in, empty the cache, throttle, open ``path``: every response's size and encoding,
    and the milliseconds until its charts were drawn."""
    context = chromium.new_context(locale="zh-CN", viewport=PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{server}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-for-tests")
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")

        devtools = context.new_cdp_session(page)
        devtools.send("Network.enable")
        devtools.send("Network.clearBrowserCache")
        devtools.send("Network.emulateNetworkConditions", NETWORK)
        devtools.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        responses: dict[str, dict] = {}

        def received(event):
            if event["response"]["url"].startswith("data:"):  # drawn by Plotly, not downloaded
                return
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            responses[event["requestId"]] = {
                "url": event["response"]["url"].removeprefix(server),
                "status": event["response"]["status"],
                "encoding": headers.get("content-encoding", ""),
            }

        def finished(event):
            if event["requestId"] in responses:
                responses[event["requestId"]]["bytes"] = event["encodedDataLength"]

        devtools.on("Network.responseReceived", received)
        devtools.on("Network.loadingFinished", finished)
        page.goto(f"{server}{path}", wait_until="commit")
        drawn = page.wait_for_function(CHARTS_DRAWN, polling=100).json_value()
        page.wait_for_load_state("networkidle")
        return list(responses.values()), drawn
    finally:
        context.close()


@pytest.mark.parametrize(("username", "path"), [("east_a", "/me/"), ("east_manager", "/team/")])
def test_a_first_visit_on_a_slow_phone_stays_under_500_kb(
    chromium, org_chart, production_server, username, path
):
    scored_company(org_chart)
    responses, drawn = _first_visit(chromium, production_server, username, path)

    total = sum(response.get("bytes", 0) for response in responses)
    print(f"\n{path}: {total / 1000:.0f} KB on the wire, charts drawn after {drawn / 1000:.1f} s")
    for response in sorted(responses, key=lambda r: -r.get("bytes", 0)):
        print(f"  {response.get('bytes', 0):>8} {response['encoding'] or '-':<5} {response['url']}")
    assert [r for r in responses if r["status"] >= 400] == []  # the favicon included
    assert all("bytes" in response for response in responses)
    page, *assets = responses
    assert page["url"] == path and page["encoding"] == "gzip"
    plotly = [r for r in assets if "/static/js/plotly-perf.min." in r["url"]]
    assert len(plotly) == 1 and plotly[0]["encoding"] == "br"  # the precompressed variant
    assert total <= FIRST_VISIT_LIMIT
