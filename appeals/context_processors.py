"""The unread appeal notifications count shown in the header."""

from django.http import HttpRequest

from appeals.selectors import unread_notifications


def appeal_notifications(request: HttpRequest) -> dict[str, int]:
    if not request.user.is_authenticated:
        return {}
    return {"appeal_unread": unread_notifications(request.user).count()}
