"""Drill-downs through the HTTP client: paged rather than cut, worst first across pages,
searchable by order number (a record corrected by an appeal is found again), bad paging input
refused naming the field, and an empty list that says why."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from appeals.services import appeal_create, appeal_transition
from dashboards.drilldown_listings import DRILLDOWNS
from dashboards.drilldowns import PAGE_SIZE
from indicators.records import counted_records_read
from ingest.ledger import ledger_adopt
from ingest.models import Order, ProcessNode
from org.calendar import period_window, working_hours_after
from tests.clock import at
from tests.dashboards.company import LAST_MONTH
from tests.factories import CustomerFactory, OrderFactory, OrderNodeFactory

pytestmark = pytest.mark.django_db

EXTRA = 2 * PAGE_SIZE + 10  # three pages with 王芳's own three orders
# A drill-down page: the session, the user and whom they may see, the periods scored, the
# indicator, then the records: one query counts them, one reads the page (a 5,000-node month
# read every node before).
NODE_PAGE_QUERIES = 12


@pytest.fixture
def busy(scored):
    """王芳 (east_a) with 120 more October orders, answered after 1 h, 2 h, … 120 h (the drill-down
    reads records as they are now; the stored score need not be recomputed for its list)."""
    customer = CustomerFactory(name="宁波海达")
    for hours in range(1, EXTRA + 1):
        submitted = at(LAST_MONTH, 3 + hours % 20, 9)
        OrderFactory(
            merchandiser=scored["east_a"],
            customer=customer,
            external_id=f"SO-BUSY-{hours:04d}",
            submitted_at=submitted,
            source_created_at=submitted,
            confirmed_at=submitted + dt.timedelta(hours=hours),
            status="confirmed",
        )
    return scored


def _url(person, code: str = "order_response_time", **query) -> str:
    query = {"period": LAST_MONTH.label, **query}
    return (
        reverse("dashboards:drilldown", args=[person.pk, code])
        + "?"
        + "&".join(f"{k}={v}" for k, v in query.items())
    )


def _cells(response) -> list[list[str]]:
    rows = re.findall(r'<tr data-testid="record-row".*?</tr>', response.content.decode(), re.S)
    return [re.findall(r"<td>(.*?)</td>", row) for row in rows]


def _order_numbers(response) -> list[str]:
    return [cells[0] for cells in _cells(response)]


def test_a_long_drilldown_is_paged_worst_first(busy, as_user):
    client = as_user("east_manager")
    first = client.get(_url(busy["east_a"]))
    numbers = _order_numbers(first)
    assert len(numbers) == PAGE_SIZE
    page = first.content.decode()
    assert 'data-testid="pager"' in page and 'data-testid="next-page"' in page
    pages = [first, *(client.get(_url(busy["east_a"], page=n)) for n in (2, 3))]
    last = pages[-1]
    assert 0 < len(_order_numbers(last)) < PAGE_SIZE
    listed = [number for page in pages for number in _order_numbers(page)]
    # Every record once, her own October orders included, none cut off.
    assert len(listed) == len(set(listed)) > EXTRA
    assert {f"SO-BUSY-{n:04d}" for n in range(1, EXTRA + 1)} <= set(listed)
    # Slowest first (the response in working hours, the fifth column), across the pages.
    hours = [float(cells[4].split()[0]) for page in pages for cells in _cells(page)]
    assert hours == sorted(hours, reverse=True)
    # Past the last page shows the last.
    assert _order_numbers(client.get(_url(busy["east_a"], page=99))) == _order_numbers(last)


def test_search_by_order_number_finds_a_record_past_the_first_page(busy, as_user):
    client = as_user("east_manager")
    assert "SO-BUSY-0003" not in _order_numbers(client.get(_url(busy["east_a"])))
    found = client.get(_url(busy["east_a"], q="so-busy-0003"))
    assert _order_numbers(found) == ["SO-BUSY-0003"]
    assert (
        'data-testid="no-match"' in client.get(_url(busy["east_a"], q="SO-NONE")).content.decode()
    )


def test_the_record_an_appeal_corrected_is_found_by_search_with_its_new_value(
    busy, as_user, django_capture_on_commit_callbacks
):
    people = busy
    ledger_adopt(actor="test")  # the orders as loaded before the ledger
    order = Order.objects.get(external_id="SO-BUSY-0004")
    corrected = order.submitted_at + dt.timedelta(hours=90)
    appeal = appeal_create(
        user=people["east_a"].user,
        record_type="order",
        record_id=order.pk,
        field_name="confirmed_at",
        claimed_value=timezone.localtime(corrected).strftime("%Y-%m-%d %H:%M"),
        category="system_failure",
        description="Confirmed late in the ERP; the customer changed the order.",
    )
    appeal_transition(appeal=appeal, user=people["east_a"].user, action="submit")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_transition(appeal=appeal, user=people["hr"].user, action="approve", reason="OK")
    client = as_user("east_manager")
    found = client.get(_url(people["east_a"], q="SO-BUSY-0004")).content.decode()
    row = re.search(r'<tr data-testid="record-row".*?</tr>', found, re.S).group(0)
    assert f'data-record-id="{order.pk}"' in row
    order.refresh_from_db()
    assert order.confirmed_at == corrected
    assert f"{timezone.localtime(corrected):%Y-%m-%d %H:%M}" in row  # the corrected time


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "Page"), ({"page": "x"}, "Page"), ({"q": "S" * 65}, "Search")],
)
def test_bad_paging_or_search_is_refused_naming_the_field(scored, as_user, query, field):
    with translation.override("en"):
        response = as_user("east_a").get(_url(scored["east_a"], **query), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = re.findall(r'data-testid="query-error">(.*?)</p>', response.content.decode())
    assert errors and errors[0].startswith(f"{field}:")


def test_a_drilldown_with_no_records_says_why(scored, as_user):
    # 李强 (east_b) submitted no improvement suggestion: scored 0 on it, and the page says why.
    response = as_user("east_manager").get(
        _url(scored["east_b"], "accepted_suggestions"), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="record-table"' not in page
    note = re.search(r'data-testid="drilldown-note">(.*?)</p>', page).group(1)
    assert note == "No improvement suggestion was submitted or decided this month."


# ---------------------------------------------------------------------------------------------
# The node on-time drill-down is sorted and paged by the database


NODE_ORDERS = 12  # × 8 nodes: 96 more nodes, two pages with 王芳's own


def _nodes_for(person, prefix: str) -> None:
    """``NODE_ORDERS`` orders of ``person`` with all eight nodes due last month: on time, late
    by a different number of minutes each, or still open."""
    for index in range(NODE_ORDERS):
        order = OrderFactory(merchandiser=person, external_id=f"{prefix}-{index:03d}")
        for position, node in enumerate(ProcessNode.values):
            started = at(LAST_MONTH, 2 + index, 8 + position)
            due = working_hours_after(started, Decimal("4"))
            kind = (index + position) % 3
            completed = (
                due - dt.timedelta(minutes=5)
                if kind == 0
                else due + dt.timedelta(minutes=7 * (index * 8 + position) + 1)
                if kind == 1
                else None
            )
            OrderNodeFactory(
                order=order,
                node=node,
                started_at=started,
                threshold_hours=Decimal("4"),
                completed_at=completed,
            )


@pytest.fixture
def noded(scored):
    _nodes_for(scored["east_a"], "SO-NODE")
    return scored


def _node_pages(client, person, **query) -> list[list[list[str]]]:
    """The cells of every page, following "next" to the last."""
    pages, number = [], 1
    while True:
        page = client.get(
            _url(person, "node_on_time_rate", page=number, **query), HTTP_ACCEPT_LANGUAGE="en"
        )
        pages.append(_cells(page))
        if 'data-testid="next-page"' not in page.content.decode():
            return pages
        number += 1


def test_node_pages_read_by_the_database_list_what_the_rule_lists_in_its_order(noded, as_user):
    """The pages, one after the other, are the rule's own list (late nodes first, the latest
    first, then by deadline), as reading every node and sorting in pandas gives it."""
    person = noded["east_a"]
    listing = DRILLDOWNS["node_on_time_rate"]
    window = period_window(LAST_MONTH)
    with translation.override("en"):
        expected = [
            listing.cells(record.values)
            for record in counted_records_read(
                calculator="node_on_time_rate",
                employee_id=person.pk,
                window=window,
                target=None,
                fields=listing.fields,
            )
        ]
        pages = _node_pages(as_user("east_manager"), person)
    assert len(pages) == 2 and len(pages[0]) == PAGE_SIZE
    shown = [cells for page in pages for cells in page]
    assert len(shown) == len(expected) == NODE_ORDERS * 8 + 2
    assert shown == [[html.escape(cell) for cell in cells] for cells in expected]
    assert shown[0][5] and not shown[-1][5]  # the latest first; on-time nodes say nothing


def test_a_node_is_found_by_its_order_number(noded, as_user):
    with translation.override("en"):
        pages = _node_pages(as_user("east_manager"), noded["east_a"], q="so-node-007")
    assert len(pages) == 1 and {cells[0] for cells in pages[0]} == {"SO-NODE-007"}
    assert len(pages[0]) == 8


def test_the_node_drilldown_reads_a_fixed_number_of_queries_however_many_nodes(noded, as_user):
    """Counted in one query, the page read with ORDER BY … LIMIT in another: twice the nodes,
    the same queries. (Each request asks for another page: a page seen is kept per session.)"""
    client = as_user("east_manager")

    def count(page: int) -> int:
        url = _url(noded["east_a"], "node_on_time_rate", page=page)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count(1)  # the scorecard behind the page is then kept, as for any second visitor
    before = count(2)
    _nodes_for(noded["east_a"], "SO-MORE")
    assert count(3) == before == NODE_PAGE_QUERIES
