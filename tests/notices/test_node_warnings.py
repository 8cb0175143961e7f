"""The node-warning job: a node about to time out warns its merchandiser once, a timed-out node
once more; nobody else is warned; set queries whatever the number of people."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notices.models import Notice, NoticeKind
from notices.services import node_warnings_raise
from notices.tasks import node_warnings_raise_task
from tests.clock import PINNED_NOW
from tests.factories import EmployeeFactory, UserFactory
from tests.notices.conftest import HOUR, open_node

pytestmark = pytest.mark.django_db


def _notices() -> set[tuple[str, str, str]]:
    return set(
        Notice.objects.values_list("recipient__username", "node__order__external_id", "kind")
    )


def test_a_node_an_hour_from_its_deadline_warns_its_merchandiser_once(nodes):
    raised = node_warnings_raise(now=PINNED_NOW)

    assert raised == {NoticeKind.NODE_DUE_SOON: 2, NoticeKind.NODE_OVERDUE: 2}
    assert _notices() == {
        ("east_a", "SO-SOON", NoticeKind.NODE_DUE_SOON),  # 1 working hour left
        ("east_b", "SO-OTHER", NoticeKind.NODE_DUE_SOON),  # half an hour left
        ("east_a", "SO-LATE", NoticeKind.NODE_OVERDUE),
        ("south_a", "SO-SOUTH", NoticeKind.NODE_OVERDUE),
    }
    # The job runs again (now, and five minutes later): no second notice.
    assert node_warnings_raise(now=PINNED_NOW) == {
        NoticeKind.NODE_DUE_SOON: 0,
        NoticeKind.NODE_OVERDUE: 0,
    }
    with time_machine.travel(PINNED_NOW + dt.timedelta(minutes=5), tick=False):
        node_warnings_raise_task.delay()
    assert Notice.objects.count() == 4
    assert not Notice.objects.filter(node=nodes["soon"]).exclude(recipient__username="east_a")


def test_a_node_that_times_out_raises_another_notice(nodes):
    node_warnings_raise(now=PINNED_NOW)
    after_deadline = PINNED_NOW + 1.5 * HOUR  # 11:30, half an hour past SO-SOON's deadline

    raised = node_warnings_raise(now=after_deadline)

    assert raised == {NoticeKind.NODE_DUE_SOON: 0, NoticeKind.NODE_OVERDUE: 2}
    assert set(
        Notice.objects.filter(node=nodes["soon"]).values_list("recipient__username", "kind")
    ) == {("east_a", NoticeKind.NODE_DUE_SOON), ("east_a", NoticeKind.NODE_OVERDUE)}
    assert Notice.objects.get(node=nodes["soon"], kind=NoticeKind.NODE_OVERDUE).created_at == (
        after_deadline
    )
    assert not Notice.objects.filter(node__in=[nodes["later"], nodes["done"], nodes["far"]])


def test_a_node_without_an_account_to_warn_is_skipped(nodes):
    nobody = EmployeeFactory(user=None, team=nodes["soon"].order.merchandiser.team)
    open_node(nobody, started=PINNED_NOW - HOUR, hours="1.5", order_no="SO-NOBODY")

    node_warnings_raise(now=PINNED_NOW)

    assert not Notice.objects.filter(node__order__external_id="SO-NOBODY")


def _queries(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        node_warnings_raise(now=now)
    return len(queries)


def test_the_job_costs_the_same_queries_for_three_people_or_thirty(nodes):
    """Per kind: one query for the nodes not yet warned of, one insert; plus the company's own
    days for the working hour ahead and the transaction's savepoint."""
    few = _queries(PINNED_NOW)
    Notice.objects.all().delete()
    team = nodes["soon"].order.merchandiser.team
    for number in range(27):
        person = EmployeeFactory(user=UserFactory(username=f"many{number}"), team=team)
        open_node(person, started=PINNED_NOW - HOUR, hours="1.5", order_no=f"SO-M{number}")
        open_node(person, started=PINNED_NOW - 3 * HOUR, hours="1", order_no=f"SO-N{number}")

    many = _queries(PINNED_NOW)

    assert Notice.objects.count() == 4 + 2 * 27
    assert many == few == 7


def test_new_notices_are_mailed_when_the_company_says_so(
    nodes, settings, django_capture_on_commit_callbacks
):
    settings.PERF_NODE_WARNINGS = {**settings.PERF_NODE_WARNINGS, "email": True}
    east_a = nodes["soon"].order.merchandiser.user
    east_a.email = "wangfang@example.com"
    east_a.save()

    with django_capture_on_commit_callbacks(execute=True):
        node_warnings_raise(now=PINNED_NOW)
    with django_capture_on_commit_callbacks(execute=True):
        node_warnings_raise(now=PINNED_NOW + dt.timedelta(minutes=5))

    # One mail, to the one recipient with an address, naming both her notices; none the second
    # time, when nothing new was raised.
    assert [message.to for message in mail.outbox] == [["wangfang@example.com"]]
    assert "SO-SOON" in mail.outbox[0].body
    assert "SO-LATE" in mail.outbox[0].body


def test_no_mail_unless_the_company_says_so(nodes, django_capture_on_commit_callbacks):
    east_a = nodes["soon"].order.merchandiser.user
    east_a.email = "wangfang@example.com"
    east_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        node_warnings_raise(now=PINNED_NOW)
    assert mail.outbox == []


def test_beat_runs_the_job_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["warn-nodes-due"]
    assert entry["task"] == node_warnings_raise_task.name
    assert entry["schedule"] == dt.timedelta(minutes=5)
