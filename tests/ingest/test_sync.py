"""Syncing sources into records: counts, quarantine, idempotence, resuming, and the ledger."""

import datetime as dt
import sqlite3
import uuid
from decimal import Decimal

import openpyxl
import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from ingest import batches, services
from ingest.ledger_verify import ledger_verify
from ingest.models import Feedback, LedgerEntry, Order, RejectedRow, Source, SyncStatus
from ingest.services import records_push, rejected_rows_replay, source_sync, sync_run_create
from tests.factories import EmployeeFactory
from tests.ingest.conftest import ledger_committed, worded
from tests.ingest.erp_database import erp_database_url, erp_source_config
from tests.ingest.http_source import TOKEN_ENV

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


ORDER_MAPPING = {
    "cursor_field": "updated_at",
    "timezone": "Asia/Shanghai",
    "fields": {
        "external_id": "order_no",
        "submitted_at": "submitted",
        "source_created_at": "created",
        "confirmed_at": "confirmed",
        "merchandiser": "staff_no",
        "customer": "customer_code",
        "amount": "amount",
        "status": "state",
    },
    "values": {"status": {"已确认": "confirmed", "待确认": "submitted"}},
    "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
}


def order_row(number: int, **changes) -> dict:
    row = {
        "order_no": f"SO{number:04d}",
        "submitted": f"2026-10-{1 + number % 28:02d} 09:00:00",
        "created": f"2026-10-{1 + number % 28:02d} 09:20:00",
        "confirmed": f"2026-10-{1 + number % 28:02d} 11:00:00",
        "staff_no": "E001" if number % 2 else "E002",
        "customer_code": "C001" if number % 3 else "C002",
        "amount": f"{1000 + number}.50",
        "state": "已确认",
        "updated_at": f"2026-10-29T10:{number // 60:02d}:{number % 60:02d}",
    }
    return row | changes


def rest_source(server, **config) -> Source:
    return Source.objects.create(
        name="erp-api",
        kind="rest",
        config=server.config(**config),
        mappings={"order": ORDER_MAPPING},
    )


def sync(source: Source):
    return source_sync(sync_run_create(source=source))


def test_rest_pull_counts_quarantines_and_survives_500_and_429(http_source, people, monkeypatch):
    rows = [order_row(n) for n in range(1, 11)]
    rows[4]["submitted"] = "2026-13-45 09:00"  # SO0005: not a date
    server = http_source(rows, style="page", page_size=4, faults=[(2, 500), (3, 429, "1")])
    monkeypatch.setenv(TOKEN_ENV, server.token or "")
    run = sync(rest_source(server))

    assert run.status == SyncStatus.SUCCEEDED
    assert (run.fetched, run.created, run.updated, run.unchanged, run.rejected) == (10, 9, 0, 0, 1)
    assert Order.objects.count() == 9
    rejected = RejectedRow.objects.get(run=run)
    assert rejected.external_id == "SO0005"
    assert rejected.row_number == 5
    assert worded(rejected.reasons) == [
        {"field": "submitted_at", "message": "not a date and time: '2026-13-45 09:00'"}
    ]
    assert rejected.raw["order_no"] == "SO0005"
    order = Order.objects.get(external_id="SO0002")
    # Naive source times are Shanghai time: 09:00 there is 01:00 UTC.
    assert order.submitted_at == dt.datetime(2026, 10, 3, 1, 0, tzinfo=dt.UTC)
    assert order.amount == Decimal("1002.50")
    assert order.merchandiser == people["li"]
    assert order.status == "confirmed"


def test_the_same_sync_twice_changes_nothing(http_source, people, monkeypatch):
    server = http_source([order_row(n) for n in range(1, 8)], style="cursor", page_size=3)
    monkeypatch.setenv(TOKEN_ENV, server.token or "")
    source = rest_source(server)
    first = sync(source)
    entries = LedgerEntry.objects.count()
    again = sync(source)  # incremental: nothing new since the cursor
    source.cursors = {}
    source.save()
    full = sync(source)  # a full re-read: every row is already there as it is

    assert (first.created, again.fetched, full.fetched) == (7, 0, 7)
    assert (full.created, full.updated, full.unchanged) == (0, 0, 7)
    assert Order.objects.count() == 7
    assert LedgerEntry.objects.count() == entries


def test_a_changed_row_updates_the_record_with_history_and_a_ledger_entry(
    http_source, people, monkeypatch
):
    server = http_source([order_row(n) for n in range(1, 4)], style="offset", page_size=2)
    monkeypatch.setenv(TOKEN_ENV, server.token or "")
    source = rest_source(server)
    sync(source)
    server.rows[1] = order_row(2, confirmed="2026-10-03 15:00:00", updated_at="2026-10-30T08:00")
    run = sync(source)

    assert (run.fetched, run.created, run.updated) == (1, 0, 1)
    order = Order.objects.get(external_id="SO0002")
    assert order.confirmed_at == dt.datetime(2026, 10, 3, 7, 0, tzinfo=dt.UTC)
    assert order.history.first().history_change_reason == f"sync run {run.pk}"
    latest = LedgerEntry.objects.filter(record_type="order", record_id=order.pk).last()
    assert (latest.action, latest.actor) == ("updated", f"sync:{run.pk}")
    assert run.periods == ["2026-10"]
    ledger_committed()
    assert ledger_verify().ok


def test_a_sync_killed_after_batch_k_resumes_and_ends_with_exactly_the_sources_rows(
    http_source, people, monkeypatch
):
    server = http_source([order_row(n) for n in range(1, 11)], style="next", page_size=3)
    monkeypatch.setenv(TOKEN_ENV, server.token or "")
    source = rest_source(server)
    real_apply = batches._batch_apply
    calls = []

    def dies_in_batch_3(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real_apply(**kwargs)

    monkeypatch.setattr(batches, "_batch_apply", dies_in_batch_3)
    with pytest.raises(RuntimeError):
        sync(source)
    source.refresh_from_db()
    assert Order.objects.count() == 6  # two batches committed
    assert source.cursors["order"] == "2026-10-29T10:00:06"

    monkeypatch.setattr(batches, "_batch_apply", real_apply)
    resumed = sync(source)
    assert resumed.fetched == 4  # from the committed cursor on
    assert sorted(Order.objects.values_list("external_id", flat=True)) == [
        f"SO{n:04d}" for n in range(1, 11)
    ]
    ledger_committed()
    assert ledger_verify().ok


def _erp_sqlite(path) -> None:
    """A small ERP database shaped like a real one's sale-order and partner tables."""
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE res_partner (id INTEGER PRIMARY KEY, ref TEXT, name TEXT);
            CREATE TABLE res_users (id INTEGER PRIMARY KEY, login TEXT);
            CREATE TABLE sale_order (
                id INTEGER PRIMARY KEY, name TEXT, partner_id INTEGER, user_id INTEGER,
                date_order TEXT, create_date TEXT, confirmation_date TEXT, state TEXT,
                amount_total REAL, write_date TEXT);
            INSERT INTO res_partner VALUES (1, 'C001', '甲公司'), (2, 'C002', '乙公司');
            INSERT INTO res_users VALUES (1, 'E001'), (2, 'E404');
            INSERT INTO sale_order VALUES
              (1, 'SO1', 1, 1, '2026-10-01 09:00:00', '2026-10-01 09:05:00',
               '2026-10-01 10:00:00', 'sale', 100.0, '2026-10-01 10:00:00'),
              (2, 'SO2', 2, 2, '2026-10-02 09:00:00', '2026-10-02 09:05:00',
               NULL, 'draft', 200.0, '2026-10-02 10:00:00'),
              (3, 'SO3', 2, 1, '2026-10-03 09:00:00', '2026-10-03 09:05:00',
               NULL, 'draft', 300.0, '2026-10-03 10:00:00');
            """
        )


ERP_QUERY = """
    SELECT o.name, p.ref AS partner_ref, u.login, o.date_order, o.create_date,
           o.confirmation_date, o.state, o.amount_total, o.write_date
    FROM sale_order o JOIN res_partner p ON p.id = o.partner_id
    JOIN res_users u ON u.id = o.user_id
    WHERE (:since IS NULL OR o.write_date > :since) ORDER BY o.write_date
"""
ERP_MAPPING = {
    "fetch": {"query": ERP_QUERY},
    "cursor_field": "write_date",
    "fields": {
        "external_id": "name",
        "customer": "partner_ref",
        "merchandiser": "login",
        "submitted_at": "date_order",
        "source_created_at": "create_date",
        "confirmed_at": "confirmation_date",
        "status": "state",
        "amount": "amount_total",
    },
    "values": {"status": {"sale": "confirmed", "draft": "submitted"}},
}


def test_sql_source_on_sqlite_lands_good_rows_and_names_the_unknown_merchandiser(tmp_path, people):
    _erp_sqlite(tmp_path / "erp.sqlite3")
    source = Source.objects.create(
        name="erp",
        kind="sql",
        config={"engine": "sqlite", "path": str(tmp_path / "erp.sqlite3")},
        mappings={"order": ERP_MAPPING},
    )
    run = sync(source)

    assert (run.fetched, run.created, run.rejected) == (3, 2, 1)
    rejected = RejectedRow.objects.get(run=run)
    assert (rejected.row_number, rejected.external_id) == (2, "SO2")
    assert worded(rejected.reasons) == [
        {
            "field": "merchandiser",
            "message": "unknown employee 'E404' (looked up by employee number)",
        }
    ]
    source.refresh_from_db()
    assert source.cursors == {"order": "2026-10-03 10:00:00"}

    # The employee is hired in perf; replaying the quarantined row lands it.
    EmployeeFactory(employee_no="E404")
    replay = rejected_rows_replay(source=source)
    assert (replay.created, replay.rejected) == (1, 0)
    assert Order.objects.filter(external_id="SO2", status="submitted").exists()
    assert RejectedRow.objects.get(pk=rejected.pk).replayed_by == replay


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL on PostgreSQL")
def test_sql_source_on_postgresql(people, monkeypatch):
    """An ERP database on the same server as perf's, read over a connection of its own."""
    url = erp_database_url()
    config, secrets = erp_source_config(url)
    for variable, value in secrets.items():
        monkeypatch.setenv(variable, value)
    table = f"erp_sale_order_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as erp:
        erp.execute(
            f"CREATE TABLE {table} (name text, partner_ref text, login text, date_order "
            "timestamp, create_date timestamp, confirmation_date timestamp, state text, "
            "amount_total numeric(12,2), write_date timestamp)"
        )
        erp.execute(
            f"INSERT INTO {table} VALUES ('SO9', 'C001', 'E001', '2026-10-05 09:00', "
            "'2026-10-05 09:01', '2026-10-05 09:30', 'sale', 88.80, '2026-10-05 09:30')"
        )
    query = ERP_QUERY.replace(
        "sale_order o JOIN res_partner p ON p.id = o.partner_id\n    JOIN res_users u ON u.id = "
        "o.user_id",
        f"{table} o",
    ).replace("p.ref AS partner_ref, u.login", "o.partner_ref, o.login")
    source = Source.objects.create(
        name="erp-pg",
        kind="sql",
        config=config,
        mappings={"order": ERP_MAPPING | {"fetch": {"query": query}}},
    )
    try:
        run = sync(source)
    finally:
        with psycopg.connect(url, autocommit=True) as erp:
            erp.execute(f"DROP TABLE {table}")
    assert (run.fetched, run.created, run.rejected) == (1, 1, 0)
    assert Order.objects.get(external_id="SO9").amount == Decimal("88.80")


FEEDBACK_MAPPING = {
    "fields": {
        "external_id": "反馈编号",
        "customer": "客户编码",
        "employee": "跟单员工号",
        "csat": "满意度",
        "comment": "评价内容",
        "submitted_at": "提交时间",
    },
}


def test_xlsx_upload_lands_good_rows_and_reports_bad_date_and_unknown_merchandiser(people):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(FEEDBACK_MAPPING["fields"].values()))
    sheet.append(["FB1", "C001", "E001", 5, "发货很快，服务周到", dt.datetime(2026, 10, 8, 14)])
    sheet.append(["FB2", "C002", "E999", 4, "还不错", dt.datetime(2026, 10, 9, 10)])
    sheet.append(["FB3", "C001", "E002", 2, "交期一拖再拖", "十月十号"])
    sheet.append(["FB4", "C002", "E002", 4, "", "2026/10/11 16:30"])
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    source = Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})

    run = services.upload_sync(
        source=source, record_type="feedback", content=buffer.getvalue(), filename="反馈.xlsx"
    )

    assert (run.fetched, run.created, run.rejected) == (4, 2, 2)
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["FB1", "FB4"]
    report = {row.row_number: worded(row.reasons) for row in RejectedRow.objects.filter(run=run)}
    assert report == {
        3: [
            {
                "field": "employee",
                "message": "unknown employee 'E999' (looked up by employee number)",
            }
        ],
        4: [{"field": "submitted_at", "message": "not a date and time: '十月十号'"}],
    }


def test_gbk_csv_file_source(tmp_path, people):
    path = tmp_path / "crm.csv"
    path.write_text(
        "反馈编号,客户编码,跟单员工号,满意度,评价内容,提交时间\n"
        "FB7,C002,E001,3,一般般吧,2026-10-12 09:00\n",
        encoding="gbk",
    )
    source = Source.objects.create(
        name="crm-csv",
        kind="file",
        config={"path": str(path), "encoding": "auto"},
        mappings={"feedback": FEEDBACK_MAPPING},
    )
    run = sync(source)
    assert (run.created, run.rejected) == (1, 0)
    assert Feedback.objects.get(external_id="FB7").comment == "一般般吧"


def test_a_row_breaking_a_database_rule_is_refused_alone_with_the_rules_words(people):
    source = Source.objects.create(name="erp-push", kind="rest", mappings={"order": ORDER_MAPPING})
    rows = [order_row(1), order_row(2, confirmed="2026-09-01 08:00:00"), order_row(3)]
    run = records_push(source=source, record_type="order", rows=rows, trigger="webhook")

    assert (run.created, run.rejected) == (2, 1)
    assert worded(RejectedRow.objects.get(run=run).reasons) == [
        {
            "field": "confirmed_at",
            "message": "An order cannot be confirmed before the customer submitted it.",
        }
    ]


def test_verify_ledger_catches_a_direct_sql_update_of_a_confirmation_time(people):
    source = Source.objects.create(name="erp-push", kind="rest", mappings={"order": ORDER_MAPPING})
    records_push(
        source=source, record_type="order", rows=[order_row(n) for n in range(1, 4)], trigger="x"
    )
    ledger_committed()
    call_command("verify_ledger")
    order = Order.objects.get(external_id="SO0002")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ingest_order SET confirmed_at = submitted_at WHERE id = %s", [order.pk]
        )
    with pytest.raises(CommandError) as refused:
        call_command("verify_ledger")
    assert f"#{order.pk}" in str(refused.value)
    assert "confirmed_at" in str(refused.value)


def test_a_second_row_with_the_same_id_in_one_fetch_is_refused_not_merged(people):
    source = Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})
    rows = [
        {"反馈编号": "FB1", "客户编码": "C001", "跟单员工号": "E001", "满意度": 5,
         "评价内容": "很好", "提交时间": "2026-10-08 14:00"},
        {"反馈编号": "FB2", "客户编码": "C001", "跟单员工号": "E001", "满意度": 4,
         "评价内容": "还行", "提交时间": "2026-10-09 14:00"},
        {"反馈编号": "FB1", "客户编码": "C001", "跟单员工号": "E002", "满意度": 1,
         "评价内容": "太慢了", "提交时间": "2026-10-10 14:00"},
    ]  # fmt: skip

    with translation.override("en"):
        run = records_push(source=source, record_type="feedback", rows=rows, trigger="webhook")

    assert (run.created, run.unchanged, run.rejected) == (2, 0, 1)
    assert Feedback.objects.get(external_id="FB1").comment == "很好"  # the first row stands
    refused = RejectedRow.objects.get(run=run)
    assert refused.row_number == 3 and refused.raw["评价内容"] == "太慢了"
    assert worded(refused.reasons) == [
        {
            "field": "external_id",
            "message": "Duplicate id in this fetch: an earlier row has the same id and was taken.",
        }
    ]


def test_a_nul_character_rejects_its_row_alone_and_the_run_finishes(people):
    """PostgreSQL's text cannot hold NUL: the row is refused with the reason, kept (the NUL
    shown as U+FFFD), and the rows beside it land."""
    source = Source.objects.create(name="crm", kind="file", mappings={"feedback": FEEDBACK_MAPPING})
    rows = [
        {"反馈编号": "FB1", "客户编码": "C001", "跟单员工号": "E001", "满意度": 5,
         "评价内容": "好", "提交时间": "2026-10-08 14:00"},
        {"反馈编号": "FB\x002", "客户编码": "C001", "跟单员工号": "E001", "满意度": 4,
         "评价内容": "坏\x00了", "提交时间": "2026-10-09 14:00"},
    ]  # fmt: skip

    run = records_push(source=source, record_type="feedback", rows=rows, trigger="webhook")

    assert (run.status, run.created, run.rejected) == (SyncStatus.SUCCEEDED, 1, 1)
    rejected = RejectedRow.objects.get(run=run)
    assert rejected.external_id == "FB\ufffd2"
    assert rejected.raw["评价内容"] == "坏\ufffd了"
    assert {reason["field"] for reason in rejected.reasons} == {"external_id", "comment"}
    assert all("NUL" in reason["message"] for reason in worded(rejected.reasons))
