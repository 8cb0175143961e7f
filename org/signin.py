"""Sign-in lockout (django-axes, configured in perf.settings): what a locked-out sign-in gets."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext


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
