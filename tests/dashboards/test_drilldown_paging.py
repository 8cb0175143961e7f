"""Drill-downs through the HTTP client: paged rather than cut, worst first across pages,
searchable by order number (a record corrected by an appeal is found again), bad paging input
refused naming the field, and an empty list that says why."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from appeals.services import appeal_create, appeal_transition
from dashboards.drilldowns import PAGE_SIZE
from ingest.ledger import ledger_adopt
from ingest.models import Order
from tests.clock import at
from tests.dashboards.company import LAST_MONTH
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

EXTRA = 2 * PAGE_SIZE + 10  # three pages with 王芳's own three orders


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
    hours = [float(cells[4]) for page in pages for cells in _cells(page)]
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
