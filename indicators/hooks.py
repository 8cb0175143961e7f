"""What the catalog asks of scoring, a layer above it, without importing it: scoring registers in
its ``AppConfig.ready`` how a weight scheme's activation finds the scored periods it changes, which
of them are closed, and has them scored again; and how the manual reads the share of people
measured on each indicator."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from org.periods import Period


@dataclass(frozen=True)
class Rescoring:
    # The scored periods whose last day falls on or after the first date and before the second
    # (no end for None), oldest first.
    scored_between: Callable[[dt.date, dt.date | None], list[Period]]
    # Of the given periods, those that may not be scored again (closed and not reopened).
    closed: Callable[[list[Period]], list[Period]]
    # Have the periods scored again, oldest first, once the transaction commits.
    rescore: Callable[[list[Period], str, AbstractBaseUser], None]


_registered: list[Rescoring] = []


def rescoring_register(rescoring: Rescoring) -> None:
    _registered[:] = [rescoring]


def rescoring() -> Rescoring | None:
    """The registered hooks (none while scoring is not installed: nothing is scored then)."""
    return _registered[0] if _registered else None


_share_readers: list[Callable[[], dict[int, float]]] = []


def measured_shares_register(reader: Callable[[], dict[int, float]]) -> None:
    _share_readers[:] = [reader]


def measured_shares() -> dict[int, float]:
    """Per indicator id, the share (0–1) of the people weighed on it who were measured in the
    latest scored period; none while scoring is not installed."""
    return _share_readers[0]() if _share_readers else {}
