"""Appeals end to end: filing, the state machine per role, the correction with its ledger entry
and the recomputed score, evidence uploads, deadlines and notifications."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from appeals.errors import AppealRefused
from appeals.evidence import evidence_add
from appeals.models import Appeal, AppealState, Correction, Notification
from appeals.selectors import appeal_queue, corrections_for, overdue_appeals
from appeals.services import appeal_create, appeal_transition
from indicators.models import IndicatorDefinition
from ingest.ledger import ledger_adopt
from ingest.ledger_verify import ledger_verify
from ingest.models import LedgerEntry, Order
from org.calendar import add_working_days
from scoring import services as scoring
from scoring.models import EmployeeScore, IndicatorScore
from tests.clock import LAST_MONTH, PINNED_NOW, at, stamp
from tests.factories import (
    CustomerFactory,
    FeedbackFactory,
    FollowUpFactory,
    OrderFactory,
    TicketFactory,
    catalog_settings_set,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def scored(org_chart):
    """The east team's October: the manager answered three orders in 6 hours each, 王芳 in 1,
    李强 in 20, all delivered; each also has a rating, a reply and a ticket (so enough of the
    weight is measured for a total); scored once."""
    customer = CustomerFactory()
    for key, hours in [("east_manager", 6), ("east_a", 1), ("east_b", 20)]:
        person = org_chart[key]
        FeedbackFactory(employee=person, customer=customer, submitted_at=at(LAST_MONTH, 12))
        FollowUpFactory(employee=person, customer=customer, occurred_at=at(LAST_MONTH, 12))
        TicketFactory(
            employee=person,
            customer=customer,
            opened_at=at(LAST_MONTH, 12),
            resolved_at=at(LAST_MONTH, 12, 15),
        )
        for day in range(3):
            submitted = at(LAST_MONTH, 5 + day, 9)
            OrderFactory(
                merchandiser=org_chart[key],
                customer=customer,
                submitted_at=submitted,
                source_created_at=submitted,
                confirmed_at=submitted + dt.timedelta(hours=hours),
                shipped_at=submitted + dt.timedelta(days=1),
                delivered_at=submitted + dt.timedelta(days=3),
                status="delivered",
            )
    ledger_adopt(actor="test")  # the orders as loaded before the ledger
    # A handful of records stands for the month's work here: one is enough for a rate or a mean
    # to be measured (the minimum volume is tested in tests/scoring).
    catalog_settings_set(IndicatorDefinition.objects.exclude(min_volume=None), min_volume=1)
    scoring.compute_period(LAST_MONTH)
    return org_chart


def _order(people, key: str) -> Order:
    return Order.objects.filter(merchandiser=people[key]).order_by("submitted_at").first()


def _file(people, key: str = "east_manager", *, by: str | None = None, value: str = "") -> Appeal:
    order = _order(people, key)
    return appeal_create(
        user=people[by or key].user if by != "admin" else people["admin"],
        record_type="order",
        record_id=order.pk,
        field_name="confirmed_at",
        claimed_value=value or stamp(5, 11),
        category="system_failure",
        description="The ERP was down; I confirmed by phone at 11:00.",
    )


def _response_row(employee) -> IndicatorScore:
    return IndicatorScore.objects.get(
        employee_score__employee=employee,
        employee_score__is_current=True,
        indicator__code="order_response_time",
    )


def test_approved_correction_versions_the_record_writes_the_ledger_and_rescores(
    scored, django_capture_on_commit_callbacks
):
    people = scored
    manager = people["east_manager"]
    before_row = _response_row(manager)
    # 6 h against baseline 24 h and target 2 h: (24 − 6) / 22 × 100.
    assert before_row.raw == pytest.approx(6.0)
    assert before_row.normalised == pytest.approx(81.82, abs=0.01)
    total_before = EmployeeScore.objects.get(employee=manager, is_current=True).total

    appeal = _file(people)
    appeal_transition(appeal=appeal, user=manager.user, action="submit")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_transition(appeal=appeal, user=people["hr"].user, action="approve", reason="Log OK")

    order = _order(people, "east_manager")
    assert order.confirmed_at == at(LAST_MONTH, 5, 11)
    version = order.history.first()
    assert version.history_user == people["hr"].user
    assert f"#{appeal.pk}" in version.history_change_reason
    entry = LedgerEntry.objects.filter(record_type="order", record_id=order.pk).latest("id")
    assert entry.actor == f"appeal:{appeal.pk}"
    assert Correction.objects.get(appeal=appeal).ledger_entry == entry
    assert ledger_verify().ok

    # The mean response becomes (2 + 6 + 6) / 3 h: (24 − 4.667) / 22 × 100 = 87.88.
    after_row = _response_row(manager)
    assert after_row.raw == pytest.approx(14 / 3)
    assert after_row.normalised == pytest.approx(87.88, abs=0.01)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.APPROVED
    assert appeal.score_before == pytest.approx(total_before)
    total_after = EmployeeScore.objects.get(employee=manager, is_current=True).total
    assert appeal.score_after == pytest.approx(total_after)
    # Only this indicator moved: the total moves by its weight times the change in score.
    assert total_after - total_before == pytest.approx(
        after_row.weight * (after_row.normalised - before_row.normalised), abs=0.01
    )
    assert corrections_for(employee_id=manager.pk, period_start=LAST_MONTH.start) == {
        "order_response_time": [appeal.pk]
    }


def test_a_rejection_needs_a_reason_and_changes_nothing(scored):
    people = scored
    order = _order(people, "east_manager")
    confirmed, entries = order.confirmed_at, LedgerEntry.objects.count()
    appeal = _file(people)
    appeal_transition(appeal=appeal, user=people["east_manager"].user, action="submit")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    with pytest.raises(AppealRefused, match="written reason"):
        appeal_transition(appeal=appeal, user=people["hr"].user, action="reject")
    appeal_transition(
        appeal=appeal, user=people["hr"].user, action="reject", reason="The ERP log shows 15:00."
    )
    order.refresh_from_db()
    assert order.confirmed_at == confirmed
    assert LedgerEntry.objects.count() == entries
    assert not Correction.objects.exists()
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.REJECTED


@pytest.mark.parametrize(
    ("state_actions", "actor", "action"),
    [
        ([], "hr", "submit"),  # only who filed it submits
        ([], "east_b", "withdraw"),
        ([], "hr", "review"),  # a draft is not reviewed
        (["submit"], "east_manager", "review"),  # nobody reviews their own appeal
        (["submit"], "east_a", "review"),  # merchandisers never review
        (["submit"], "south_manager", "approve"),
        (["submit"], "hr", "approve"),  # review first
        (["submit", "review"], "east_manager", "approve"),
        (["submit", "review"], "admin", "submit"),
        (["submit", "review", "approve"], "hr", "reject"),
        (["submit", "review", "approve"], "east_manager", "withdraw"),
    ],
)
def test_forbidden_transitions_are_refused(scored, state_actions, actor, action):
    people = scored
    appeal = _file(people)
    actors = {"submit": "east_manager", "review": "hr", "approve": "hr"}
    for step in state_actions:
        appeal_transition(appeal=appeal, user=_user(people, actors[step]), action=step, reason="ok")
    state = Appeal.objects.get(pk=appeal.pk).state
    with pytest.raises(AppealRefused):
        appeal_transition(appeal=appeal, user=_user(people, actor), action=action, reason="x")
    assert Appeal.objects.get(pk=appeal.pk).state == state


def _user(people, key: str):
    return people[key] if key == "admin" else people[key].user


def test_hr_cannot_decide_an_appeal_hr_filed(scored):
    people = scored
    appeal = _file(people, "east_a", by="hr")
    appeal_transition(appeal=appeal, user=people["hr"].user, action="submit")
    with pytest.raises(AppealRefused):
        appeal_transition(appeal=appeal, user=people["hr"].user, action="review")
    appeal_transition(appeal=appeal, user=people["admin"], action="review")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.IN_REVIEW


def test_who_may_file_for_whom(scored):
    people = scored
    # A record outside one's scope is "no such record", as one that does not exist.
    with pytest.raises(AppealRefused, match="No such record"):
        _file(people, "east_b", by="east_a")  # a colleague's record
    with pytest.raises(AppealRefused, match="No such record"):
        _file(people, "east_a", by="south_manager")  # another team's
    assert _file(people, "east_a", by="east_manager").employee == people["east_a"]
    assert _file(people, "east_b", by="hr").employee == people["east_b"]


def test_one_open_appeal_per_subject_and_a_closed_window(scored, settings):
    people = scored
    _file(people)
    with pytest.raises(AppealRefused, match="already an open appeal"):
        _file(people)
    settings.PERF_APPEALS = {**settings.PERF_APPEALS, "window_days": 0}
    with pytest.raises(AppealRefused, match=f"window for {LAST_MONTH} closed"):
        _file(people, "east_a")


def test_a_claimed_value_must_be_a_value_of_the_field(scored):
    with pytest.raises(AppealRefused, match="2026-10-08 14:30"):
        _file(scored, value="yesterday afternoon")


def test_evidence_refuses_wrong_type_oversize_and_path_traversal(scored, settings):
    people = scored
    appeal = _file(people)
    user = people["east_manager"].user
    kept = evidence_add(appeal=appeal, user=user, upload=SimpleUploadedFile("log.png", PNG))
    assert kept.file.name.startswith(f"{appeal.pk}/") and "log" not in kept.file.name
    with pytest.raises(AppealRefused, match="not an accepted kind"):
        evidence_add(appeal=appeal, user=user, upload=SimpleUploadedFile("run.exe", b"MZ" * 10))
    with pytest.raises(AppealRefused, match="does not hold what its name says"):
        evidence_add(appeal=appeal, user=user, upload=SimpleUploadedFile("fake.pdf", PNG))
    settings.PERF_APPEALS = {**settings.PERF_APPEALS, "max_evidence_mb": 1}
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (1024 * 1024 + 1))
    with pytest.raises(AppealRefused, match="the limit is 1 MB"):
        evidence_add(appeal=appeal, user=user, upload=big)
    with pytest.raises(AppealRefused, match="not allowed"):
        evidence_add(
            appeal=appeal,
            user=user,
            upload=SimpleUploadedFile("passwd.pdf", PDF),
            client_name="../../etc/passwd.pdf",
        )
    with pytest.raises(AppealRefused, match="Only the person who filed"):
        evidence_add(appeal=appeal, user=people["hr"].user, upload=SimpleUploadedFile("a.pdf", PDF))


def test_api_upload_refuses_a_traversal_name_with_a_clear_message(scored):
    people = scored
    appeal = _file(people)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(people["east_manager"].user)
    url = reverse("api-appeal-evidence", args=[appeal.pk])
    # Written by hand: test clients, like browsers, reduce a file name to its last component.
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="../../secret.pdf"'
        b"\r\nContent-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--XX--\r\n"
    )
    refused = client.post(url, data=body, content_type="multipart/form-data; boundary=XX")
    assert refused.status_code == 400
    assert "../../secret.pdf" in refused.json()["detail"]
    accepted = client.post(url, {"file": SimpleUploadedFile("receipt.pdf", PDF)})
    assert accepted.status_code == 201 and accepted.json()["name"] == "receipt.pdf"


def test_deadlines_count_working_days_and_overdue_appeals_are_listed(scored):
    friday = dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)
    assert add_working_days(friday, 5) == dt.datetime(2026, 11, 27, 10, tzinfo=SHANGHAI)
    people = scored
    appeal = _file(people)
    appeal_transition(appeal=appeal, user=people["east_manager"].user, action="submit")
    Appeal.objects.filter(pk=appeal.pk).update(due_at=PINNED_NOW - dt.timedelta(days=1))
    assert list(overdue_appeals(Appeal.objects.all())) == [appeal]
    queue = appeal_queue(user=people["hr"].user, overdue=True)
    assert list(queue) == [appeal]


def test_state_changes_notify_in_the_app_and_by_email(scored):
    people = scored
    people["hr"].user.email = "hr@example.com"
    people["hr"].user.save()
    appeal = _file(people, "east_a", by="east_manager")
    appeal_transition(appeal=appeal, user=people["east_manager"].user, action="submit")
    notified = set(
        Notification.objects.filter(appeal=appeal).values_list("user__username", flat=True)
    )
    assert notified == {"east_a", "hr"}
    assert mail.outbox and mail.outbox[0].to == ["hr@example.com"]


def test_pages_scope_appeals_and_evidence(scored, client):
    people = scored
    appeal = _file(people)
    evidence = evidence_add(
        appeal=appeal, user=people["east_manager"].user, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    detail = reverse("appeals:detail", args=[appeal.pk])
    download = reverse("appeals:evidence", args=[appeal.pk, evidence.pk])
    expected = {"east_manager": 200, "hr": 200, "east_a": 404, "south_manager": 404}
    for key, status in expected.items():
        client.force_login(people[key].user)
        assert client.get(detail).status_code == status, key
        assert client.get(download).status_code == status, key
    client.force_login(people["east_manager"].user)
    assert client.get(download).getvalue() == PDF


def test_the_appeal_form_files_a_draft_and_hr_decides_on_the_page(scored, client):
    people = scored
    order = _order(people, "east_a")
    client.force_login(people["east_a"].user)
    query = f"?record_type=order&record_id={order.pk}&field=confirmed_at"
    page = client.get(reverse("appeals:new") + query)
    assert page.status_code == 200
    response = client.post(
        reverse("appeals:new") + query,
        {
            "record_type": "order",
            "record_id": order.pk,
            "field": "confirmed_at",
            "claimed_value": stamp(5, 9, 30),
            "category": "system_failure",
            "description": "Confirmed on the phone.",
        },
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and appeal.state == AppealState.DRAFT
    client.post(reverse("appeals:act", args=[appeal.pk]), {"action": "submit"})
    client.force_login(people["hr"].user)
    queue = client.get(reverse("appeals:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert f"Order {order.external_id}" in queue.content.decode()
    client.post(reverse("appeals:act", args=[appeal.pk]), {"action": "review"})
    client.post(reverse("appeals:act", args=[appeal.pk]), {"action": "reject", "reason": ""})
    assert Appeal.objects.get().state == AppealState.IN_REVIEW  # no reason, no rejection
    client.post(reverse("appeals:act", args=[appeal.pk]), {"action": "reject", "reason": "No."})
    assert Appeal.objects.get().state == AppealState.REJECTED


def test_api_refuses_forbidden_transitions_and_hides_others_appeals(scored):
    people = scored
    appeal = _file(people)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(people["east_a"].user)
    assert client.get(reverse("api-appeal", args=[appeal.pk])).status_code == 404
    transition = reverse("api-appeal-transition", args=[appeal.pk])
    assert client.post(transition, {"action": "submit"}).status_code == 404
    client.force_authenticate(people["hr"].user)
    refused = client.post(transition, {"action": "approve"})
    assert refused.status_code == 400 and "cannot approve" in refused.json()["detail"]
    client.force_authenticate(people["east_manager"].user)
    assert client.post(transition, {"action": "submit"}).json()["state"] == "submitted"
    listed = client.get(reverse("api-appeals")).json()
    assert [row["id"] for row in listed] == [appeal.pk]
