"""Corrections that stick: a field an approved appeal corrected is held against later syncs; the
source's different value is kept as a conflict that HR accepts (the record takes it, the month
is rescored) or dismisses (the correction stays), both in the ledger; a source that sends the
corrected value itself ends the hold. Per role: who sees and decides."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.models import Appeal, AppealState
from appeals.services import appeal_create, appeal_transition
from indicators.models import IndicatorDefinition
from ingest.holds import field_hold
from ingest.ledger import ledger_adopt
from ingest.ledger_verify import ledger_verify
from ingest.models import (
    ConflictState,
    CorrectionConflict,
    FieldHold,
    HoldEnd,
    LedgerEntry,
    Order,
    OrderNode,
    Source,
    SyncRun,
    SyncTrigger,
)
from ingest.services import records_push
from org.calendar import working_hours_after
from scoring import services as scoring
from scoring.models import IndicatorScore, RunStatus, ScoreRun
from scoring.tasks import score_run_task
from tests.clock import LAST_MONTH, at, stamp
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderNodeFactory,
    TicketFactory,
    catalog_settings_set,
)
from tests.ingest.conftest import ledger_committed
from tests.ingest.test_node_due import NODE_MAPPING
from tests.ingest.test_sync import ORDER_MAPPING

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

ENGLISH = {"Accept-Language": "en"}
SOURCE_HOURS = 6  # the ERP says each order was confirmed 6 h after it was submitted
CORRECTED_HOURS = 2  # the appeal proved SO0001 was confirmed after 2 h


def submitted(number: int) -> dt.datetime:
    return at(LAST_MONTH, 4 + number % 20, 9)


def order_row(number: int, *, staff_no: str, hours: float = SOURCE_HOURS, **changes) -> dict:
    """An ERP order row of last month, in company time as the ERP writes it."""
    start = submitted(number)
    return {
        "order_no": f"SO{number:04d}",
        "submitted": f"{start:%Y-%m-%d %H:%M:%S}",
        "created": f"{start:%Y-%m-%d %H:%M:%S}",
        "confirmed": f"{start + dt.timedelta(hours=hours):%Y-%m-%d %H:%M:%S}",
        "staff_no": staff_no,
        "customer_code": "C001",
        "amount": "1000.50",
        "state": "已确认",
    } | changes


def push(source: Source, rows: list[dict]):
    return records_push(source=source, record_type="order", rows=rows, trigger=SyncTrigger.WEBHOOK)


def response_hours(person) -> float:
    return IndicatorScore.objects.get(
        employee_score__employee=person,
        employee_score__is_current=True,
        indicator__code="order_response_time",
    ).raw


@pytest.fixture
def erp(org_chart):
    """王芳 (east_a) has three orders of last month from the ERP, each confirmed after 6 h, and a
    rating, a reply and a ticket (so enough weight is measured for a total); scored once."""
    person = org_chart["east_a"]
    customer = CustomerFactory(external_id="C001")
    FeedbackFactory(employee=person, customer=customer, submitted_at=at(LAST_MONTH, 12))
    FollowUpFactory(employee=person, customer=customer, occurred_at=at(LAST_MONTH, 12))
    TicketFactory(
        employee=person,
        customer=customer,
        opened_at=at(LAST_MONTH, 12),
        resolved_at=at(LAST_MONTH, 12, 15),
    )
    ledger_adopt(actor="test")
    source = Source.objects.create(name="erp", kind="rest", mappings={"order": ORDER_MAPPING})
    push(source, [order_row(n, staff_no=person.employee_no) for n in (1, 2, 3)])
    catalog_settings_set(IndicatorDefinition.objects.exclude(min_volume=None), min_volume=1)
    scoring.compute_period(LAST_MONTH)
    return {**org_chart, "source": source}


def approved_correction(people, django_capture_on_commit_callbacks) -> Appeal:
    """王芳's appeal on SO0001's confirmation time (2 h, not 6 h), approved by HR and rescored."""
    person = people["east_a"]
    order = Order.objects.get(external_id="SO0001")
    corrected = submitted(1) + dt.timedelta(hours=CORRECTED_HOURS)
    appeal = appeal_create(
        user=person.user,
        record_type="order",
        record_id=order.pk,
        field_name="confirmed_at",
        claimed_value=stamp(corrected.day, corrected.hour),
        category="system_failure",
        description="The ERP was down; I confirmed by phone.",
    )
    appeal_transition(appeal=appeal, user=person.user, action="submit")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_transition(appeal=appeal, user=people["hr"].user, action="approve", reason="Log")
    return appeal


@pytest.fixture
def conflict(erp, django_capture_on_commit_callbacks):
    """After the approved correction, the ERP sends SO0001 again with its old confirmation time
    and a new amount."""
    appeal = approved_correction(erp, django_capture_on_commit_callbacks)
    run = push(
        erp["source"],
        [order_row(1, staff_no=erp["east_a"].employee_no, amount="1200.00")],
    )
    return {**erp, "appeal": appeal, "run": run}


def test_an_approved_correction_survives_a_sync_that_brings_the_old_value(conflict):
    people, run = conflict, conflict["run"]
    appeal = Appeal.objects.get(pk=conflict["appeal"].pk)
    order = Order.objects.get(external_id="SO0001")

    corrected = submitted(1) + dt.timedelta(hours=CORRECTED_HOURS)
    assert order.confirmed_at == corrected  # held
    assert str(order.amount) == "1200.00"  # the record's other fields still update
    assert (run.updated, run.held) == (1, 1)
    assert appeal.state == AppealState.APPROVED
    assert response_hours(people["east_a"]) == pytest.approx((2 + 6 + 6) / 3)
    stored = CorrectionConflict.objects.get()
    assert stored.state == ConflictState.OPEN
    assert (stored.run, stored.hold.appeal_number) == (run, appeal.pk)
    source_time = submitted(1) + dt.timedelta(hours=SOURCE_HOURS)
    assert stored.source_text == f"{source_time:%Y-%m-%d %H:%M}"
    assert stored.hold.value_text == f"{corrected:%Y-%m-%d %H:%M}"
    # The sync's ledger entry holds the record as stored: the ledger still verifies.
    latest = LedgerEntry.objects.filter(record_type="order", record_id=order.pk).latest("id")
    assert latest.actor == f"sync:{run.pk}"
    ledger_committed()
    assert ledger_verify().ok

    # Listed on the sources page, with the record's number, the field's name, both values and
    # the appeal.
    client = APIClient(headers=ENGLISH)
    client.force_login(people["hr"].user)
    page = client.get(reverse("ingest:source_list")).content.decode()
    assert "Conflicts with corrections" in page
    row = page[page.index('data-testid="correction-conflict"') :]
    for shown in [
        "SO0001",
        "Confirmed at",
        f"{source_time:%Y-%m-%d %H:%M}",
        f"{corrected:%Y-%m-%d %H:%M}",
        reverse("appeals:detail", args=[appeal.pk]),
        'data-testid="conflict-accept"',
    ]:
        assert shown in row
    assert (
        "SO0001"
        in client.get(reverse("ingest:source_detail", args=[people["source"].pk])).content.decode()
    )
    # … in the API …
    listed = client.get("/api/v1/correction-conflicts/", {"state": "open"}).json()
    assert listed["count"] == 1
    assert listed["results"][0] | {"detected_at": None} == {
        "id": stored.pk,
        "state": "open",
        "state_label": "Waiting for a decision",
        "record_type": "order",
        "record_type_label": "Orders",
        "record_id": order.pk,
        "record_label": "SO0001",
        "field": "confirmed_at",
        "field_label": "confirmed at",
        "source_value": f"{source_time:%Y-%m-%d %H:%M}",
        "corrected_value": f"{corrected:%Y-%m-%d %H:%M}",
        "appeal": appeal.pk,
        "run": run.pk,
        "source": people["source"].pk,
        "source_name": "erp",
        "detected_at": None,
        "decided_by": None,
        "decided_at": None,
    }
    assert client.get(f"/api/v1/sync-runs/{run.pk}/").json()["held"] == 1
    # … and on the appeal, with its state.
    appeal_page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "Conflicts with the source" in appeal_page and "Waiting for a decision" in appeal_page

    # The same old value again: still held, still one conflict waiting.
    again = push(people["source"], [order_row(1, staff_no=people["east_a"].employee_no)])
    assert (again.held, again.updated) == (1, 1)  # the amount went back; the time did not
    assert CorrectionConflict.objects.get().run == run
    assert Order.objects.get(external_id="SO0001").confirmed_at == corrected


def test_accepting_the_source_value_corrects_the_record_back_and_rescores(
    conflict, django_capture_on_commit_callbacks
):
    people = conflict
    hr = people["hr"].user
    order = Order.objects.get(external_id="SO0001")
    stored = CorrectionConflict.objects.get()
    client = APIClient(headers=ENGLISH)
    client.force_login(hr)
    # The runs the pushes queued have run (a queued one would be joined by the rescoring).
    for queued in ScoreRun.objects.filter(status=RunStatus.QUEUED):
        score_run_task.run(queued.pk)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/correction-conflicts/{stored.pk}/accept/")

    assert answer.status_code == 200, answer.content
    assert (answer.json()["state"], answer.json()["decided_by"]) == ("accepted", hr.username)
    order.refresh_from_db()
    assert order.confirmed_at == submitted(1) + dt.timedelta(hours=SOURCE_HOURS)
    version = order.history.first()
    assert version.history_user == hr
    assert f"appeal #{people['appeal'].pk}" in version.history_change_reason
    entry = LedgerEntry.objects.filter(record_type="order", record_id=order.pk).latest("id")
    assert (entry.action, entry.actor) == ("updated", f"user:{hr.pk}")
    hold = FieldHold.objects.get()
    assert (hold.end, hold.ended_by) == (HoldEnd.SOURCE_ACCEPTED, hr)
    # Rescored through the appeals' path: the month's run names the decision and succeeded.
    rerun = ScoreRun.objects.filter(period_start=LAST_MONTH.start).latest("pk")
    assert f"appeal #{people['appeal'].pk}" in rerun.reason
    assert (rerun.status, rerun.triggered_by) == (RunStatus.SUCCEEDED, hr)
    assert response_hours(people["east_a"]) == pytest.approx(6.0)
    ledger_committed()
    assert ledger_verify().ok

    # Decided once: a second decision is refused; the hold is over, so the source writes again.
    assert client.post(f"/api/v1/correction-conflicts/{stored.pk}/dismiss/").status_code == 409
    later = push(people["source"], [order_row(1, staff_no=people["east_a"].employee_no, hours=7)])
    assert (later.updated, later.held) == (1, 0)
    assert CorrectionConflict.objects.count() == 1


def test_dismissing_keeps_the_correction_and_the_same_value_is_not_listed_again(conflict):
    people = conflict
    hr = people["hr"].user
    order = Order.objects.get(external_id="SO0001")
    corrected = order.confirmed_at
    stored = CorrectionConflict.objects.get()
    client = APIClient(headers=ENGLISH)
    client.force_login(hr)
    back = reverse("ingest:source_detail", args=[people["source"].pk])

    answer = client.post(reverse("ingest:conflict_dismiss", args=[stored.pk]), {"next": back})

    assert (answer.status_code, answer.url) == (302, back)
    stored.refresh_from_db()
    assert (stored.state, stored.decided_by) == (ConflictState.DISMISSED, hr)
    order.refresh_from_db()
    assert order.confirmed_at == corrected
    entry = LedgerEntry.objects.filter(record_type="order", record_id=order.pk).latest("id")
    assert (entry.action, entry.actor) == ("kept", f"user:{hr.pk}")
    assert FieldHold.objects.get().ended_at is None
    ledger_committed()
    assert ledger_verify().ok
    page = client.get(reverse("appeals:detail", args=[people["appeal"].pk])).content.decode()
    assert "Correction kept" in page

    # HR decided on that value: the next sync bringing it holds it without asking again …
    again = push(people["source"], [order_row(1, staff_no=people["east_a"].employee_no)])
    assert again.held == 1
    assert not CorrectionConflict.objects.filter(state=ConflictState.OPEN).exists()
    assert "Conflicts with corrections" not in client.get(back).content.decode()
    # … and a different one is a new conflict.
    other = push(people["source"], [order_row(1, staff_no=people["east_a"].employee_no, hours=8)])
    assert other.held == 1
    assert CorrectionConflict.objects.filter(state=ConflictState.OPEN).count() == 1
    assert Order.objects.get(pk=order.pk).confirmed_at == corrected


def test_a_source_that_sends_the_corrected_value_ends_the_hold(conflict):
    people = conflict
    staff_no = people["east_a"].employee_no
    fixed = push(people["source"], [order_row(1, staff_no=staff_no, hours=CORRECTED_HOURS)])

    assert fixed.held == 0
    hold = FieldHold.objects.get()
    assert (hold.end, hold.ended_by) == (HoldEnd.SOURCE_AGREED, None)
    assert CorrectionConflict.objects.get().state == ConflictState.RESOLVED
    # Nothing holds the field any more: the source's later values are written as usual.
    later = push(people["source"], [order_row(1, staff_no=staff_no, hours=3)])
    assert (later.updated, later.held) == (1, 0)
    assert Order.objects.get(external_id="SO0001").confirmed_at == submitted(1) + dt.timedelta(
        hours=3
    )
    ledger_committed()
    assert ledger_verify().ok


def test_a_held_merchandiser_is_shown_by_number_and_held(
    conflict, django_capture_on_commit_callbacks
):
    """A relation is held like a time: the source's other person is listed by their number."""
    people = conflict
    order = Order.objects.get(external_id="SO0002")
    field_hold(
        record=order,
        field_name="merchandiser",
        appeal_number=people["appeal"].pk,
        value_text=people["east_a"].employee_no,
    )
    run = push(people["source"], [order_row(2, staff_no=people["east_b"].employee_no)])
    assert run.held == 1
    assert Order.objects.get(pk=order.pk).merchandiser == people["east_a"]
    assert CorrectionConflict.objects.get(hold__field_name="merchandiser").source_text == (
        people["east_b"].employee_no
    )


def test_a_held_node_start_keeps_its_due_time_with_it(erp):
    """A node's due time is derived from its start: held at the corrected start, it is derived
    from that start and the threshold the source now sends, so the stored row and its ledger
    entry agree."""
    source = erp["source"]
    source.mappings = {**source.mappings, "order_node": NODE_MAPPING}
    source.save()
    start = submitted(1) + dt.timedelta(hours=1)

    def node(started: dt.datetime, hours: str) -> dict:
        return {"order_no": "SO0001", "node": "requirement", "hours": hours,
                "started": f"{started:%Y-%m-%d %H:%M:%S}", "completed": ""}  # fmt: skip

    records_push(source=source, record_type="order_node", rows=[node(start, "4")], trigger="x")
    stored = OrderNode.objects.get()
    field_hold(record=stored, field_name="started_at", appeal_number=1, value_text="")
    run = records_push(
        source=source,
        record_type="order_node",
        rows=[node(start + dt.timedelta(hours=2), "8")],
        trigger="x",
    )

    assert (run.updated, run.held) == (1, 1)
    stored.refresh_from_db()
    assert (stored.started_at, stored.threshold_hours) == (start, Decimal("8.00"))
    assert stored.due_at == working_hours_after(start, Decimal("8"))
    ledger_committed()
    assert ledger_verify().ok


def held_orders(people, numbers: range):
    """Orders ``numbers`` of 王芳 synced and their confirmation times held (as stored)."""
    push(people["source"], [order_row(n, staff_no=people["east_a"].employee_no) for n in numbers])
    orders = Order.objects.filter(external_id__in=[f"SO{n:04d}" for n in numbers])
    for order in orders:
        field_hold(record=order, field_name="confirmed_at", appeal_number=1, value_text="")
    return orders


def test_a_sync_of_many_held_records_costs_no_query_per_record(erp, django_assert_max_num_queries):
    """200 orders, each with its confirmation time held: a push bringing other times for all of
    them keeps every one as a conflict in a bounded number of queries."""
    people = erp
    numbers = range(10, 210)
    orders = held_orders(people, numbers)

    rows = [
        order_row(n, staff_no=people["east_a"].employee_no, hours=7, amount="99.00")
        for n in numbers
    ]
    with django_assert_max_num_queries(45):
        run = push(people["source"], rows)

    assert (run.updated, run.held) == (200, 200)
    assert CorrectionConflict.objects.filter(state=ConflictState.OPEN).count() == 200
    held = orders.filter(confirmed_at=F("submitted_at") + dt.timedelta(hours=SOURCE_HOURS))
    assert (held.count(), orders.filter(amount="99.00").count()) == (200, 200)
    ledger_committed()
    assert ledger_verify().ok


def test_the_pages_and_api_list_many_conflicts_in_a_bounded_number_of_queries(
    erp, as_user, django_assert_max_num_queries
):
    numbers = range(10, 70)
    held_orders(erp, numbers)
    push(
        erp["source"], [order_row(n, staff_no=erp["east_a"].employee_no, hours=7) for n in numbers]
    )
    node = OrderNodeFactory(order=Order.objects.get(external_id="SO0010"))
    field_hold(record=node, field_name="completed_at", appeal_number=1, value_text="")
    CorrectionConflict.objects.create(
        hold=FieldHold.objects.get(record_type="order_node"),
        run=SyncRun.objects.latest("pk"),
        source_value="null",
        detected_at=timezone.now(),
    )
    client = as_user("hr")
    with django_assert_max_num_queries(11):
        page = client.get(reverse("ingest:source_list"), headers=ENGLISH).content.decode()
    assert page.count('data-testid="correction-conflict"') == 50
    assert "waiting for a decision: 61." in page
    assert "SO0010 · " in page  # the node, by its order's number and its name
    api = APIClient(headers=ENGLISH)
    api.force_login(erp["hr"].user)
    with django_assert_max_num_queries(8):
        listed = api.get("/api/v1/correction-conflicts/", {"source": erp["source"].pk}).json()
    assert (listed["count"], len(listed["results"])) == (61, 50)


@pytest.mark.parametrize(
    ("role", "sees_sources", "decides"),
    [
        ("east_a", False, False),
        ("east_manager", False, False),
        ("hr", True, True),
        ("admin", True, True),
    ],
)
def test_who_sees_and_decides_conflicts(conflict, as_user, role, sees_sources, decides):
    people = conflict
    stored = CorrectionConflict.objects.get()
    client = as_user(role)
    api = APIClient(headers=ENGLISH)
    api.force_login(people[role] if role == "admin" else people[role].user)
    source_page = reverse("ingest:source_detail", args=[people["source"].pk])

    assert client.get(reverse("ingest:source_list")).status_code == (200 if sees_sources else 403)
    assert client.get(source_page).status_code == (200 if sees_sources else 403)
    assert api.get("/api/v1/correction-conflicts/").status_code == (200 if decides else 403)
    assert api.get(f"/api/v1/correction-conflicts/{stored.pk}/").status_code == (
        200 if decides else 403
    )
    # Whoever sees the appeal sees its conflicts; only HR and admins get the buttons.
    appeal_page = client.get(reverse("appeals:detail", args=[people["appeal"].pk]), headers=ENGLISH)
    assert appeal_page.status_code == 200
    assert "Conflicts with the source" in appeal_page.content.decode()
    assert ('data-testid="conflict-accept"' in appeal_page.content.decode()) is decides

    refused = client.post(reverse("ingest:conflict_dismiss", args=[stored.pk]))
    assert refused.status_code == (302 if decides else 403)
    if decides:
        stored.refresh_from_db()
        assert stored.state == ConflictState.DISMISSED
        stored.state, stored.decided_by, stored.decided_at = ConflictState.OPEN, None, None
        stored.save()
    answer = api.post(f"/api/v1/correction-conflicts/{stored.pk}/accept/")
    assert answer.status_code == (200 if decides else 403)
    stored.refresh_from_db()
    assert stored.state == (ConflictState.ACCEPTED if decides else ConflictState.OPEN)


def test_bad_requests_get_answers_not_errors(conflict):
    client = APIClient(headers=ENGLISH)
    client.force_login(conflict["hr"].user)
    assert client.get("/api/v1/correction-conflicts/", {"state": "maybe"}).status_code == 400
    assert client.get("/api/v1/correction-conflicts/", {"source": "x"}).status_code == 400
    assert client.get("/api/v1/correction-conflicts/999999/").status_code == 404
    assert client.post("/api/v1/correction-conflicts/999999/accept/").status_code == 404
    assert client.get(reverse("ingest:conflict_accept", args=[1])).status_code == 405
    stored = CorrectionConflict.objects.get()
    # An address elsewhere is not followed back.
    answer = client.post(
        reverse("ingest:conflict_dismiss", args=[stored.pk]), {"next": "https://evil.example/"}
    )
    assert answer.url == reverse("ingest:source_list")
