"""What an operator reads in the log: one line per event, no traceback for a routine 403/404."""

import io
import logging

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _console_handlers(name: str) -> list[logging.StreamHandler]:
    """The stream handlers a record of logger ``name`` reaches (pytest's capture aside)."""
    handlers = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    return handlers


@pytest.fixture
def console():
    """Everything the configured console handlers on Django's request logger's way print."""
    buffer = io.StringIO()
    handlers = _console_handlers("django.request")
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@override_settings(DEBUG=True)  # Django's own console handler only speaks with DEBUG on
@pytest.mark.parametrize(
    ("path", "expected"),
    [("/hr/", "Forbidden (Permission denied): /hr/"), ("/people/999999/", "Not Found: ")],
)
def test_a_refused_or_missing_page_is_one_warning_line(as_user, console, path, expected):
    response = as_user("east_a").get(path)

    assert response.status_code in (403, 404)
    lines = console.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected)
    assert "Traceback" not in console.getvalue()


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x/", exc_info=True, extra={"status_code": 500}
        )

    assert "Traceback" in console.getvalue()
    assert "RuntimeError: boom" in console.getvalue()
