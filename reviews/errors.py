"""The exceptions review services raise for a request they refuse (``org.refusals``)."""

from org.refusals import Forbidden, Refused


class ReviewRefused(Refused):
    """The request is not allowed or not valid; the message says why."""


class ReviewForbidden(ReviewRefused, Forbidden):
    """The user may not do this at all: a 403 in the API."""
