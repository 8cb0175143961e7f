"""What "My work today" reads: the open process nodes due soon or overdue, with the working
time left or over, and one's notices."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from dashboards.selectors.operations import OpenNode, open_nodes_read
from notices.access import nodes_visible_to, notices_visible_to
from notices.models import Notice
from org.calendar import working_hours_after, working_hours_between

LISTED = 100  # the most urgent nodes shown; the counts cover them all
NOTICES_LISTED = 20
# A safety net only: every change to a user's notices forgets their count at once.
UNREAD_KEPT_SECONDS = 3600


@dataclass(frozen=True)
class NodeWarning(OpenNode):
    """An open node due soon or overdue. ``working_hours`` is the working time from now to its
    deadline (company calendar): left when due, over (negative) when overdue."""

    overdue: bool
    working_hours: float

    @property
    def hours_over(self) -> float:
        return -self.working_hours


@dataclass(frozen=True)
class WorkToday:
    horizon_hours: float
    horizon: dt.datetime  # nodes due before it are listed
    overdue: int
    due_soon: int
    nodes: list[NodeWarning]  # the ``LISTED`` most urgent, the longest overdue first


def work_today_for_user(*, user: AbstractBaseUser, now: dt.datetime) -> WorkToday:
    """The open nodes of the people the user may see that are overdue or due within the
    configured working hours (``PERF_NODE_WARNINGS["horizon_hours"]``). Three queries (the
    company's own days, the counts, the listed nodes), whatever the number of people."""
    hours = settings.PERF_NODE_WARNINGS["horizon_hours"]
    horizon = working_hours_after(now, hours)
    # ``started_at`` before the horizon adds nothing (a node is due after it starts); stating it
    # lets the database read the small index of open nodes.
    nodes = nodes_visible_to(user).filter(
        completed_at__isnull=True, started_at__lt=horizon, due_at__lt=horizon
    )
    counts = nodes.aggregate(
        overdue=Count("id", filter=Q(due_at__lt=now)),
        due_soon=Count("id", filter=Q(due_at__gte=now)),
    )
    rows = open_nodes_read(nodes.order_by(Coalesce("due_at", "started_at"), "id")[:LISTED])
    dues = pd.Series([row["due_at"] for row in rows], dtype="datetime64[us, UTC]")
    left = working_hours_between(pd.Series([now] * len(rows), dtype="datetime64[us, UTC]"), dues)
    return WorkToday(
        horizon_hours=hours,
        horizon=horizon,
        overdue=counts["overdue"],
        due_soon=counts["due_soon"],
        nodes=[
            NodeWarning(**fields, overdue=fields["due_at"] < now, working_hours=float(hours_left))
            for fields, hours_left in zip(rows, left, strict=True)
        ],
    )


def notices_for_user(*, user: AbstractBaseUser) -> QuerySet[Notice]:
    """The user's notices, newest first, with their node and order."""
    return notices_visible_to(user).select_related("node__order__customer")


def unread_notices_count(user: AbstractBaseUser) -> int:
    """The header's badge on every page: kept in the cache until the job raises a notice for the
    user or they read one (``unread_count_forget``), so most pages pay no query for it."""
    return cache.get_or_set(
        _unread_key(user.pk),
        lambda: notices_visible_to(user).filter(read_at__isnull=True).count(),
        timeout=UNREAD_KEPT_SECONDS,
    )


def unread_count_forget(user_ids: Iterable[int]) -> None:
    cache.delete_many([_unread_key(user_id) for user_id in set(user_ids)])


def _unread_key(user_id: int) -> str:
    return f"notices:unread:{user_id}"
