"""The unread notices count shown in the header."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notices.selectors import unread_notices_count


def unread_notices(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    # Counted only when a page's header shows it.
    return {"notice_unread": SimpleLazyObject(lambda: unread_notices_count(request.user))}
