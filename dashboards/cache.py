"""The dashboards' one cache: selector values, page fragments and whole pages per session.

Every entry is kept with the epoch it was built under, and only served while that epoch is still
the current one. ``dashboards_invalidate`` moves the epoch, which retires every entry at once;
the receivers in ``dashboards.apps`` call it on every save of what pages show or whom they show
it to (users and their roles, teams, employees, score runs and their publication, the catalog,
sources, appeals, notifications, records corrected or loaded in bulk). The epoch travels in the
entry rather than in its key so that a read costs one round trip (``get_many`` of the epoch and
the entry) and a rebuilt entry replaces the retired one instead of leaving it to expire.

Entries also expire: values and fragments after ``VALUE_SECONDS`` (only to bound memory: the
epoch retires them), pages and what changes with the clock alone (nodes falling overdue, sources
going stale) after ``CLOCK_SECONDS``.

A page is kept per session, CSRF cookie, language and address, and only for a signed-in GET
with a CSRF cookie and no flash message waiting (the page shows it once), answered with a 200.
The session itself comes from the cache (``cached_db`` sessions), so a kept reload costs no
query. It is kept gzipped, as GZipMiddleware would send it (with the same random padding): a
reload costs no compression either, and the rare client that takes no gzip gets it unpacked.
Serving the same bytes again tells a BREACH attacker nothing; another address is another page.
"""

import gzip
import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

T = TypeVar("T")

EPOCH_KEY = "dashboards:epoch"
# Bump when a cached shape changes, so a deploy never unpickles the old one.
CACHE_VERSION = 3
VALUE_SECONDS = 24 * 60 * 60
CLOCK_SECONDS = 60
# Where Django's messages framework keeps waiting messages (cookie and session storage).
MESSAGES_COOKIE = "messages"
MESSAGES_SESSION_KEY = "_messages"
_MISSING = object()


def dashboards_invalidate() -> None:
    """Retire every kept value, fragment and page: now, and again when the current transaction
    commits (an entry built meanwhile still read the data from before the commit)."""
    _epoch_move()
    transaction.on_commit(_epoch_move)


def _epoch_move() -> None:
    cache.set(EPOCH_KEY, uuid.uuid4().hex, None)


def _key(kind: str, parts: object) -> str:
    """Where an entry is kept: ``parts`` say everything it depends on besides the epoch."""
    digest = hashlib.sha256(repr((CACHE_VERSION, kind, parts)).encode()).hexdigest()
    return f"dashboards:{kind}:{digest}"


def _lookup(key: str) -> tuple[str, Any]:
    """The current epoch and what is kept under ``key`` for it (``_MISSING`` when nothing is,
    or only for an earlier epoch), in one round trip."""
    found = cache.get_many([EPOCH_KEY, key])
    epoch = found.get(EPOCH_KEY)
    if epoch is None:  # the cache was emptied: start an epoch (another process may race us)
        cache.add(EPOCH_KEY, uuid.uuid4().hex, None)
        epoch = cache.get(EPOCH_KEY)
    entry = found.get(key)
    if entry is None or entry[0] != epoch:
        return epoch, _MISSING
    return epoch, entry[1]


def kept(kind: str, parts: object, build: Callable[[], T], *, seconds: int = VALUE_SECONDS) -> T:
    """``build()``'s value, kept under ``kind`` and ``parts`` (periods, teams, what the user may
    see, the language for rendered text) until the epoch moves or ``seconds`` pass."""
    key = _key(kind, parts)
    epoch, value = _lookup(key)
    if value is _MISSING:
        value = build()
        cache.set(key, (epoch, value), seconds)
    return value


def _page_parts(request: HttpRequest) -> tuple[str, ...] | None:
    """What this request's page is kept under, or ``None`` when it must not be kept or served."""
    csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if request.method != "GET" or not csrf_cookie or MESSAGES_COOKIE in request.COOKIES:
        return None
    session = request.session
    if session.get(SESSION_KEY) is None or MESSAGES_SESSION_KEY in session:
        return None
    return (session.session_key, csrf_cookie, request.LANGUAGE_CODE, request.get_full_path())


def per_session_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s page from the viewer's session cache while it is current (see the
    module's docstring); otherwise render it and keep it. Put it outside the view's access
    checks: a page is only ever kept after they let this very session through, and every change
    to roles, teams or accounts moves the epoch."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        parts = _page_parts(request)
        if parts is None:
            return view(request, *args, **kwargs)
        key = _key("page", parts)
        epoch, page = _lookup(key)
        if page is not _MISSING:
            return _page_response(request, *page)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            page = (
                compress_string(response.content, max_random_bytes=GZipMiddleware.max_random_bytes),
                response["Content-Type"],
            )
            cache.set(key, (epoch, page), CLOCK_SECONDS)
            if _accepts_gzip(request):  # sent as kept: GZipMiddleware leaves it be
                response.content = page[0]
                response["Content-Encoding"] = "gzip"
                patch_vary_headers(response, ("Accept-Encoding",))
        return response

    return cached_view


def _accepts_gzip(request: HttpRequest) -> bool:
    return bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))


def _page_response(request: HttpRequest, packed: bytes, content_type: str) -> HttpResponse:
    """A kept page: as kept for a client that accepts gzip, unpacked for any other."""
    if _accepts_gzip(request):
        response = HttpResponse(packed, content_type=content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(packed), content_type=content_type)
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
