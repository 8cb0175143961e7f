"""The ledger against a database-only attacker (issue 15, point 6): each attack made with SQL, as
someone holding the database but not perf's ledger key or its head file would make it, and
``manage.py verify_ledger`` naming it; a company left alone verifies clean."""

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from ingest.edits import record_save
from ingest.ledger import (
    GENESIS_HASH,
    canonical_contents,
    content_hash,
    entry_hash,
    keyed_hasher,
    ledger_adopt,
)
from ingest.ledger_verify import ledger_verify
from ingest.models import ExceptionCase, LedgerEntry, Order, Ticket
from ingest.record_types import RECORD_TYPES
from ingest.records import record_values
from scoring.models import EmployeeScore
from scoring.services import compute_period
from tests.clock import LAST_MONTH, at
from tests.factories import (
    CustomerFactory,
    ExceptionCaseFactory,
    OrderFactory,
    PeerReviewFactory,
    TicketFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify() -> str:
    """``verify_ledger``'s complaint (it must have one)."""
    with pytest.raises(CommandError) as refused, translation.override("en"):
        call_command("verify_ledger", stdout=io.StringIO())
    return str(refused.value)


@pytest.fixture
def company(org_chart, django_capture_on_commit_callbacks):
    """The east team's last month: orders, a ticket and an exception case each, entered in the
    ledger, then scored and published; every commit's head write done."""
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for key, hours in [("east_manager", 6), ("east_a", 1), ("east_b", 20)]:
            for day in range(3):
                submitted = at(LAST_MONTH, 5 + day, 9)
                order = OrderFactory(
                    merchandiser=org_chart[key],
                    customer=customer,
                    submitted_at=submitted,
                    source_created_at=submitted,
                    confirmed_at=submitted + dt.timedelta(hours=hours),
                )
            TicketFactory(
                employee=org_chart[key],
                customer=customer,
                opened_at=at(LAST_MONTH, 9, 9),
                resolved_at=at(LAST_MONTH, 9, 12),
            )
            ExceptionCaseFactory(
                order=order,
                detected_at=at(LAST_MONTH, 10, 9),
                coordination_started_at=at(LAST_MONTH, 10, 10),
                resolved_at=at(LAST_MONTH, 11, 9),
            )
        ledger_adopt(actor="test")  # the records as loaded in bulk before the ledger
        compute_period(LAST_MONTH)
    return org_chart


def test_a_company_left_alone_verifies_clean(company):
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "Ledger sound" in out.getvalue()
    report = ledger_verify()
    assert report.findings == []
    scores = EmployeeScore.objects.filter(is_current=True).count()
    assert scores == 5  # the east team's three and the south team's two (HR is not scored)
    # 9 orders, 3 tickets, 3 exception cases, 1 customer, 5 published score rows.
    assert report.records == 9 + 3 + 3 + 1 + scores
    # One publication of the month, holding its five rows' digests.
    publication = LedgerEntry.objects.get(record_type="scores:month", action="published")
    assert len(json.loads(publication.content)["rows"]) == 5


def test_a_score_row_edited_by_sql_is_found(company, as_user):
    score = EmployeeScore.objects.get(employee=company["east_b"], is_current=True)
    assert score.grade != "S"
    _sql(
        "UPDATE scoring_employeescore SET total = 99.9, grade = 'S', state = 'scored' "
        "WHERE id = %s",
        [score.pk],
    )
    # The API serves it, and the ledger says it was changed behind perf's back.
    response = as_user("hr").get(f"/api/v1/scores/{company['east_b'].pk}/?period={LAST_MONTH}")
    assert (response.json()["total"], response.json()["grade"]) == (99.9, "S")
    complaint = _verify()
    assert complaint == (
        "The ledger has 1 finding:\n"
        f"Employee scores: 1 changed without a ledger entry (#{score.pk})."
    )


def test_a_published_score_row_deleted_or_added_by_sql_is_found(company):
    gone = EmployeeScore.objects.get(employee=company["east_a"], is_current=True)
    _sql("DELETE FROM scoring_employeescore WHERE id = %s", [gone.pk])
    columns = [f.column for f in EmployeeScore._meta.concrete_fields if f.name != "id"]
    copied = ", ".join({"employee_id": str(company["hr"].pk)}.get(c, c) for c in columns)
    _sql(
        f"INSERT INTO scoring_employeescore ({', '.join(columns)}) "
        f"SELECT {copied} FROM scoring_employeescore WHERE is_current ORDER BY id LIMIT 1"
    )
    added = EmployeeScore.objects.get(employee=company["hr"])
    complaint = _verify()
    assert f"Employee scores: 1 have no ledger entry (#{added.pk})" in complaint
    assert f"Employee scores: 1 with ledger entries no longer exist (#{gone.pk})." in complaint


def test_a_ticket_and_an_exception_case_edited_by_sql_are_found(company):
    ticket = Ticket.objects.order_by("pk").first()
    case = ExceptionCase.objects.order_by("pk").last()
    _sql("UPDATE ingest_ticket SET contacts_until_resolved = 5 WHERE id = %s", [ticket.pk])
    _sql(
        "UPDATE ingest_exceptioncase SET resolved_at = detected_at + interval '1 hour' "
        "WHERE id = %s",
        [case.pk],
    )
    complaint = _verify()
    assert "The ledger has 2 findings:" in complaint
    assert f"Tickets: 1 changed without a ledger entry (#{ticket.pk})" in complaint
    assert "in: contacts_until_resolved." in complaint
    assert f"Exception cases: 1 changed without a ledger entry (#{case.pk})" in complaint
    assert "in: resolved_at." in complaint


def test_an_order_inserted_by_sql_is_found_by_type_with_its_id(company):
    columns = [f.column for f in Order._meta.concrete_fields if f.name != "id"]
    copied = ", ".join("'FORGED-1'" if c == "external_id" else c for c in columns)
    _sql(
        f"INSERT INTO ingest_order ({', '.join(columns)}) "
        f"SELECT {copied} FROM ingest_order ORDER BY id LIMIT 1"
    )
    forged = Order.objects.get(external_id="FORGED-1")
    complaint = _verify()
    assert f"Orders: 1 have no ledger entry (#{forged.pk})" in complaint
    report = ledger_verify()
    assert [finding.kind for finding in report.findings] == ["unledgered"]
    assert report.unledgered == 1


def test_deleting_the_last_five_entries_is_found_through_the_head_outside_the_database(
    company,
):
    last = list(LedgerEntry.objects.order_by("-id").values_list("id", flat=True)[:6])
    _sql("DELETE FROM ingest_ledgerentry WHERE id >= %s", [last[4]])
    complaint = _verify()
    assert (
        f"The ledger ends at entry #{last[5]} but its head kept outside the database is entry "
        f"#{last[0]}: the latest entries were deleted."
    ) in complaint
    # The rows whose entries went are named too: the last ticket, the three exception cases
    # (adopted in that order) and the month's five scores (their publication).
    assert "Tickets: 1 have no ledger entry" in complaint
    assert "Exception cases: 3 have no ledger entry" in complaint
    assert "Employee scores: 5 have no ledger entry" in complaint


def test_an_edit_with_the_last_entry_recomputed_by_perfs_own_functions_is_found(
    company, django_capture_on_commit_callbacks
):
    """The attacker changes a ticket, then rewrites its entry (the chain's last) to match, with
    perf's own functions: without the key, so unkeyed, under a guess or under SECRET_KEY."""
    ticket = Ticket.objects.order_by("pk").first()
    ticket.subject = "查询发票"
    with django_capture_on_commit_callbacks(execute=True):
        record_save(record=ticket, actor="user:1", reason="typo")
    entry = LedgerEntry.objects.order_by("-id").first()
    assert (entry.record_type, entry.record_id) == ("ticket", ticket.pk)
    _sql(
        "UPDATE ingest_ticket SET contacts_until_resolved = 1, subject = '' WHERE id = %s",
        [ticket.pk],
    )
    spec = RECORD_TYPES["ticket"]
    forged = canonical_contents(spec, record_values(spec, Ticket.objects.filter(pk=ticket.pk)))
    forged = forged.iloc[0]
    digest = content_hash(forged)
    for key in (None, b"guessed-key", settings.SECRET_KEY.encode()):
        rehashed = entry_hash(
            previous=entry.previous_hash,
            record_type=entry.record_type,
            record_id=entry.record_id,
            action=entry.action,
            content_digest=digest,
            actor=entry.actor,
            recorded_at=entry.recorded_at.isoformat(),
            key=key,
        )
        _sql(
            "UPDATE ingest_ledgerentry SET content = %s, content_hash = %s, entry_hash = %s "
            "WHERE id = %s",
            [forged, digest, rehashed, entry.pk],
        )
        complaint = _verify()
        assert (
            f"Ledger entry #{entry.pk} does not match its own keyed hash: the entry was "
            "rewritten or written without the ledger key."
        ) in complaint
    # Even under the real key the forgery passes the chain, but not the head kept outside.
    real = entry_hash(
        previous=entry.previous_hash,
        record_type=entry.record_type,
        record_id=entry.record_id,
        action=entry.action,
        content_digest=digest,
        actor=entry.actor,
        recorded_at=entry.recorded_at.isoformat(),
        key=settings.PERF_LEDGER_KEY.encode(),
    )
    _sql("UPDATE ingest_ledgerentry SET entry_hash = %s WHERE id = %s", [real, entry.pk])
    assert _verify() == (
        "The ledger has 1 finding:\n"
        f"Ledger entry #{entry.pk} does not match the head kept outside the database: the chain "
        "was rewritten up to it."
    )


def test_a_missing_head_file_is_a_finding_and_reset_head_restores_it(company):
    from ingest.ledger import head_path

    head_path().unlink()
    complaint = _verify()
    assert f"The ledger's head file {head_path()} is missing" in complaint
    call_command("verify_ledger", "--reset-head", stdout=io.StringIO())
    assert ledger_verify().ok


def test_records_loaded_in_bulk_are_findings_until_adopted(company):
    reviews = [PeerReviewFactory(period=LAST_MONTH.start) for _ in range(7)]
    complaint = _verify()
    ids = ", ".join(f"#{review.pk}" for review in reviews[:5])
    assert f"Peer reviews: 7 have no ledger entry ({ids} …)" in complaint
    out = io.StringIO()
    call_command("verify_ledger", "--adopt", stdout=out)
    assert "Peer reviews: adopted 7." in out.getvalue()
    assert "Ledger sound" in out.getvalue()


def test_an_edit_of_an_exception_case_in_the_admin_is_ledgered(company, client):
    case = ExceptionCase.objects.order_by("pk").first()
    case.resolved_at = case.detected_at + dt.timedelta(hours=2)
    record_save(record=case, actor="user:1", reason="fixed")
    entry = LedgerEntry.objects.filter(record_type="exception_case", record_id=case.pk).latest("id")
    assert entry.action == "updated" and entry.actor == "user:1"
    report = ledger_verify()
    assert report.kinds() == {"head"} or report.ok  # the head follows when the edit commits


def test_a_chain_written_before_keys_is_rekeyed_once_and_a_tampered_one_is_not(
    company, django_capture_on_commit_callbacks
):
    # The chain as perf wrote it before entries were keyed: plain SHA-256.
    previous = GENESIS_HASH
    for entry in LedgerEntry.objects.order_by("id"):
        legacy = entry_hash(
            previous=previous,
            record_type=entry.record_type,
            record_id=entry.record_id,
            action=entry.action,
            content_digest=entry.content_hash,
            actor=entry.actor,
            recorded_at=entry.recorded_at.isoformat(),
            key=None,
        )
        _sql(
            "UPDATE ingest_ledgerentry SET previous_hash = %s, entry_hash = %s WHERE id = %s",
            [previous, legacy, entry.pk],
        )
        previous = legacy
    assert "does not match its own keyed hash" in _verify()
    # perf upgraded, not yet rekeyed: an edit appends a keyed entry to the unkeyed chain.
    ticket = Ticket.objects.order_by("pk").first()
    ticket.subject = "查询发票"
    record_save(record=ticket, actor="user:1", reason="typo")

    tampered = LedgerEntry.objects.order_by("id")[3]
    _sql("UPDATE ingest_ledgerentry SET actor = 'someone' WHERE id = %s", [tampered.pk])
    with pytest.raises(CommandError, match=f"Ledger entry #{tampered.pk} does not verify"):
        call_command("verify_ledger", "--rekey", stdout=io.StringIO())
    _sql("UPDATE ingest_ledgerentry SET actor = %s WHERE id = %s", [tampered.actor, tampered.pk])

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_ledger", "--rekey", stdout=out)
    assert f"Rekeyed {LedgerEntry.objects.count()} ledger entries." in out.getvalue()
    assert ledger_verify().ok


def test_production_settings_refuse_to_start_without_a_ledger_key():
    environment = {k: v for k, v in os.environ.items() if k != "PERF_LEDGER_KEY"}
    environment.update(SECRET_KEY="x", DEBUG="false")
    refused = subprocess.run(
        [sys.executable, "-c", "import perf.settings"],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "PERF_LEDGER_KEY must be set when DEBUG is off" in refused.stderr


@pytest.mark.parametrize("key", [b"k", b"test-ledger-key", b"x" * 64, b"a much longer key " * 8])
def test_the_fast_keyed_hash_is_hmac_sha256(key):
    message = b"0" * 64 + "|order|7|created|…|sync:1|2026-10-18T02:00:00+00:00".encode()
    assert keyed_hasher(key)(message) == hmac.new(key, message, hashlib.sha256).hexdigest()
