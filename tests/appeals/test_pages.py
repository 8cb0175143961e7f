"""The appeal pages in human words (issue 19): the record described as people quote it, the value
now beside the claimed one, a date-time picker that accepts what it sends, evidence attached while
filing and previewed safely, filters by role, an empty list that says how to file, an assignee
and HR's bulk take-into-review, messages that name the record."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from appeals.evidence import evidence_add
from appeals.models import Appeal, AppealState, Evidence, Notification
from appeals.services import appeal_create, appeal_transition
from tests.appeals.helpers import PDF, PNG, XLSX, node_query, node_subject, picked
from tests.clock import LAST_MONTH

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
NEW = reverse("appeals:new")


def _filing(node, when, **changes) -> dict:
    return {
        **node_subject(node),
        "claimed_value": f"{when:%Y-%m-%dT%H:%M}",
        "category": "system_failure",
        "description": "The ERP was down; the node was done on time.",
        **changes,
    }


def _file_node(company, *, submit: bool = True) -> Appeal:
    node = company["records"]["late_node"]
    appeal = appeal_create(
        user=company["east_a"].user,
        record_type="order_node",
        record_id=node.pk,
        field_name="completed_at",
        claimed_value=f"{picked(node):%Y-%m-%d %H:%M}",
        category="system_failure",
        description="Done on time.",
    )
    if submit:
        appeal = appeal_transition(appeal=appeal, user=company["east_a"].user, action="submit")
    return appeal


def test_the_form_names_the_order_node_and_deadline_and_shows_the_value_now(company, client):
    node = company["records"]["late_node"]
    client.force_login(company["east_a"].user)
    page = client.get(NEW + node_query(node), **ENGLISH).content.decode()
    due = f"{localtime(node.due_at):%m-%d %H:%M}"
    completed = f"{localtime(node.completed_at):%Y-%m-%d %H:%M}"
    assert f"Order {node.order.external_id} · Purchasing / production" in page
    assert f"due {due}" in page
    assert "Completed at · now" in page and completed in page
    # The picker is filled with today's value in the form it reads (ISO, whatever the language).
    assert 'type="datetime-local"' in page
    assert f'value="{completed.replace(" ", "T")}"' in page
    assert "YYYY-MM-DD HH:MM" in page
    assert 'type="file" name="evidence"' in page and "multiple" in page
    assert (
        "order_node" not in page.split("<form")[0] and "completed_at" not in page.split("<form")[0]
    )


@pytest.mark.parametrize("language", [ENGLISH, CHINESE], ids=["en", "zh"])
@pytest.mark.parametrize("written", ["%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"])
def test_a_time_as_the_picker_sends_it_or_as_typed_is_kept_as_shown(
    company, client, written, language
):
    node = company["records"]["late_node"]
    when = picked(node)
    client.force_login(company["east_a"].user)
    filing = _filing(node, when, claimed_value=f"{when:{written}}")
    response = client.post(NEW + node_query(node), filing, **language)
    assert response.status_code == 302
    assert Appeal.objects.get().claimed_value == f"{when:%Y-%m-%d %H:%M}"


def test_filing_with_several_files_submits_in_one_post(company, client):
    node = company["records"]["late_node"]
    client.force_login(company["east_a"].user)
    files = [SimpleUploadedFile("erp.png", PNG), SimpleUploadedFile("carrier.pdf", PDF)]
    filing = {**_filing(node, picked(node)), "evidence": files, "then": "submit"}
    response = client.post(NEW + node_query(node), filing, **ENGLISH)
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    assert appeal.state == AppealState.SUBMITTED and appeal.due_at is not None
    assert sorted(appeal.evidence.values_list("original_name", "content_type")) == [
        ("carrier.pdf", "application/pdf"),
        ("erp.png", "image/png"),
    ]
    detail = client.get(response["Location"], **ENGLISH).content.decode()
    assert "Your appeal was submitted" in detail


def test_a_bad_file_refuses_the_whole_filing_and_names_it(company, client):
    node = company["records"]["late_node"]
    client.force_login(company["east_a"].user)
    files = [SimpleUploadedFile("erp.png", PNG), SimpleUploadedFile("fake.pdf", PNG)]
    filing = {**_filing(node, picked(node)), "evidence": files, "then": "submit"}
    response = client.post(NEW + node_query(node), filing, **ENGLISH)
    assert response.status_code == 400
    assert "fake.pdf does not hold what its name says" in response.content.decode()
    assert not Appeal.objects.exists() and not Evidence.objects.exists()


def test_too_many_files_are_refused(company, client, settings):
    settings.PERF_APPEALS = {**settings.PERF_APPEALS, "max_evidence_files": 1}
    node = company["records"]["late_node"]
    client.force_login(company["east_a"].user)
    files = [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)]
    response = client.post(
        NEW + node_query(node), {**_filing(node, picked(node)), "evidence": files}, **ENGLISH
    )
    assert response.status_code == 400 and "Attach at most 1 files." in response.content.decode()
    assert not Appeal.objects.exists()


def test_evidence_is_previewed_inline_with_a_locked_down_response(company, client):
    appeal = _file_node(company)
    user = company["east_a"].user
    image = evidence_add(appeal=appeal, user=user, upload=SimpleUploadedFile("a.png", PNG))
    pdf = evidence_add(appeal=appeal, user=user, upload=SimpleUploadedFile("b.pdf", PDF))
    sheet = evidence_add(appeal=appeal, user=user, upload=SimpleUploadedFile("c.xlsx", XLSX))

    def preview(item):
        return reverse("appeals:evidence_preview", args=[appeal.pk, item.pk])

    client.force_login(company["hr"].user)
    shown = client.get(preview(image))
    assert shown.status_code == 200 and shown.getvalue() == PNG
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown["Content-Security-Policy"]
    assert "default-src 'none'" in shown["Content-Security-Policy"]
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    framed = client.get(preview(pdf))
    assert framed["Content-Type"] == "application/pdf"
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    # A spreadsheet is never drawn in the page: downloaded only.
    assert client.get(preview(sheet)).status_code == 404
    download = client.get(reverse("appeals:evidence", args=[appeal.pk, sheet.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    detail = client.get(appeal.get_absolute_url(), **ENGLISH).content.decode()
    assert f'<img src="{preview(image)}"' in detail
    assert f'<iframe src="{preview(pdf)}"' in detail
    assert preview(sheet) not in detail
    # Whoever may not see the appeal may not see its evidence.
    for key, status in {"east_a": 200, "east_manager": 200, "south_manager": 404}.items():
        client.force_login(company[key].user)
        assert client.get(preview(image)).status_code == status, key


def test_merchandisers_see_only_the_state_filter_and_hr_every_filter(company, client):
    _file_node(company)
    client.force_login(company["east_a"].user)
    mine = client.get(reverse("appeals:list"), **ENGLISH).content.decode()
    assert 'name="state"' in mine
    assert not any(f'name="{name}"' in mine for name in ("team", "assigned", "overdue"))
    assert 'name="appeals"' not in mine  # no bulk action
    client.force_login(company["hr"].user)
    queue = client.get(reverse("appeals:list"), **ENGLISH).content.decode()
    assert all(f'name="{name}"' in queue for name in ("state", "team", "assigned", "overdue"))
    assert 'name="appeals"' in queue


def test_an_empty_list_says_how_to_file(company, client):
    client.force_login(company["east_a"].user)
    page = client.get(reverse("appeals:list"), **ENGLISH).content.decode()
    assert 'data-testid="appeals-empty"' in page
    assert "press “Appeal” beside the record" in page
    assert f'href="{reverse("dashboards:me")}"' in page
    assert "<table" not in page
    assert 'name="state"' not in page  # nothing to filter yet


def test_hr_takes_appeals_into_review_in_bulk_assigned_to_a_colleague(company, client):
    first = _file_node(company)
    second = appeal_create(
        user=company["east_a"].user,
        indicator_code="csat",
        employee=company["east_a"],
        period=LAST_MONTH,
        claimed_value="5",
        category="other",
        description="The 2 was meant for another person.",
    )
    appeal_transition(appeal=second, user=company["east_a"].user, action="submit")
    slow = company["records"]["slow"]
    draft = appeal_create(
        user=company["east_a"].user,
        record_type="order",
        record_id=slow.pk,
        field_name="confirmed_at",
        claimed_value=f"{localtime(slow.submitted_at):%Y-%m-%d} 10:00",
        category="other",
        description="Confirmed by phone an hour after the order.",
    )
    colleague = company["admin"]
    client.force_login(company["hr"].user)
    response = client.post(
        reverse("appeals:bulk_review"),
        {"appeals": [first.pk, second.pk, draft.pk], "assignee": colleague.pk},
        **ENGLISH,
    )
    assert response.status_code == 302
    moved = Appeal.objects.filter(pk__in=[first.pk, second.pk])
    assert set(moved.values_list("state", flat=True)) == {AppealState.IN_REVIEW}
    assert set(moved.values_list("assignee", flat=True)) == {colleague.pk}
    assert first.history.filter(state=AppealState.IN_REVIEW, history_user=company["hr"].user)
    assert Notification.objects.filter(appeal=first, state=AppealState.IN_REVIEW).exists()
    queue = client.get(reverse("appeals:list"), **ENGLISH).content.decode()
    assert "Taken into review: 2. Left as they were: 1." in queue
    assert Appeal.objects.get(pk=draft.pk).state == AppealState.DRAFT
    assert colleague.first_name in queue
    mine = client.get(reverse("appeals:list") + "?assigned=me", **ENGLISH).content.decode()
    assert 'data-testid="appeals-empty"' in mine


def test_bulk_review_refuses_an_assignee_outside_hr_and_merchandisers(company, client):
    appeal = _file_node(company)
    client.force_login(company["hr"].user)
    client.post(
        reverse("appeals:bulk_review"),
        {"appeals": [appeal.pk], "assignee": company["east_b"].user.pk},
    )
    assert Appeal.objects.get().state == AppealState.SUBMITTED
    client.force_login(company["east_manager"].user)
    refused = client.post(reverse("appeals:bulk_review"), {"appeals": [appeal.pk]})
    assert refused.status_code == 404
    assert Appeal.objects.get().state == AppealState.SUBMITTED


def test_bulk_review_skips_ticked_values_that_are_no_id(company, client):
    """A superscript two ("²".isdigit() is true) or a number past any bigint among the ticked
    boxes: skipped, and the real one is taken into review."""
    appeal = _file_node(company)
    client.force_login(company["hr"].user)
    response = client.post(
        reverse("appeals:bulk_review"),
        {"appeals": ["²", "9" * 30, appeal.pk], "assignee": company["hr"].user.pk},
    )
    assert response.status_code == 302
    assert Appeal.objects.get().state == AppealState.IN_REVIEW


def test_taking_one_appeal_into_review_assigns_it(company):
    appeal = _file_node(company)
    moved = appeal_transition(appeal=appeal, user=company["hr"].user, action="review")
    assert moved.assignee == company["hr"].user


def test_notifications_and_emails_name_the_record_not_a_number(company, client):
    company["hr"].user.email = "hr@example.com"
    company["hr"].user.save()
    with_language = {"HTTP_ACCEPT_LANGUAGE": "en"}
    appeal = _file_node(company)
    node = company["records"]["late_node"]
    message = mail.outbox[-1]
    assert node.order.external_id in message.subject and "#" not in message.subject
    assert f"{picked(node):%Y-%m-%d %H:%M}" in message.body
    assert appeal.get_absolute_url() in message.body
    client.force_login(company["hr"].user)
    page = client.get(reverse("appeals:list"), **with_language).content.decode()
    notes = page.split('data-testid="notifications"')[1].split("</ul>")[0]
    assert node.order.external_id in notes and f"#{appeal.pk}" not in notes


def test_the_weight_schemes_draft_date_is_iso_in_chinese(org_chart, client):
    client.force_login(org_chart["admin"])
    page = client.get(reverse("indicators:scheme_list"), **CHINESE).content.decode()
    field = page.split('name="effective_from"')[1].split(">")[0]
    today = localtime().date()
    assert f'value="{today:%Y-%m-%d}"' in field


def test_the_queue_reads_a_fixed_number_of_queries_however_many_appeals(company, client):
    """Each appeal's record, its people and its assignee are read per page, not per row."""
    client.force_login(company["hr"].user)
    url = reverse("appeals:list")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **ENGLISH).status_code == 200
        return len(queries)

    _file_node(company)
    Appeal.objects.update(assignee=company["hr"].user)
    one = count()
    records = company["records"]
    for record_type, record, field, value in [
        ("order", records["slow"], "entry_errors", "0"),
        ("ticket", records["three_contacts"], "contacts_until_resolved", "1"),
        ("follow_up", records["sloppy"], "employee", company["east_b"].employee_no),
        ("feedback", records["angry"], "csat", "4"),
    ]:
        appeal = appeal_create(
            user=company["east_a"].user,
            record_type=record_type,
            record_id=record.pk,
            field_name=field,
            claimed_value=value,
            category="other",
            description="Wrong in the source.",
        )
        appeal_transition(appeal=appeal, user=company["east_a"].user, action="submit")
    Appeal.objects.update(assignee=company["hr"].user)
    # Four more record types are four more reads (one each), nothing per row.
    assert count() <= one + 4
    page = client.get(url, **ENGLISH).content.decode()
    assert f"{company['east_b'].name} ({company['east_b'].employee_no})" in page
    assert "Feedback from" in page and "Ticket from" in page and "Follow-up with" in page


def test_claiming_a_number_never_reveals_whose_it_is(company, client):
    """王芳 claims her follow-up was another team's person's: she reads the number she typed,
    never the name behind it; HR, who may see everyone, reads the name."""
    stranger = company["south_a"]
    appeal = appeal_create(
        user=company["east_a"].user,
        record_type="follow_up",
        record_id=company["records"]["sloppy"].pk,
        field_name="employee",
        claimed_value=stranger.employee_no,
        category="other",
        description="Not mine.",
    )
    url = reverse("appeals:detail", args=[appeal.pk])
    client.force_login(company["east_a"].user)
    for page in (client.get(url, **ENGLISH), client.get(reverse("appeals:list"), **ENGLISH)):
        text = page.content.decode()
        assert stranger.employee_no in text and stranger.name not in text
    client.force_login(company["hr"].user)
    assert (
        f"{stranger.name} ({stranger.employee_no})" in client.get(url, **ENGLISH).content.decode()
    )


def test_appeal_links_are_named_after_what_they_appeal(company, client):
    client.force_login(company["east_a"].user)
    page = client.get(reverse("dashboards:me"), **ENGLISH).content.decode()
    assert 'aria-label="Appeal: Node on-time rate"' in page
    # Every one of the scorecard's appeal links reads differently to a screen reader, in
    # Chinese too ("申诉：准时完成率").
    for text in (page, client.get(reverse("dashboards:me")).content.decode()):
        links = re.findall(r'<a href="[^"]*" data-testid="appeal-this"([^>]*)>', text)
        names = [re.search(r'aria-label="([^"]+)"', link).group(1) for link in links]
        assert len(links) >= 10 and len(set(names)) == len(names), names
    assert 'aria-label="申诉：' in text
