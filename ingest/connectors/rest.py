"""REST connector: reads rows from a JSON API, page by page, with the standard library's urllib.

Config (``kind="rest"``)::

    {
        "url": "https://erp.example.com/api/orders",  # http or https; may carry fixed parameters
        "items_path": "data.items",   # dotted path to the list of rows; "" = the body is the list
        "headers": {"X-Tenant": "acme"},                        # optional, sent on every request
        "auth": {"type": "bearer", "token_env": "PERF_SOURCE_ERP_TOKEN"},   # optional, or
                # {"type": "basic", "user": "sync", "password_env": "PERF_SOURCE_ERP_PASSWORD"}
        "pagination": {               # optional: without it the source is one request
            "style": "page",          # "page" | "offset" | "cursor" | "next"
            "page_size": 100,
            "page_param": "page", "size_param": "page_size", "first_page": 1,   # page, cursor
            "offset_param": "offset", "limit_param": "limit",                   # offset
            "cursor_param": "cursor", "cursor_path": "meta.next_cursor",        # cursor
            "next_path": "links.next",                                          # next
        },
        "since_param": "updated_since",  # optional: query parameter that carries ``since``
        "timeout": 10,       # seconds, for the connection and for each read
        "max_retries": 4,    # further attempts after a timeout, connection error, 429 or 5xx
        "backoff": 0.5,      # seconds before the first retry, doubled for each next one
    }

Pagination styles (the values shown are the defaults):

- ``page``: ``?page=1&page_size=100``, then page 2, 3…
- ``offset``: ``?offset=0&limit=100``, then the offset moves on by the rows received.
- ``cursor``: ``?page_size=100``, then ``&cursor=<value at cursor_path>`` of the last body.
- ``next``: follows the link at ``next_path`` of each body (relative links are resolved against
  the page's URL). Links to another host are refused, so credentials never leave the source.

Reading ends on an empty page, on a short page (page and offset styles) and when the next
cursor or link is missing or null. Each page is one Batch (split when it exceeds the batch size).

Faults: a 429 waits for its Retry-After (seconds or an HTTP date); timeouts, connection errors
and 5xx answers wait ``backoff`` seconds, doubling. No wait exceeds 60 seconds. Any other 4xx,
a body that is not JSON or that has no list at ``items_path`` fails at once with ConnectorError.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from django.utils.translation import gettext

from ingest.connectors.base import (
    Batch,
    ConnectorError,
    SourceMisconfigured,
    SourceUnavailable,
    check_batch_size,
    invalid_setting,
    required_setting,
    secret_from,
)
from ingest.connectors.guard import SourcePolicy, SourceRefused

STYLES = ("page", "offset", "cursor", "next")
PAGINATION_DEFAULTS = {
    "page_size": 100,
    "page_param": "page",
    "size_param": "page_size",
    "first_page": 1,
    "offset_param": "offset",
    "limit_param": "limit",
    "cursor_param": "cursor",
    "cursor_path": "meta.next_cursor",
    "next_path": "links.next",
}
# Seconds: the longest one wait may hold a sync, whatever a server's Retry-After asks for.
MAX_WAIT = 60.0

JsonRow = dict[str, object]


class RestConnector:
    """Reads a JSON API as described in the module docstring.

    ``sleep`` is called with the seconds to wait before each retry; tests pass a recorder.
    """

    def __init__(
        self,
        config: Mapping[str, object],
        *,
        secrets: Mapping[str, str] = os.environ,
        sleep: Callable[[float], None] = time.sleep,
        policy: SourcePolicy | None = None,
    ) -> None:
        self.url = str(required_setting(config, "url"))
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise invalid_setting("url", self.url)
        self._opener = urllib.request.build_opener(_SameOriginRedirects)
        self.items_path = config.get("items_path", "")
        if not isinstance(self.items_path, str):
            raise invalid_setting("items_path", self.items_path)
        extra_headers = config.get("headers") or {}
        if not isinstance(extra_headers, Mapping):
            raise invalid_setting("headers", extra_headers)
        self.headers = {
            "Accept": "application/json",
            **{str(name): str(value) for name, value in extra_headers.items()},
            **_auth_headers(config.get("auth"), secrets),
        }
        self.pagination = _pagination_settings(config.get("pagination"))
        self.since_param = config.get("since_param") or None
        self.timeout = _seconds_setting(config, "timeout", 10, allow_zero=False)
        self.max_retries = _int_setting(config, "max_retries", 4, minimum=0)
        self.backoff = _seconds_setting(config, "backoff", 0.5, allow_zero=True)
        self._sleep = sleep
        (policy or SourcePolicy.from_settings()).host_check(parts.hostname, setting="url")

    def batches(self, *, since: str | None, batch_size: int) -> Iterator[Batch]:
        """Yield the rows changed after ``since`` (all rows when None), page by page."""
        check_batch_size(batch_size)
        fixed_params = {self.since_param: since} if since is not None and self.since_param else {}
        style = self.pagination["style"] if self.pagination else None
        pages = {
            None: self._single_page,
            "page": self._counted_pages,
            "offset": self._counted_pages,
            "cursor": self._cursor_pages,
            "next": self._linked_pages,
        }[style]
        first_row = 1
        for items in pages(fixed_params):
            for start in range(0, len(items), batch_size):
                yield Batch(rows=items[start : start + batch_size], first_row=first_row + start)
            first_row += len(items)

    def _single_page(self, fixed_params: dict[str, str]) -> Iterator[list[JsonRow]]:
        url = with_params(self.url, fixed_params)
        items = self._items(self._get_json(url), url)
        if items:
            yield items

    def _counted_pages(self, fixed_params: dict[str, str]) -> Iterator[list[JsonRow]]:
        """Page and offset styles: ask for the next block until a page comes back short."""
        settings = self.pagination
        page_size, pages_read, rows_read, previous = settings["page_size"], 0, 0, None
        while True:
            if settings["style"] == "page":
                position = {
                    settings["page_param"]: settings["first_page"] + pages_read,
                    settings["size_param"]: page_size,
                }
            else:
                position = {settings["offset_param"]: rows_read, settings["limit_param"]: page_size}
            url = with_params(self.url, {**fixed_params, **position})
            items = self._items(self._get_json(url), url)
            if items and items == previous:
                raise _repeated_page(url)
            if items:
                yield items
            if len(items) < page_size:
                return
            pages_read, rows_read, previous = pages_read + 1, rows_read + len(items), items

    def _cursor_pages(self, fixed_params: dict[str, str]) -> Iterator[list[JsonRow]]:
        settings = self.pagination
        params = {**fixed_params, settings["size_param"]: settings["page_size"]}
        cursors_seen = set()
        while True:
            url = with_params(self.url, params)
            body = self._get_json(url)
            items = self._items(body, url)
            if not items:
                return
            yield items
            cursor = value_at(body, settings["cursor_path"])
            if cursor is None or cursor == "":
                return
            if str(cursor) in cursors_seen:
                raise _repeated_page(url)
            cursors_seen.add(str(cursor))
            params[settings["cursor_param"]] = cursor

    def _linked_pages(self, fixed_params: dict[str, str]) -> Iterator[list[JsonRow]]:
        url = with_params(self.url, fixed_params)
        urls_seen = {url}
        while True:
            body = self._get_json(url)
            items = self._items(body, url)
            if not items:
                return
            yield items
            link = value_at(body, self.pagination["next_path"])
            if link is None or link == "":
                return
            next_url = urljoin(url, str(link))
            if urlsplit(next_url)[:2] != urlsplit(self.url)[:2]:
                raise ConnectorError(
                    gettext("%(url)s links to another host: %(link)s") % {"url": url, "link": link}
                )
            if next_url in urls_seen:
                raise _repeated_page(url)
            urls_seen.add(next_url)
            url = next_url

    def _items(self, body: object, url: str) -> list[JsonRow]:
        """The list of rows at ``items_path`` in the body, every one a JSON object."""
        items = body
        for key in filter(None, self.items_path.split(".")):
            items = items.get(key) if isinstance(items, dict) else None
        if not isinstance(items, list):
            raise SourceMisconfigured(
                gettext("The response from %(url)s has no list at “%(path)s”.")
                % {"url": url, "path": self.items_path}
            )
        for position, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise ConnectorError(
                    gettext("Item %(position)s in the response from %(url)s is not an object.")
                    % {"position": position, "url": url}
                )
        return items

    def _get_json(self, url: str) -> object:
        body = self._get(url)
        try:
            return json.loads(body)
        except ValueError as err:  # bad JSON and bad UTF-8 alike
            raise ConnectorError(
                gettext("%(url)s did not return valid JSON: %(error)s") % {"url": url, "error": err}
            ) from err

    def _get(self, url: str) -> bytes:
        """The body of ``url``, retrying transient failures; ConnectorError for the rest."""
        request = urllib.request.Request(url, headers=self.headers)
        attempt = 1
        while True:
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return response.read()
            except HTTPError as err:
                err.close()
                if err.code != 429 and err.code < 500:  # the URL or the credentials are wrong
                    raise SourceMisconfigured(
                        gettext("HTTP %(status)s %(reason)s from %(url)s")
                        % {"status": err.code, "reason": err.reason, "url": url}
                    ) from err
                problem = f"HTTP {err.code} {err.reason}"
                wait = retry_after_seconds(err.headers.get("Retry-After"))
            except (OSError, http.client.HTTPException) as err:  # timeouts, refused, cut off
                problem = str(getattr(err, "reason", None) or err) or type(err).__name__
                wait = None
            if attempt > self.max_retries:
                raise SourceUnavailable(
                    gettext("%(url)s failed after %(attempts)s attempts: %(problem)s")
                    % {"url": url, "attempts": attempt, "problem": problem}
                )
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1)
            self._sleep(min(wait, MAX_WAIT))
            attempt += 1


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within the source's own origin: urllib would send the
    ``Authorization`` header on to any host a server names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl)[:2] != urlsplit(req.full_url)[:2]:
            raise SourceRefused(
                gettext("%(url)s redirects to another host (%(target)s); perf does not follow.")
                % {"url": req.full_url, "target": newurl}
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def with_params(url: str, params: Mapping[str, object]) -> str:
    """``url`` with ``params`` set in its query string, its other parameters kept."""
    parts = urlsplit(url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name not in params
    ]
    query += [(name, str(value)) for name, value in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def value_at(body: object, dotted_path: str) -> object:
    """The value at ``dotted_path`` ("meta.next_cursor") in a JSON body, or None when absent."""
    value = body
    for key in dotted_path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def retry_after_seconds(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP date), None if unusable."""
    if header is None:
        return None
    header = header.strip()
    if header.isascii() and header.isdigit():
        return float(header)
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # HTTP dates are in GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _repeated_page(url: str) -> ConnectorError:
    # Raised rather than stopping quietly: a server that ignores the paging parameters would
    # otherwise be read forever, or look complete when it is not.
    return ConnectorError(
        gettext("%(url)s returned the same page again; check the pagination settings.")
        % {"url": url}
    )


def _auth_headers(auth: object, secrets: Mapping[str, str]) -> dict[str, str]:
    if auth is None:
        return {}
    if not isinstance(auth, Mapping):
        raise invalid_setting("auth", auth)
    if auth.get("type") == "bearer":
        token = secret_from(secrets, str(required_setting(auth, "token_env")))
        return {"Authorization": f"Bearer {token}"}
    if auth.get("type") == "basic":
        user = str(required_setting(auth, "user"))
        password = secret_from(secrets, str(required_setting(auth, "password_env")))
        credentials = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {credentials}"}
    raise invalid_setting("auth.type", auth.get("type"))


def _pagination_settings(pagination: object) -> dict[str, object] | None:
    if pagination is None:
        return None
    if not isinstance(pagination, Mapping):
        raise invalid_setting("pagination", pagination)
    settings = {**PAGINATION_DEFAULTS, **pagination}
    if settings.get("style") not in STYLES:
        raise invalid_setting("pagination.style", settings.get("style"))
    settings["page_size"] = _int_setting(settings, "page_size", 100, minimum=1)
    settings["first_page"] = _int_setting(settings, "first_page", 1, minimum=0)
    return settings


def _int_setting(settings: Mapping[str, object], key: str, default: int, *, minimum: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid_setting(key, value)
    return value


def _seconds_setting(
    settings: Mapping[str, object], key: str, default: float, *, allow_zero: bool
) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_setting(key, value)
    if value < 0 or (value == 0 and not allow_zero):
        raise invalid_setting(key, value)
    return float(value)
