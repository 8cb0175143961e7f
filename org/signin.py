"""Sign-in lockout (django-axes, configured in perf.settings): what a locked-out sign-in gets,
which accounts and addresses are locked, and unlocking them (HR and admins)."""

import datetime as dt
import logging
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from org.selectors import user_display_name

log = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str | None:
    """The address failures are counted against: ``PERF_CLIENT_IP_HEADER`` when set (behind a
    proxy; its first entry), else the connection's."""
    header = settings.PERF_CLIENT_IP_HEADER
    if header:
        forwarded = request.headers.get(header, "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins for this account or from this address: signing in is locked "
        "for %(minutes)d minute. Try again later, or ask HR to unlock it.",
        "Too many failed sign-ins for this account or from this address: signing in is locked "
        "for %(minutes)d minutes. Try again later, or ask HR to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The sign-in page again (the admin's sign-in included), with the lockout message and
    status 429 (``AXES_HTTP_RESPONSE_CODE``); the username typed stays in its field."""
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username")})
    context = {
        "form": form,
        "locked_out": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


@dataclass(frozen=True)
class Lockout:
    """One locked account (``kind`` "username") or address (``kind`` "ip_address")."""

    kind: str
    value: str
    name: str  # the account's holder, when the username is one of ours
    failures: int
    last_failure: dt.datetime
    locked_until: dt.datetime


def signin_lockouts() -> list[Lockout]:
    """Accounts and addresses locked right now: their unexpired failures reach the limit. Two
    grouped queries (by username, by address) and one for the holders' names."""
    # As axes counts them: a record's failures hold for the lockout time after its latest one.
    live = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )
    found: list[tuple[str, dict]] = []
    for kind in ("username", "ip_address"):
        rows = (
            live.exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(
                failures=Sum("failures_since_start"),
                last_failure=Max("attempt_time"),
            )
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last_failure")
        )
        found.extend((kind, row) for row in rows)
    usernames = [row["username"] for kind, row in found if kind == "username"]
    # Named as on every page: the employee's name, else the account's.
    names = {
        user.get_username(): user.employee.name
        if hasattr(user, "employee")
        else user_display_name(user)
        for user in get_user_model()
        .objects.filter(username__in=usernames)
        .select_related("employee")
    }
    return [
        Lockout(
            kind=kind,
            value=row[kind],
            name=names.get(row[kind], "") if kind == "username" else "",
            failures=row["failures"],
            last_failure=row["last_failure"],
            locked_until=row["last_failure"] + settings.AXES_COOLOFF_TIME,
        )
        for kind, row in found
    ]


def signin_unlock(*, actor: AbstractBaseUser, kind: str, value: str) -> int:
    """Forget the failed sign-ins of one account or one address (so it may sign in again at
    once); returns how many failure records were removed."""
    if kind == "username":
        removed = axes_reset(username=value)
    elif kind == "ip_address":
        removed = axes_reset(ip=value)
    else:
        raise ValueError(f"unknown lockout kind {kind!r}")
    log.info("Sign-in unlocked by %s: %s %s (%d records)", actor, kind, value, removed)
    return removed
