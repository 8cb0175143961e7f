"""The exception appeal services raise for a request they refuse (``org.refusals``)."""

from org.refusals import Refused


class AppealRefused(Refused):
    """The request is not allowed or not valid; the message says why."""
