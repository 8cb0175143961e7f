from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from org.selectors import viewer_for_user


def viewer(request: HttpRequest) -> dict:
    """``viewer`` (name, role, team) for the page header; read only when a template uses it."""
    if not request.user.is_authenticated:
        return {"viewer": None}
    return {"viewer": SimpleLazyObject(lambda: viewer_for_user(request.user))}
