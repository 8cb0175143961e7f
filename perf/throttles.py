"""API rate limits (DRF throttles) with perf's own 429 message, read from the settings at each
request. They count in the cache, which fails open (perf.cache): with Redis unreachable nothing
is counted and every call goes through."""

from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class TooManyRequests(Throttled):
    """429 with a translated message that says when to try again (``Retry-After`` too)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, wait: float | None) -> None:
        seconds = max(1, round(wait or 1))
        detail = ngettext(
            "Too many requests: try again in %(seconds)d second.",
            "Too many requests: try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
        super().__init__(detail=detail)
        self.wait = seconds


class _PerfRate:
    scope: str

    def get_rate(self) -> str | None:
        # DRF binds the rates when its module is imported; read them now, so a changed setting
        # (a deployment's, a test's) is the one in force.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view) -> bool:
        if not super().allow_request(request, view):  # type: ignore[misc]
            raise TooManyRequests(self.wait())  # type: ignore[attr-defined]
        return True


class AnonThrottle(_PerfRate, AnonRateThrottle):
    """Callers without a session, per address (the webhook and the health ping)."""


class UserThrottle(_PerfRate, UserRateThrottle):
    """Signed-in users, per user."""
