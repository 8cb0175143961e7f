"""The drill-down line of ``make bench``: the server time of one page (50 rows) of the node
on-time drill-down of a person with 5,000 process nodes due in the month, against the same page
with the person's own hundred or so (the baseline); the page should take at most ``BUDGET_MS``
(issue 19: "fast at 5,000 rows"). ``/api/v1/ping/`` (a trivial JSON view) is timed alongside.

The bench company has about a hundred nodes a person a month, so for the run the person gets
``ORDERS`` more orders of eight nodes each, due in the month, written in bulk and deleted with
plain SQL afterwards (no history, no trace). Times are medians of ``REQUESTS`` sequential
requests for different pages (a page once seen is kept for the session) on one kept-alive
connection, after a warm-up: the first request keeps the scorecard behind the page, as for any
second visitor."""

import datetime as dt
import http.client
import statistics
import time
from contextlib import contextmanager
from decimal import Decimal

from django.db import transaction

from ingest.models import Order, OrderNode, ProcessNode
from org.calendar import period_window
from org.models import Customer
from org.periods import Period

ORDERS = 625  # × 8 nodes = 5,000
SOURCE = "bench-drilldown"
REQUESTS = 30
WARM_UP_REQUESTS = 3
BUDGET_MS = 150
CODE = "node_on_time_rate"  # the built-in indicator's code, as its calculator's


@contextmanager
def nodes_due(person_id: int, period: Period):
    """``ORDERS`` orders of the person with all eight nodes due in the period, late by a
    different number of minutes each or still open; removed on exit."""
    window = period_window(period)
    start = window.start.to_pydatetime()
    span = (window.end - window.start).total_seconds() - 86_400
    customer = Customer.objects.order_by("id").first()
    threshold = dt.timedelta(hours=4)
    try:
        with transaction.atomic():
            orders = Order.objects.bulk_create(
                Order(
                    source=SOURCE,
                    external_id=f"SO-BENCH-{index:05d}",
                    customer=customer,
                    merchandiser_id=person_id,
                    submitted_at=start,
                    source_created_at=start,
                    amount=Decimal("100"),
                )
                for index in range(ORDERS)
            )
            nodes = []
            for index, order in enumerate(orders):
                for position, node in enumerate(ProcessNode.values):
                    started = start + dt.timedelta(seconds=span * (index * 8 + position) / 5_000)
                    # Due after the threshold in plain hours (the model's save counts working
                    # hours; bulk writes skip it, and the bench needs only deadlines in the month).
                    due = started + threshold
                    late = dt.timedelta(minutes=(index * 8 + position) % 997)
                    nodes.append(
                        OrderNode(
                            order=order,
                            node=node,
                            started_at=started,
                            threshold_hours=Decimal("4"),
                            due_at=due,
                            completed_at=None if position == 7 else due + late,
                        )
                    )
            OrderNode.objects.bulk_create(nodes, batch_size=1_000)
        yield
    finally:
        # Plain deletes: the bench leaves no history rows behind.
        bench_orders = Order.objects.filter(source=SOURCE)
        OrderNode.objects.filter(order__in=bench_orders)._raw_delete(OrderNode.objects.db)
        bench_orders._raw_delete(Order.objects.db)


def _median_ms(port: int, paths: list[str], cookie: str) -> float:
    """The median time of sequential requests for ``paths`` (after as many warm-up requests
    for the first), in milliseconds, on one kept-alive connection of its own (gunicorn closes
    one idle for two seconds). The paths differ: a page once seen is kept for the session."""
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    try:
        for attempt, path in enumerate([paths[0]] * WARM_UP_REQUESTS + paths):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}, not 200")
            if attempt >= WARM_UP_REQUESTS:
                times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return statistics.median(times)


def drilldown_bench(*, port: int, cookie: str, person_id: int, period: Period) -> dict:
    """The drill-down line: pages in the middle of 5,000 nodes (pages 20 to 49 of 102) and
    searches by order number, against the baseline of the drill-down with the person's own
    nodes only (pages 50 to 79: a page past the last shows the last; the ratio is 1 when a page
    costs the same whatever the number of records)."""
    window = period_window(period)
    path = f"/people/{person_id}/indicators/{CODE}/?period={period.label}"
    pages = [f"{path}&page={number}" for number in range(50, 50 + REQUESTS)]
    baseline_ms = _median_ms(port, pages, cookie)
    with nodes_due(person_id, period):
        rows = OrderNode.objects.filter(
            order__merchandiser_id=person_id, due_at__gte=window.start, due_at__lt=window.end
        ).count()
        # Not the baseline's addresses: those pages are kept now.
        middle = [f"{path}&page={number}" for number in range(20, 20 + REQUESTS)]
        page_ms = _median_ms(port, middle, cookie)
        searches = [f"{path}&q=SO-BENCH-{number:05d}" for number in range(REQUESTS)]
        search_ms = _median_ms(port, searches, cookie)
    json_ms = _median_ms(port, ["/api/v1/ping/"] * REQUESTS, cookie)
    return {
        "bench": "drilldown",
        "period": period.label,
        "rows": rows,
        "page_ms": round(page_ms, 1),
        "search_ms": round(search_ms, 1),
        "baseline_ms": round(baseline_ms, 1),
        "json_ms": round(json_ms, 1),
        "budget_ms": BUDGET_MS,
        "drilldown_ratio": round(baseline_ms / page_ms, 2),
    }
