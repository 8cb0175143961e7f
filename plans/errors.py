"""The exceptions plan services raise for a request they refuse (``org.refusals``)."""

from org.refusals import Forbidden, Refused


class PlanRefused(Refused):
    """The request is not valid; the message says why."""


class PlanForbidden(PlanRefused, Forbidden):
    """The user may not do this at all: a 403 in the API."""
