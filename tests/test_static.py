"""What pages and static files weigh on the wire: pages gzipped by GZipMiddleware (its CSRF
tokens masked afresh on every render, see the settings on BREACH), static files collected with
brotli and gzip variants beside them, and a favicon wherever a browser looks for one."""

import gzip
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_pages_are_gzipped_for_browsers_that_accept_it(as_user):
    client = as_user("east_a")
    url = reverse("indicators:manual")
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]  # caches keep the two apart
    page = gzip.decompress(packed.content).decode()
    assert "</html>" in page
    assert len(packed.content) < len(page.encode()) / 4


def test_every_render_of_a_page_masks_its_csrf_token_afresh(client):
    """What BREACH would extract changes with each response."""
    first, second = (
        CSRF_TOKEN.findall(
            gzip.decompress(
                client.get(reverse("login"), HTTP_ACCEPT_ENCODING="gzip").content
            ).decode()
        )
        for _ in range(2)
    )
    assert first and second and set(first).isdisjoint(second)


def test_the_favicon_is_linked_from_every_page_and_answers_at_the_root(client):
    icon = client.get("/favicon.ico")  # asked for by pages that link none (admin, API)
    assert icon.status_code == 200
    assert icon["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert _body(icon)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get(reverse("login")).content.decode()
    linked = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert linked, "base.html links the icon"
    svg = client.get(linked.group(1))
    assert svg.status_code == 200 and b"<svg" in _body(svg)


def test_collectstatic_writes_brotli_and_gzip_variants(tmp_path):
    storage = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES={**settings.STORAGES, "staticfiles": storage},
        # Our own static files only: the apps' (admin, Swagger UI) are compressed the same way.
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    bundles = [p.name for p in (tmp_path / "js").iterdir() if p.name.startswith("plotly-perf")]
    hashed = next(name for name in bundles if re.fullmatch(r"plotly-perf\.min\.\w{12}\.js", name))
    assert {f"{hashed}.br", f"{hashed}.gz"} <= set(bundles)
    raw = (tmp_path / "js" / hashed).stat().st_size
    assert (tmp_path / "js" / f"{hashed}.br").stat().st_size < raw / 3
