"""What a service raises for a request it refuses, and how the API answers every refusal.

Services of reviews, bonus, plans and appeals raise their own subclass of ``Refused`` (or of
``Forbidden``); views answer it in the user's words, and the API with one error shape for every
app: a 403 for what the user may not do at all, else a 400 whose keys are paths to the input at
fault (``templates[1].competencies[0].weight``, ``coefficients.junior``), as flat as the
serializers' own errors are made by ``api_exception_handler``."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from org.models import Employee
from org.selectors import employee_get_for_user


class Refused(Exception):
    """The request is not valid; the message says why, in the user's words. ``field`` names
    the input at fault when there is one, as a path (the API answers under it)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Forbidden(Refused):
    """The user may not do this at all (not a matter of what they sent): a 403 in the API."""


def api_refusal(refusal: Refused) -> APIException:
    """A refusal as a 403 (not allowed at all) or a 400 under the field at fault."""
    if isinstance(refusal, Forbidden):
        return PermissionDenied(str(refusal))
    if refusal.field:
        return ValidationError({refusal.field: [str(refusal)]})
    return ValidationError({"detail": str(refusal)})


def flat_errors(detail: Any, prefix: str = "") -> dict[str, Any]:
    """DRF's nested errors as one level: ``{"templates[1].competencies[0].weight": [...]}``."""
    if isinstance(detail, dict):
        found: dict[str, Any] = {}
        for key, value in detail.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                path = prefix  # about the nested input as a whole (an empty list, say)
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            found |= flat_errors(value, path)
        return found
    if isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        return {prefix or api_settings.NON_FIELD_ERRORS_KEY: list(detail)} if detail else {}
    if isinstance(detail, list):
        found = {}
        for index, item in enumerate(detail):
            found |= flat_errors(item, f"{prefix}[{index}]")
        return found
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [detail]}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's answer, with a 400's nested errors flattened to paths: a client finds the input
    at fault under one key whatever the app, the depth or who found it (serializer or
    service). An error for the whole request stays ``{"detail": "…"}``."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        detail = response.data
        whole_request = (
            isinstance(detail, dict)
            and set(detail) == {"detail"}
            and isinstance(detail["detail"], str)
        )
        if not whole_request:
            response.data = flat_errors(detail)
    return response


def person_unseen() -> ValidationError:
    """A person named in a request's body or query whom the user may not see: the field is
    wrong (a 400 naming ``employee_id``), not the address (a 404)."""
    return ValidationError({"employee_id": [_("No such person among those you may see.")]})


def person_named(user: AbstractBaseUser, employee_id: int) -> Employee:
    """The person a request's body or query names, if the user may see them (else
    ``person_unseen``)."""
    try:
        return employee_get_for_user(user=user, employee_id=employee_id)
    except Http404 as unseen:
        raise person_unseen() from unseen
