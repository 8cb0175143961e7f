"""Logging wiring: how routine client errors are printed."""

import logging


class ClientErrorsOneLine(logging.Filter):
    """A refused or missing page (a 4xx that Django logs with the exception that made it) is a
    one-line warning: the traceback of a routine PermissionDenied or Http404 says nothing an
    operator needs. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
