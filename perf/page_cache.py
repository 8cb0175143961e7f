"""Whole pages kept per browser session, served again without touching the database.

A signed-in viewer reloading a dashboard gets the page rendered for their own session, CSRF
cookie, language and address the last time, as long as nothing it shows (or whom it may be shown
to) has changed since. The session itself comes from the cache (``cached_db`` sessions), so such
a request costs two cache reads.

"Changed since" is one shared epoch: ``pages_invalidate`` moves it, and a page kept under an
earlier epoch is never served. The dashboards app calls it on every save of the models pages
depend on (users and their roles, teams, employees, score runs, the catalog, sources, appeals);
services writing such rows in bulk call it themselves. Pages also expire after
``PAGE_CACHE_SECONDS``, for what changes with the clock alone (nodes falling overdue, sources
going stale).

Nothing is kept or served for requests without a signed-in session or CSRF cookie, for requests
with flash messages waiting (the page shows them once), or for answers other than 200.
"""

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

PAGE_CACHE_SECONDS = 60
EPOCH_KEY = "pages:epoch"
# Where Django's messages framework keeps waiting messages (cookie and session storage).
MESSAGES_COOKIE = "messages"
MESSAGES_SESSION_KEY = "_messages"


def pages_invalidate() -> None:
    """Retire every kept page: now, and again when the current transaction commits (a page
    rendered meanwhile still read the data from before the commit)."""
    _epoch_move()
    transaction.on_commit(_epoch_move)


def _epoch_move() -> None:
    cache.set(EPOCH_KEY, uuid.uuid4().hex, None)


def _page_key(request: HttpRequest) -> str | None:
    """Where this request's page is kept, or ``None`` when it must not be kept or served."""
    csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if request.method != "GET" or not csrf_cookie or MESSAGES_COOKIE in request.COOKIES:
        return None
    session = request.session
    if session.get(SESSION_KEY) is None or MESSAGES_SESSION_KEY in session:
        return None
    parts = (session.session_key, csrf_cookie, request.LANGUAGE_CODE, request.get_full_path())
    return "page:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _current_epoch(found: dict) -> str:
    epoch = found.get(EPOCH_KEY)
    if epoch is None:  # the cache was emptied: start an epoch (another process may race us)
        cache.add(EPOCH_KEY, uuid.uuid4().hex, None)
        epoch = cache.get(EPOCH_KEY)
    return epoch


def per_session_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s page from the viewer's session cache when it is still current (see the
    module's docstring); otherwise render it and keep it. Put it outside the view's access
    checks: a page is only ever kept after they let this very session through, and every change
    to roles, teams or accounts moves the epoch."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = _page_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        found = cache.get_many([EPOCH_KEY, key])
        epoch = _current_epoch(found)
        kept = found.get(key)
        if kept is not None and kept[0] == epoch:
            _, content, content_type = kept
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, (epoch, response.content, response["Content-Type"]), PAGE_CACHE_SECONDS)
        return response

    return cached_view
