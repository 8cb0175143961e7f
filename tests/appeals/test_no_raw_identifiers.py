"""The appeal pages, read as each role in both languages, show no raw identifiers: no
``snake_case`` field or table names and no ``#<id>`` record references (issue 19). Text inside
``<code>`` is an identifier shown on purpose and is not read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.evidence import evidence_add
from appeals.models import Appeal
from appeals.services import appeal_comment_add, appeal_create, appeal_transition
from tests.appeals.helpers import PDF, PNG, node_query, picked
from tests.clock import LAST_MONTH
from tests.identifiers import raw_identifiers

pytestmark = pytest.mark.django_db

LANGUAGES = {"en": "en", "zh": "zh-hans"}


@pytest.fixture
def appeals(company, django_capture_on_commit_callbacks):
    """Appeals in every shape a page shows: a draft with evidence and a comment, a submitted
    one, one in review, an approved correction, an indicator appeal, a rejected one."""
    people = company
    records = people["records"]
    merchandiser = people["east_a"].user
    hr = people["hr"].user

    def file(record_type, record, field, value, **extra):
        return appeal_create(
            user=extra.pop("user", merchandiser),
            record_type=record_type,
            record_id=record.pk,
            field_name=field,
            claimed_value=value,
            category="system_failure",
            description="ERP 宕机，已电话确认。",
            **extra,
        )

    node = records["late_node"]
    draft = file("order_node", node, "completed_at", f"{picked(node):%Y-%m-%d %H:%M}")
    evidence_add(appeal=draft, user=merchandiser, upload=SimpleUploadedFile("截图.png", PNG))
    evidence_add(appeal=draft, user=merchandiser, upload=SimpleUploadedFile("note.pdf", PDF))
    appeal_comment_add(appeal=draft, user=merchandiser, text="补充：物流单号见附件。")
    slow = records["slow"]
    approved = file("order", slow, "entry_errors", "0")
    submitted = file("follow_up", records["sloppy"], "employee", people["east_b"].employee_no)
    rejected = file("ticket", records["three_contacts"], "contacts_until_resolved", "1")
    indicator = appeal_create(
        user=merchandiser,
        indicator_code="collaboration_360",
        employee=people["east_a"],
        period=LAST_MONTH,
        claimed_value="4.5",
        category="other",
        description="两位同事的评分录错了。",
    )
    for appeal in (approved, submitted, rejected, indicator):
        appeal_transition(appeal=appeal, user=merchandiser, action="submit")
    for appeal in (approved, rejected, indicator):
        appeal_transition(appeal=appeal, user=hr, action="review")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_transition(appeal=approved, user=hr, action="approve", reason="日志为证。")
    appeal_transition(appeal=rejected, user=hr, action="reject", reason="证据不足。")
    return people


def test_appeal_pages_show_no_raw_identifiers_to_any_role_in_either_language(appeals, client):
    people = appeals
    node = people["records"]["late_node"]
    filing_forms = [
        reverse("appeals:new") + node_query(node).replace("completed_at", "started_at"),
        reverse("appeals:new")
        + f"?indicator=csat&employee={people['east_a'].pk}&period={LAST_MONTH}",
    ]
    pages = [
        reverse("appeals:list"),
        reverse("appeals:list") + "?state=submitted",
        reverse("appeals:list") + "?state=withdrawn",
        *(appeal.get_absolute_url() for appeal in Appeal.objects.all()),
    ]
    for role in ("east_a", "east_manager", "hr", "admin"):
        client.force_login(people[role] if role == "admin" else people[role].user)
        forms = filing_forms if role != "admin" else []
        for language, code in LANGUAGES.items():
            checked = 0
            for url in pages + forms:
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=code)
                if response.status_code == 404:  # an appeal this role may not see
                    continue
                assert response.status_code == 200, (url, role)
                found = raw_identifiers(response.content.decode())
                assert not found, f"{url} as {role} ({language}) shows {found}"
                checked += 1
            assert checked >= 4, (role, language)
