"""Where each role is sent after signing in, and the access decorators every app's pages use
(the pages themselves live in their apps: the dashboards in ``dashboards``)."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from org.models import Role
from org.selectors import landing_url, user_role
from org.signin import signin_lockouts, signin_unlock


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


class UnlockForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to unlock"),
        choices=[("username", _("Account")), ("ip_address", _("Address"))],
    )
    value = forms.CharField(label=_("Account or address"), max_length=255)


@require_http_methods(["GET", "POST"])
@role_required(Role.HR, Role.ADMIN)
def signin_lockouts_page(request: HttpRequest) -> HttpResponse:
    """Accounts and addresses locked out of signing in, each with an unlock button."""
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if not form.is_valid():
            return render(request, "org/lockouts.html", {"form": form, "lockouts": []}, status=400)
        signin_unlock(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Unlocked: %(who)s.") % {"who": form.cleaned_data["value"]})
        return redirect("org:lockouts")
    return render(request, "org/lockouts.html", {"lockouts": signin_lockouts()})
