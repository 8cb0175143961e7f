"""What HR watches besides scores: process nodes past their deadline, how fresh each data
source is, and the appeals waiting for a decision."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from appeals.selectors import open_appeals_count
from dashboards.cache import CLOCK_SECONDS, kept
from dashboards.selectors.columns import Column, indicator_columns
from dashboards.selectors.periods import ScoredPeriod
from indicators.selectors import indicator_sources
from ingest.models import OrderNode, ProcessNode, Source, SyncRun, SyncStatus, order_text
from org.periods import Period
from scoring.selectors import measured_shares

# A source synced daily, with two hours of slack, is fresh; older than this it is flagged.
STALE_AFTER = dt.timedelta(hours=26)
OVERDUE_LISTED = 20
# What an open node is listed with (HR's overdue nodes, a person's work today): its order, the
# node, the order's merchandiser and team, the deadline last.
OPEN_NODE_COLUMNS = (
    "order__external_id",
    "order__customer__name",
    "order__submitted_at",
    "node",
    "order__merchandiser_id",
    "order__merchandiser__name",
    "order__merchandiser__team__name",
    "due_at",
)
NODE_ON_TIME = "node_on_time_rate"  # the calculator whose drill-down lists process nodes


@dataclass(frozen=True)
class Coverage:
    """Which sources feed an indicator, and the share (0–1) of the people it weighs who were
    measured on it in the period (``None`` before anyone was scored)."""

    column: Column
    sources: list[str]
    measured_share: float | None


def indicator_coverage(*, period: Period, scored: bool) -> list[Coverage]:
    """Every indicator active in ``period`` with the sources that feed it and, when the period
    was ``scored``, the share of people measured on it. A few queries, whatever the number of
    indicators."""
    columns = indicator_columns(period)
    sources = indicator_sources({column.code: column.calculator for column in columns})
    shares = measured_shares(period.start) if scored else {}
    return [
        Coverage(column=column, sources=sources[column.code], measured_share=shares.get(column.id))
        for column in columns
    ]


@dataclass(frozen=True)
class OpenNode:
    """An open process node as a list shows it (HR's overdue nodes, a person's work today)."""

    order_no: str  # as people quote it (``ingest.models.order_text``)
    order_number: str  # the source's number; empty for an order entered in perf
    node: str  # the ProcessNode value; its label follows the active language
    merchandiser_id: int | None
    merchandiser: str  # empty for an order nobody follows
    team: str
    due_at: dt.datetime

    @property
    def period(self) -> Period:
        """The month the node falls due in (company time): its node on-time drill-down's."""
        return Period.containing(timezone.localtime(self.due_at).date())

    @property
    def node_label(self) -> str:
        return str(ProcessNode(self.node).label) if self.node in ProcessNode.values else self.node


def open_nodes_read(nodes: QuerySet[OrderNode]) -> list[dict]:
    """The fields of ``OpenNode`` for each of the (ordered, sliced) nodes: one query."""
    return [
        {
            "order_no": order_text(number, customer, submitted_at),
            "order_number": number,
            "node": node,
            "merchandiser_id": merchandiser_id,
            "merchandiser": merchandiser or "",
            "team": team or "",
            "due_at": due_at,
        }
        for (
            number,
            customer,
            submitted_at,
            node,
            merchandiser_id,
            merchandiser,
            team,
            due_at,
        ) in nodes.values_list(*OPEN_NODE_COLUMNS)
    ]


@dataclass(frozen=True)
class OverdueNode(OpenNode):
    hours_overdue: float


@dataclass(frozen=True)
class OverdueNodes:
    """Open process nodes whose deadline has passed (the node-timeout warning): how many, on how
    many orders, and the longest overdue."""

    nodes: int
    orders: int
    oldest: list[OverdueNode]


def overdue_nodes(*, now: dt.datetime, limit: int = OVERDUE_LISTED) -> OverdueNodes:
    """Nodes still open past their ``due_at``: how many, on how many orders, and the ``limit``
    longest overdue. Two queries, kept for ``CLOCK_SECONDS``."""

    def build() -> OverdueNodes:
        # A node is due after it starts, so ``started_at < now`` adds nothing to the meaning;
        # stating it lets the database read the small index of open nodes.
        nodes = OrderNode.objects.filter(
            completed_at__isnull=True, started_at__lt=now, due_at__lt=now
        )
        counts = nodes.aggregate(nodes=Count("id"), orders=Count("order_id", distinct=True))
        # Sorted by an expression (``due_at`` is never null): sorting the few open nodes beats
        # walking the deadline index of every node ever made, which a plain ORDER BY due_at
        # LIMIT tempts the planner into (seconds at a million orders).
        oldest = open_nodes_read(nodes.order_by(Coalesce("due_at", "started_at"))[:limit])
        return OverdueNodes(
            nodes=counts["nodes"],
            orders=counts["orders"],
            oldest=[
                OverdueNode(**fields, hours_overdue=(now - fields["due_at"]).total_seconds() / 3600)
                for fields in oldest
            ],
        )

    # Nodes fall overdue by the minute, not by a save the epoch sees: reading them costs a scan
    # of every open node, so the warning may be this old.
    return kept("overdue-nodes", limit, build, seconds=CLOCK_SECONDS)


class NodeOfOrder(Protocol):
    """A process node as a list shows it: enough to find its drill-down."""

    order_number: str
    merchandiser_id: int | None

    @property
    def period(self) -> Period: ...


def node_drilldown_links(nodes: Sequence[NodeOfOrder], periods: list[ScoredPeriod]) -> list[str]:
    """Per node, the node on-time drill-down of its merchandiser in the month it fell due,
    searched by its order number (all its nodes of the month for an order without one); empty
    where that month has no published scores."""
    scored = {p.period for p in periods if p.scored}
    codes = node_drilldown_codes(node.period for node in nodes if node.period in scored)
    links = []
    for node in nodes:
        code = codes.get(node.period)
        if code is None or node.merchandiser_id is None:
            links.append("")
            continue
        query = urlencode(
            {"period": node.period.label, **({"q": node.order_number} if node.order_number else {})}
        )
        links.append(
            reverse("dashboards:drilldown", args=[node.merchandiser_id, code]) + "?" + query
        )
    return links


def node_drilldown_codes(periods: Iterable[Period]) -> dict[Period, str]:
    """The code of the indicator computed by the node on-time calculator in each of
    ``periods`` where one was in force (its drill-down lists a person's nodes due then)."""
    codes = {}
    for period in set(periods):
        columns = indicator_columns(period)
        code = next((c.code for c in columns if c.calculator == NODE_ON_TIME), None)
        if code is not None:
            codes[period] = code
    return codes


@dataclass(frozen=True)
class Freshness:
    """When a source last synced successfully, and how its latest run went."""

    name: str
    kind: str
    enabled: bool
    last_success: dt.datetime | None
    latest_status: str
    stale: bool


def source_freshness(*, now: dt.datetime) -> list[Freshness]:
    """Every data source with its last successful run's finish and its latest run's status:
    one query."""
    latest = SyncRun.objects.filter(source=OuterRef("pk")).order_by("-created_at")
    sources = Source.objects.annotate(
        last_success=Max("runs__finished_at", filter=Q(runs__status=SyncStatus.SUCCEEDED)),
        latest_status=Subquery(latest.values("status")[:1]),
    ).order_by("name")
    return [
        Freshness(
            name=source.name,
            kind=source.get_kind_display(),
            enabled=source.enabled,
            last_success=source.last_success,
            latest_status=(
                str(SyncStatus(source.latest_status).label) if source.latest_status else ""
            ),
            stale=source.last_success is None or now - source.last_success > STALE_AFTER,
        )
        for source in sources
    ]


def appeals_open_count() -> int:
    """Appeals waiting for a decision (the appeals app counts them)."""
    return open_appeals_count()
