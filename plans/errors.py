"""The one exception plan services raise for a request they refuse."""


class PlanRefused(Exception):
    """The request is not valid; the message says why, in the user's words. ``field`` names
    the input at fault when there is one (the API answers under that name)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PlanForbidden(PlanRefused):
    """The user may not do this at all (not a matter of what they sent): a 403 in the API."""
