"""A real HTTP server on the loopback interface that serves JSON rows the way an ERP's API does.

Tests get it through the ``http_source`` fixture (tests/ingest/conftest.py)::

    server = http_source(rows, style="page", page_size=3, token="s3cret", faults=[(2, 500)])
    connector = RestConnector(server.config(), secrets=server.secrets, sleep=waits.append)
    server.requests   # every request received, in order: path, query parameters, headers
    server.rows.append({...})   # later requests see the change (for incremental syncs)

Every answer has the shape ``{"data": {"items": [...]}, "meta": {"next_cursor": ...},
"links": {"next": ...}}`` and ``server.config()`` is a REST connector config that reads it.
Rows are served ordered by their ``updated_at``; ``?updated_since=X`` keeps those after X.

Pagination styles, with the parameter names the REST connector uses by default:

- ``None``: every row in one answer.
- ``"page"``: ``page`` (from 1) and ``page_size``.
- ``"offset"``: ``offset`` and ``limit``.
- ``"cursor"``: ``page_size``, then ``cursor`` as given in ``meta.next_cursor`` (null at the end).
- ``"next"``: ``links.next`` is a relative link to the next page (null at the end).

A page holds ``page_size`` rows unless the request asks for another size.

``faults`` scripts failures by request number (1-based, counting every request):
``[(2, 500), (3, 429, "1")]`` answers the 2nd request with a 500 and the 3rd with a 429 and
``Retry-After: 1``; ``(1, Fault(delay=0.5))`` answers the 1st half a second late;
``(1, Fault(body=b"x"))`` answers 200 with that body. ``faults`` may also be a callable
``(number, request) -> Fault | None``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

PATH = "/api/items"
TOKEN_ENV = "PERF_SOURCE_HTTP_TOKEN"
STYLES = (None, "page", "offset", "cursor", "next")


@dataclass(frozen=True)
class Fault:
    """How to spoil one answer: another status, a delay, or a raw body instead of the page."""

    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0  # seconds to wait before answering
    body: bytes | None = None


@dataclass(frozen=True)
class SeenRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


FaultScript = Sequence[tuple] | Callable[[int, SeenRequest], Fault | None]


class HttpSource:
    """The server; ``start()`` it, read ``url``, ``stop()`` it (the fixture does both)."""

    def __init__(
        self,
        rows: Iterable[dict[str, object]],
        *,
        style: str | None = None,
        page_size: int = 100,
        token: str | None = None,
        faults: FaultScript = (),
    ) -> None:
        if style not in STYLES:
            raise ValueError(f"unknown pagination style {style!r}")
        self.rows = list(rows)
        self.style = style
        self.page_size = page_size
        self.token = token
        self.requests: list[SeenRequest] = []
        self._fault_for = faults if callable(faults) else _scripted_faults(faults)
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{PATH}"

    @property
    def secrets(self) -> dict[str, str]:
        """The environment that ``config()``'s bearer token reference is resolved from."""
        return {TOKEN_ENV: self.token} if self.token else {}

    def config(self, **overrides: object) -> dict[str, object]:
        """A REST connector config for this server: no real waits, few retries; overrides win."""
        config: dict[str, object] = {
            "url": self.url,
            "items_path": "data.items",
            "since_param": "updated_since",
            "timeout": 5,
            "max_retries": 2,
            "backoff": 0,
        }
        if self.style:
            config["pagination"] = {"style": self.style, "page_size": self.page_size}
        if self.token:
            config["auth"] = {"type": "bearer", "token_env": TOKEN_ENV}
        return config | overrides

    def start(self) -> HttpSource:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def answer(self, request: SeenRequest) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one request (called from the handler's thread)."""
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
        fault = self._fault_for(number, request)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return fault.status, headers, _json({"error": f"scripted {fault.status}"})
            if fault.body is not None:
                return 200, {}, fault.body
        if request.path != PATH:
            return 404, {}, _json({"error": "not found"})
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}, _json({"error": "bad token"})
        try:
            return 200, {}, _json(self._page(request.params))
        except ValueError as err:
            return 400, {}, _json({"error": str(err)})

    def _page(self, params: dict[str, str]) -> dict[str, object]:
        rows = sorted(self.rows, key=lambda row: str(row.get("updated_at", "")))
        since = params.get("updated_since")
        if since is not None:
            rows = [row for row in rows if str(row.get("updated_at", "")) > since]
        size = int(params.get("page_size", self.page_size))
        start, next_cursor, next_link = 0, None, None
        if self.style is None:
            size = len(rows)
        elif self.style == "page":
            start = (int(params.get("page", 1)) - 1) * size
        elif self.style == "offset":
            start, size = int(params.get("offset", 0)), int(params.get("limit", self.page_size))
        elif self.style == "cursor":
            start = int(params.get("cursor", "c0").removeprefix("c"))
        else:
            start = int(params.get("after", 0))
        items = rows[start : start + size]
        end = start + len(items)
        if self.style in ("cursor", "next") and end < len(rows):
            next_cursor = f"c{end}"
            next_link = f"{PATH}?{urlencode({**params, 'after': end})}"
        return {
            "data": {"items": items},
            "meta": {"next_cursor": next_cursor if self.style == "cursor" else None},
            "links": {"next": next_link if self.style == "next" else None},
        }


def _scripted_faults(script: Sequence[tuple]) -> Callable[[int, SeenRequest], Fault | None]:
    faults = {}
    for number, what, *retry_after in script:
        faults[number] = what if isinstance(what, Fault) else Fault(what, *retry_after)
    return lambda number, request: faults.get(number)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _handler_for(source: HttpSource) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = SeenRequest(
                path=parts.path, params=dict(parse_qsl(parts.query)), headers=dict(self.headers)
            )
            status, headers, body = source.answer(request)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


class _QuietServer(ThreadingHTTPServer):
    # Answer threads must not keep shutdown waiting on a request that is deliberately slow.
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that timed out hangs up before a delayed answer is written: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
