"""Where each role is sent after signing in, and the access decorators every app's pages use
(the pages themselves live in their apps: the dashboards in ``dashboards``)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from org.models import Role
from org.selectors import landing_url, user_role


def allowed_if(may_enter: Callable[[AbstractBaseUser], bool]) -> Callable:
    """Let signed-in users for whom ``may_enter`` holds through; refuse the rest with 403."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not may_enter(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def role_required(*roles: Role) -> Callable:
    """Let signed-in users holding one of ``roles`` through; refuse the rest with 403."""
    return allowed_if(lambda user: user_role(user) in roles)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url(user_role(request.user)))


@login_required
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "org/no_role.html")
