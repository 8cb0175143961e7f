"""My work today and marking notices read, for every role: a merchandiser sees only their own
nodes and notices, a manager their teams', HR and admins everyone's; working time left and over
as hand-worked on the calendar of ``conftest.calendar``."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from notices.models import Notice, NoticeKind
from notices.services import node_warnings_raise
from tests.clock import PINNED_NOW

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = reverse("notices:today")
READ = reverse("notices:read")

OWN = ["SO-LATE", "SO-SOON", "SO-LATER"]  # the longest overdue first
LISTED = {
    "east_a": OWN,
    "east_b": ["SO-OTHER"],
    "east_manager": ["SO-LATE", "SO-OTHER", "SO-SOON", "SO-LATER"],
    "south_manager": ["SO-SOUTH"],
    "hr": ["SO-SOUTH", "SO-LATE", "SO-OTHER", "SO-SOON", "SO-LATER"],
    "admin": ["SO-SOUTH", "SO-LATE", "SO-OTHER", "SO-SOON", "SO-LATER"],
}


def _orders(response) -> list[str]:
    return [node.order_no for node, _link in response.context["rows"]]


@pytest.mark.parametrize("key", list(LISTED))
def test_each_role_lists_the_nodes_of_the_people_it_may_see(nodes, as_user, key):
    response = as_user(key).get(TODAY, **ENGLISH)
    assert response.status_code == 200
    assert _orders(response) == LISTED[key]


def test_anonymous_is_sent_to_sign_in(nodes, client):
    for response in (client.get(TODAY), client.post(READ)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(nodes, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get(TODAY).status_code == 403
    assert client.post(READ).status_code == 403


def test_working_time_left_and_over_as_worked_by_hand(nodes, as_user):
    """SO-LATE was due the 17th 06:00: 28 working hours over at the 18th 10:00. SO-SOON is due
    11:00: 1 hour left. SO-LATER is due the 20th 08:00: 14 hours of the 18th and 8 of the 20th
    (the 19th is a holiday), 22 working hours left, not the clock's 46."""
    response = as_user("east_a").get(TODAY, **ENGLISH)
    work = response.context["work"]
    assert (work.overdue, work.due_soon) == (1, 2)
    assert [node.working_hours for node in work.nodes] == [-28.0, 1.0, 22.0]
    page = response.content.decode()
    for text in ["1 d 4 h over", "1 h left", "22 h left", "Quality check", "Stock check"]:
        assert text in page
    # A merchandiser's own list names nobody; a manager's names whose node it is.
    assert "王芳" not in page.split('data-testid="today-table"')[1].split("</table>")[0]
    team_page = as_user("east_manager").get(TODAY, **ENGLISH).content.decode()
    assert "王芳" in team_page and "李强" in team_page


def test_the_header_counts_unread_notices_and_reading_clears_them(nodes, as_user):
    node_warnings_raise(now=PINNED_NOW)
    client = as_user("east_a")
    page = client.get(TODAY, **ENGLISH).content.decode()
    assert 'data-testid="notice-unread">2<' in page
    assert page.count('data-testid="notice"') == 2

    one = Notice.objects.get(recipient__username="east_a", kind=NoticeKind.NODE_DUE_SOON)
    assert client.post(READ, {"notice": one.pk}).status_code == 302
    assert 'data-testid="notice-unread">1<' in client.get(TODAY).content.decode()
    assert client.post(READ).status_code == 302
    assert 'data-testid="notice-unread"' not in client.get(TODAY).content.decode()
    assert not Notice.objects.filter(recipient__username="east_a", read_at__isnull=True)


@pytest.mark.parametrize("key", ["east_b", "east_manager", "south_manager", "hr", "admin"])
def test_nobody_reads_or_sees_another_persons_notices(nodes, as_user, key):
    node_warnings_raise(now=PINNED_NOW)
    hers = Notice.objects.filter(recipient__username="east_a")
    client = as_user(key)

    assert client.post(READ, {"notice": hers.first().pk}).status_code == 404
    client.post(READ)  # "mark all read" marks only one's own
    shown = client.get(TODAY).context["notices"]

    assert hers.filter(read_at__isnull=True).count() == 2
    assert all(str(notice.recipient_id) == client.session["_auth_user_id"] for notice in shown)
    assert not {notice.pk for notice in shown} & set(hers.values_list("pk", flat=True))


@pytest.mark.parametrize("value", ["abc", "0", "-3"])
def test_a_malformed_notice_is_refused_naming_the_field(nodes, as_user, value):
    response = as_user("east_a").post(READ, {"notice": value}, **ENGLISH)
    assert response.status_code == 400
    assert "Notice:" in response.content.decode()


def test_reading_needs_a_post(nodes, as_user):
    assert as_user("east_a").get(READ).status_code == 405


def test_the_nav_links_my_work_today_for_every_role(nodes, as_user):
    for key in LISTED:
        assert f'href="{TODAY}"' in as_user(key).get(TODAY).content.decode()


def test_a_node_of_a_scored_month_links_to_the_drilldown_listing_it(org_chart, as_user):
    """A node open since last month (scored): its order number links to its merchandiser's node
    on-time drill-down of that month, searched by the order number, which lists it."""
    from tests.clock import LAST_MONTH, at
    from tests.dashboards.company import scored_company
    from tests.factories import OrderFactory, OrderNodeFactory

    scored_company(org_chart)
    node = OrderNodeFactory(
        order=OrderFactory(merchandiser=org_chart["east_a"], external_id="SO-FORGOTTEN"),
        started_at=at(LAST_MONTH, 3, 9),
        threshold_hours=8,
        completed_at=None,
    )
    client = as_user("east_a")
    rows = {shown.order_no: link for shown, link in client.get(TODAY).context["rows"]}

    assert rows["SO-FORGOTTEN"].startswith(
        reverse("dashboards:drilldown", args=[org_chart["east_a"].pk, "node_on_time_rate"])
    )
    found = client.get(rows["SO-FORGOTTEN"], **ENGLISH).content.decode()
    assert f'data-record-id="{node.pk}"' in found


def test_an_order_entered_in_perf_is_named_by_its_customer_and_day_not_its_id(
    org_chart, calendar, as_user
):
    """Without a number from a source, an order is its customer and day (as appeals name it),
    in the list and in the notices, never ``#<id>``; its link lists its merchandiser's nodes."""
    from tests.factories import CustomerFactory, OrderFactory, OrderNodeFactory

    order = OrderFactory(
        merchandiser=org_chart["east_a"],
        external_id="",
        customer=CustomerFactory(name="华东贸易"),
        submitted_at=PINNED_NOW - dt.timedelta(days=1),
    )
    OrderNodeFactory(
        order=order, started_at=PINNED_NOW, threshold_hours=Decimal("0.5"), completed_at=None
    )
    node_warnings_raise(now=PINNED_NOW)
    response = as_user("east_a").get(TODAY, **ENGLISH)
    day = f"{PINNED_NOW - dt.timedelta(days=1):%Y-%m-%d}"
    assert _orders(response) == [f"华东贸易, {day} (no order number)"]
    page = response.content.decode()
    assert page.count(f"华东贸易, {day} (no order number)") == 2  # the list and the notice
    assert f"#{order.pk}" not in page
