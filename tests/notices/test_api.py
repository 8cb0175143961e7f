"""The notices and work-today API for every role: each user lists and marks only their own
notices (ids of other people's are passed over exactly as ids of none), work today lists the
nodes of the people one may see, and bad input is a 400 naming the field."""

import datetime as dt

import pytest

from notices.models import Notice, NoticeKind
from notices.services import node_warnings_raise
from tests.clock import PINNED_NOW
from tests.factories import UserFactory
from tests.notices.test_pages import LISTED

pytestmark = pytest.mark.django_db

NOTICES, READ, TODAY = "/api/v1/notices/", "/api/v1/notices/read/", "/api/v1/work-today/"
# Everyone of the org chart, and nobody signed in.
ROLES = ["east_a", "east_b", "east_manager", "south_manager", "south_a", "hr", "admin", None]
# The job at the pinned instant (tests.notices.conftest.nodes): 王芳's SO-SOON is due within the
# hour and SO-LATE overdue; 李强's SO-OTHER is due soon; 刘洋's SO-SOUTH is overdue. Managers, HR
# and admins own no order: no notices.
OWN = {
    "east_a": {("SO-SOON", NoticeKind.NODE_DUE_SOON), ("SO-LATE", NoticeKind.NODE_OVERDUE)},
    "east_b": {("SO-OTHER", NoticeKind.NODE_DUE_SOON)},
    "south_a": {("SO-SOUTH", NoticeKind.NODE_OVERDUE)},
}


@pytest.fixture
def raised(nodes):
    node_warnings_raise(now=PINNED_NOW)
    return nodes


@pytest.fixture
def sign_in(client, org_chart):
    def signed(key):
        if key is not None:
            person = org_chart[key]
            client.force_login(person if key == "admin" else person.user)
        return client

    return signed


def _hers():
    return Notice.objects.filter(recipient__username="east_a")


def _post(client, body):
    return client.post(READ, body, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_each_user_lists_only_their_own_notices_newest_first(raised, sign_in, role):
    answer = sign_in(role).get(NOTICES)
    if role is None:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    body = answer.json()
    rows = body["results"]
    assert body["count"] == len(rows) == len(OWN.get(role, ()))
    assert {(row["order_no"], row["kind"]) for row in rows} == OWN.get(role, set())
    mine = Notice.objects.filter(recipient__username=role).order_by("-created_at", "-id")
    assert [row["id"] for row in rows] == list(mine.values_list("id", flat=True))
    assert all(row["read_at"] is None for row in rows)


def test_a_notice_reads_in_words(raised, sign_in):
    rows = sign_in("east_a").get(NOTICES, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    late = next(row for row in rows if row["order_no"] == "SO-LATE")
    assert late["kind_text"] == "Node timed out"
    assert late["order_text"] == "SO-LATE"
    assert (late["node"], late["node_text"]) == ("quality_check", "Quality check")
    assert dt.datetime.fromisoformat(late["due_at"]) == raised["late"].due_at


def test_unread_filters_the_unread_or_the_read(raised, sign_in):
    client = sign_in("east_a")
    soon = _hers().get(kind=NoticeKind.NODE_DUE_SOON)
    assert _post(client, {"ids": [soon.pk]}).json() == {"marked": 1, "unread": 1}
    ids = {
        value: [row["id"] for row in client.get(NOTICES, {"unread": value}).json()["results"]]
        for value in ("true", "false")
    }
    assert ids == {"true": [_hers().get(kind=NoticeKind.NODE_OVERDUE).pk], "false": [soon.pk]}
    assert len(client.get(NOTICES).json()["results"]) == 2


@pytest.mark.parametrize("value", ["maybe", "", "2"])
def test_a_bad_unread_is_a_400_naming_it(raised, sign_in, value):
    answer = sign_in("east_a").get(NOTICES, {"unread": value})
    assert answer.status_code == 400
    assert list(answer.json()) == ["unread"]


def test_the_list_is_paged_like_the_other_lists(raised, sign_in):
    client = sign_in("east_a")
    assert set(client.get(NOTICES).json()) == {"count", "next", "previous", "results"}
    assert client.get(NOTICES, {"page": 2}).status_code == 404


@pytest.mark.parametrize(
    "role", ["east_b", "east_manager", "south_manager", "south_a", "hr", "admin"]
)
def test_nobody_marks_another_persons_notices_or_learns_they_exist(raised, sign_in, role):
    client = sign_in(role)
    hers = list(_hers().values_list("pk", flat=True))
    missing = max(Notice.objects.values_list("pk", flat=True)) + 1000
    other_people = _post(client, {"ids": hers})
    nobodys = _post(client, {"ids": [missing]})
    # The same answer for her notices as for notices that do not exist.
    assert other_people.status_code == nobodys.status_code == 200
    assert other_people.json() == nobodys.json()
    assert other_people.json()["marked"] == 0
    # "All" marks one's own only.
    own = len(OWN.get(role, ()))
    assert _post(client, {"all": True}).json() == {"marked": own, "unread": 0}
    assert _hers().filter(read_at__isnull=True).count() == 2


def test_marking_some_and_then_all_read(raised, sign_in, org_chart):
    client = sign_in("east_a")
    soon, late = (
        _hers().get(kind=kind) for kind in (NoticeKind.NODE_DUE_SOON, NoticeKind.NODE_OVERDUE)
    )
    theirs = Notice.objects.get(recipient__username="east_b")
    # One of hers and 李强's: only hers is marked.
    assert _post(client, {"ids": [soon.pk, theirs.pk]}).json() == {"marked": 1, "unread": 1}
    # Marking it again marks nothing new.
    assert _post(client, {"ids": [soon.pk]}).json() == {"marked": 0, "unread": 1}
    assert _post(client, {"all": True}).json() == {"marked": 1, "unread": 0}
    late.refresh_from_db()
    theirs.refresh_from_db()
    assert late.read_at == PINNED_NOW and theirs.read_at is None
    # The header's count follows at once (its cached count was forgotten).
    page = client.get("/today/").content.decode()
    assert 'data-testid="notice-unread"' not in page


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"ids": [1], "all": True}, "non_field_errors"),
        ({"all": False}, "non_field_errors"),
        ({"ids": []}, "ids"),
        ({"ids": ["x"]}, "ids[0]"),
        ({"ids": [0]}, "ids[0]"),
        ({"ids": [2**63]}, "ids[0]"),
        ({"ids": 5}, "ids"),
        ({"ids": list(range(1, 502))}, "ids"),
        ({"all": "maybe"}, "all"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(raised, sign_in, body, field):
    answer = _post(sign_in("east_a"), body)
    assert answer.status_code == 400
    assert list(answer.json()) == [field]
    assert _hers().filter(read_at__isnull=True).count() == 2


@pytest.mark.parametrize("role", ROLES)
def test_anonymous_is_refused_and_everyone_marks_their_own(raised, sign_in, role):
    answer = _post(sign_in(role), {"all": True})
    if role is None:
        assert answer.status_code == 403
        assert Notice.objects.filter(read_at__isnull=False).count() == 0
        return
    assert answer.status_code == 200
    assert answer.json()["marked"] == len(OWN.get(role, ()))
    assert set(
        Notice.objects.filter(read_at__isnull=False).values_list("recipient__username", flat=True)
    ) <= {role}


def test_a_user_without_a_role_is_refused(raised, client):
    client.force_login(UserFactory(username="nobody"))
    for answer in (client.get(NOTICES), _post(client, {"all": True}), client.get(TODAY)):
        assert answer.status_code == 403


@pytest.mark.parametrize("role", [*LISTED, "south_a", None])
def test_work_today_lists_the_nodes_of_the_people_one_may_see(nodes, sign_in, role):
    answer = sign_in(role).get(TODAY)
    if role is None:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    body = answer.json()
    expected = LISTED.get(role, ["SO-SOUTH"])
    assert [node["order_no"] for node in body["nodes"]] == expected
    assert body["overdue"] + body["due_soon"] == len(expected)


def test_work_today_gives_working_time_left_and_over_as_worked_by_hand(nodes, sign_in):
    """As on the page (tests.notices.test_pages): 28 working hours over, 1 and 22 left."""
    body = sign_in("east_a").get(TODAY, HTTP_ACCEPT_LANGUAGE="en").json()
    assert (body["overdue"], body["due_soon"], body["horizon_hours"]) == (1, 2, 24.0)
    assert [(n["working_hours"], n["overdue"]) for n in body["nodes"]] == [
        (-28.0, True),
        (1.0, False),
        (22.0, False),
    ]
    assert body["nodes"][0]["node_text"] == "Quality check"
    assert body["nodes"][0]["merchandiser"] == "王芳"
