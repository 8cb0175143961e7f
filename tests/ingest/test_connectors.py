"""Connectors read REST APIs, SQL databases and files into numbered batches of raw rows.

The REST tests talk to a real loopback server (tests/ingest/http_source.py); waits between
retries are recorded instead of slept. The SQL tests run on SQLite always, on PostgreSQL when
DATABASE_URL names one and on the local MariaDB when it answers.
"""

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import uuid
from decimal import Decimal
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

import openpyxl
import psycopg
import pymysql
import pytest
from django.utils import translation

from ingest.connectors import (
    ConnectorError,
    SourceMisconfigured,
    SourceUnavailable,
    connector_for,
)
from ingest.connectors.rest import RestConnector
from tests.ingest.erp_database import erp_database_url, erp_source_config
from tests.ingest.http_source import TOKEN_ENV, Fault

ROWS = [
    {"id": n, "customer": f"客户{n}", "updated_at": f"2025-01-0{n}T08:00:00"} for n in range(1, 8)
]


@pytest.fixture(autouse=True)
def _english():
    """Error messages are compared in English whatever the catalogs translate them to."""
    with translation.override("en"):
        yield


def read(connector, *, since=None, batch_size=100):
    return list(connector.batches(since=since, batch_size=batch_size))


def ids(batches):
    return [row["id"] for batch in batches for row in batch.rows]


def rest(server, waits=None, **overrides):
    """A REST connector for ``server`` that records its waits in ``waits`` instead of sleeping."""
    sleep = (waits if waits is not None else []).append
    return RestConnector(server.config(**overrides), secrets=server.secrets, sleep=sleep)


# REST


@pytest.mark.parametrize("style", [None, "page", "offset", "cursor", "next"])
@pytest.mark.parametrize("row_count", [7, 6])
def test_every_pagination_style_returns_every_row_once_one_batch_per_page(
    http_source, style, row_count
):
    server = http_source(ROWS[:row_count], style=style, page_size=3)

    batches = read(rest(server))

    assert ids(batches) == list(range(1, row_count + 1))
    expected_first_rows = [1] if style is None else list(range(1, row_count + 1, 3))
    assert [batch.first_row for batch in batches] == expected_first_rows
    assert batches[0].rows[0] == ROWS[0]


def test_pages_larger_than_the_batch_size_are_split_and_numbered_through(http_source):
    server = http_source(ROWS, style="page", page_size=5)

    batches = read(rest(server), batch_size=2)

    assert [(batch.first_row, len(batch.rows)) for batch in batches] == [
        (1, 2),
        (3, 2),
        (5, 1),
        (6, 2),
    ]
    assert ids(batches) == list(range(1, 8))


@pytest.mark.parametrize("style", ["page", "cursor", "next"])
def test_since_is_sent_and_only_later_rows_come_back(http_source, style):
    server = http_source(ROWS, style=style, page_size=2)

    batches = read(rest(server), since="2025-01-04T08:00:00")

    assert ids(batches) == [5, 6, 7]
    assert all(r.params["updated_since"] == "2025-01-04T08:00:00" for r in server.requests)


def test_without_since_no_since_parameter_is_sent(http_source):
    server = http_source(ROWS)

    read(rest(server))

    assert "updated_since" not in server.requests[0].params


def test_a_server_error_is_retried_after_the_backoff(http_source):
    server = http_source(ROWS, style="page", page_size=3, faults=[(2, 500), (3, 502)])
    waits = []

    batches = read(rest(server, waits, backoff=0.5))

    assert ids(batches) == list(range(1, 8))
    assert waits == [0.5, 1.0]  # doubled on each retry of the same request
    assert [r.params["page"] for r in server.requests] == ["1", "2", "2", "2", "3"]


def test_a_timeout_is_retried(http_source):
    server = http_source(ROWS, faults=[(1, Fault(delay=1.0))])
    waits = []

    batches = read(rest(server, waits, timeout=0.2, backoff=0.25))

    assert ids(batches) == list(range(1, 8))
    assert waits == [0.25]
    assert len(server.requests) == 2


def test_retries_give_up_with_the_last_problem_and_the_url(http_source):
    server = http_source(ROWS, faults=lambda number, request: Fault(status=503))
    waits = []

    with pytest.raises(SourceUnavailable) as failure:  # the sync task retries it later
        read(rest(server, waits, max_retries=2))

    assert server.url in str(failure.value)
    assert "after 3 attempts" in str(failure.value)
    assert "HTTP 503" in str(failure.value)
    assert len(waits) == 2


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("7", 7, 7),
        ("3600", 60, 60),  # capped
        (None, 1.0, 1.0),  # no header: the backoff
    ],
)
def test_too_many_requests_waits_for_retry_after(http_source, retry_after, low, high):
    server = http_source(ROWS, faults=[(1, 429, retry_after)])
    waits = []

    assert ids(read(rest(server, waits, backoff=1.0))) == list(range(1, 8))

    assert len(waits) == 1
    assert low <= waits[0] <= high


def test_retry_after_may_be_an_http_date(http_source):
    in_30_seconds = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    server = http_source(ROWS, faults=[(1, 429, format_datetime(in_30_seconds, usegmt=True))])
    waits = []

    read(rest(server, waits))

    assert 25 <= waits[0] <= 30


def test_a_client_error_fails_at_once_naming_status_and_url(http_source):
    server = http_source(ROWS)
    waits = []
    missing = server.url + "/missing"

    with pytest.raises(SourceMisconfigured, match="HTTP 404") as failure:
        read(rest(server, waits, url=missing))

    assert missing in str(failure.value)
    assert waits == []
    assert len(server.requests) == 1


def test_a_body_that_is_not_json_fails(http_source):
    server = http_source(ROWS, faults=[(1, Fault(body=b"<html>maintenance</html>"))])

    with pytest.raises(ConnectorError, match="did not return valid JSON"):
        read(rest(server))


def test_a_body_without_the_items_list_fails(http_source):
    server = http_source(ROWS)

    with pytest.raises(ConnectorError, match=re.escape("has no list at “data.rows”")):
        read(rest(server, items_path="data.rows"))


def test_items_that_are_not_objects_fail(http_source):
    server = http_source(ROWS, faults=[(1, Fault(body=b"[1, 2]"))])

    with pytest.raises(ConnectorError, match=r"Item 1 .* is not an object"):
        read(rest(server, items_path=""))


def test_a_server_that_ignores_the_page_parameter_is_not_read_forever(http_source):
    same_page = json.dumps({"data": {"items": ROWS[:3]}}).encode()
    server = http_source(ROWS, faults=lambda number, request: Fault(body=same_page))

    with pytest.raises(ConnectorError, match="same page again"):
        read(rest(server, pagination={"style": "page", "page_size": 3}))
    assert len(server.requests) == 2


def test_next_links_to_another_host_are_refused(http_source):
    body = {"data": {"items": ROWS[:1]}, "links": {"next": "http://example.com/steal"}}
    server = http_source(ROWS, faults=[(1, Fault(body=json.dumps(body).encode()))])

    with pytest.raises(ConnectorError, match="links to another host"):
        read(rest(server, pagination={"style": "next"}))


def test_bearer_token_comes_from_the_secrets_mapping(http_source):
    server = http_source(ROWS, token="s3cret")

    connector = connector_for("rest", server.config(), secrets={TOKEN_ENV: "s3cret"})

    assert ids(read(connector)) == list(range(1, 8))
    assert server.requests[0].headers["Authorization"] == "Bearer s3cret"


def test_a_wrong_token_fails_at_once(http_source):
    server = http_source(ROWS, token="s3cret")

    connector = connector_for("rest", server.config(), secrets={TOKEN_ENV: "wrong"})

    with pytest.raises(SourceMisconfigured, match="HTTP 401"):
        read(connector)


def test_a_missing_token_variable_is_named():
    config = {
        "url": "http://127.0.0.1:9/",
        "auth": {"type": "bearer", "token_env": "PERF_SOURCE_ERP_TOKEN"},
    }

    with pytest.raises(SourceMisconfigured, match="PERF_SOURCE_ERP_TOKEN is not set"):
        connector_for("rest", config, secrets={})


def test_basic_auth_sends_user_and_password(http_source):
    server = http_source(ROWS)
    auth = {"type": "basic", "user": "sync", "password_env": "PERF_SOURCE_ERP_PASSWORD"}

    read(RestConnector(server.config(auth=auth), secrets={"PERF_SOURCE_ERP_PASSWORD": "pw"}))

    assert server.requests[0].headers["Authorization"] == "Basic c3luYzpwdw=="


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "url is missing"),
        ({"url": "ftp://erp/"}, "url has an invalid value"),
        ({"url": "http://erp/", "pagination": {"style": "pages"}}, "pagination.style"),
        ({"url": "http://erp/", "timeout": 0}, "timeout has an invalid value"),
    ],
)
def test_a_malformed_rest_config_is_refused(config, message):
    with pytest.raises(ConnectorError, match=message):
        connector_for("rest", config, secrets={})


def test_an_unknown_kind_is_refused():
    with pytest.raises(ConnectorError, match="Unknown source kind ftp"):
        connector_for("ftp", {})


# SQL

SQL_ROWS = """
    (1, '华东客户甲', 10.50, '2025-01-01 08:00:00'),
    (2, '华南客户乙', 20.00, '2025-01-02 08:00:00'),
    (3, '华东客户丙', 30.25, '2025-01-03 08:00:00'),
    (4, '华北客户丁', 40.00, '2025-01-04 08:00:00'),
    (5, '华东客户戊', 50.75, '2025-01-05 08:00:00')
"""
TIMESTAMP_TYPES = {"sqlite": "TEXT", "postgresql": "TIMESTAMP", "mysql": "DATETIME"}


def _sqlite_database(tmp_path, table):
    path = tmp_path / "erp.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(_create_table_sql("sqlite", table))
    connection.close()
    return {"engine": "sqlite", "path": str(path)}, {}, lambda: None


def _postgresql_database(tmp_path, table):
    url = erp_database_url()
    if url is None:
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(_create_table_sql("postgresql", table))
    config, secrets = erp_source_config(url)

    def drop():
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP TABLE {table}")

    return config, secrets, drop


MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "database": "test"}


def _mysql_database(tmp_path, table):
    try:
        connection = pymysql.connect(**MYSQL, connect_timeout=2, autocommit=True)
    except pymysql.MySQLError as err:
        pytest.skip(f"no MariaDB/MySQL at 127.0.0.1:3306 (root, database test): {err}")
    with connection, connection.cursor() as cursor:
        for statement in _create_table_sql("mysql", table).split(";"):
            if statement.strip():
                cursor.execute(statement)
    config = {"engine": "mysql", **{k: v for k, v in MYSQL.items() if k != "password"}}

    def drop():
        with pymysql.connect(**MYSQL, autocommit=True) as connection:
            connection.cursor().execute(f"DROP TABLE {table}")

    return config, {}, drop


def _create_table_sql(engine, table):
    return f"""
        CREATE TABLE {table} (
            id INTEGER PRIMARY KEY,
            customer VARCHAR(50) NOT NULL,
            amount DECIMAL(10, 2) NOT NULL,
            write_date {TIMESTAMP_TYPES[engine]} NOT NULL
        );
        INSERT INTO {table} VALUES {SQL_ROWS};
    """


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def sql_source(request, tmp_path):
    """Five orders in a new table of the engine named by the parameter.

    Yields the connector config without its query, the table's name and the secrets mapping.
    """
    table = f"perf_connector_test_{uuid.uuid4().hex[:12]}"
    make = {
        "sqlite": _sqlite_database,
        "postgresql": _postgresql_database,
        "mysql": _mysql_database,
    }[request.param]
    config, secrets, drop = make(tmp_path, table)
    yield config, table, secrets
    drop()


def test_sql_reads_every_row_in_batches_with_since_null(sql_source):
    config, table, secrets = sql_source
    query = (
        f"SELECT id, customer, amount, write_date FROM {table} "
        "WHERE (:since IS NULL OR write_date > :since) AND customer LIKE '华%' ORDER BY write_date"
    )

    batches = read(connector_for("sql", {**config, "query": query}, secrets=secrets), batch_size=2)

    assert [(batch.first_row, len(batch.rows)) for batch in batches] == [(1, 2), (3, 2), (5, 1)]
    first = batches[0].rows[0]
    assert list(first) == ["id", "customer", "amount", "write_date"]
    assert (first["id"], first["customer"], first["amount"]) == (1, "华东客户甲", Decimal("10.50"))
    if config["engine"] != "sqlite":  # SQLite keeps timestamps as the text it was given
        assert first["write_date"] == dt.datetime(2025, 1, 1, 8, 0)
        assert isinstance(first["amount"], Decimal)


def test_sql_binds_since_for_incremental_reads(sql_source):
    config, table, secrets = sql_source
    query = (
        f"SELECT id FROM {table} WHERE (:since IS NULL OR write_date > :since) ORDER BY write_date"
    )

    batches = read(
        connector_for("sql", {**config, "query": query}, secrets=secrets),
        since="2025-01-03 08:00:00",
    )

    assert ids(batches) == [4, 5]


def test_sql_full_query_is_used_when_there_is_no_since(sql_source):
    config, table, secrets = sql_source
    config = {
        **config,
        "query": f"SELECT id FROM {table} WHERE write_date > :since ORDER BY write_date",
        "full_query": f"SELECT id FROM {table} WHERE id % 2 = 1 ORDER BY write_date",
    }
    connector = connector_for("sql", config, secrets=secrets)

    assert ids(read(connector)) == [1, 3, 5]
    assert ids(read(connector, since="2025-01-04 00:00:00")) == [4, 5]


def test_sql_errors_carry_the_drivers_message(sql_source):
    config, _, secrets = sql_source
    connector = connector_for(
        "sql", {**config, "query": "SELECT * FROM no_such_table"}, secrets=secrets
    )

    with pytest.raises(SourceMisconfigured, match=r"query failed: .*no_such_table"):
        read(connector)


def test_sql_refuses_two_columns_of_one_name(sql_source):
    config, table, secrets = sql_source
    query = f"SELECT id, customer AS id FROM {table}"

    with pytest.raises(ConnectorError, match="column id twice"):
        read(connector_for("sql", {**config, "query": query}, secrets=secrets))


def test_sql_sessions_are_read_only(sql_source):
    config, table, secrets = sql_source
    connector = connector_for("sql", {**config, "query": f"DELETE FROM {table}"}, secrets=secrets)

    with pytest.raises(ConnectorError):
        read(connector)

    check = connector_for("sql", {**config, "query": f"SELECT id FROM {table}"}, secrets=secrets)
    assert len(ids(read(check))) == 5


def test_sqlite_missing_file_is_named(tmp_path):
    missing = tmp_path / "gone.sqlite3"

    with pytest.raises(ConnectorError, match=re.escape(f"No such file: {missing}")):
        read(connector_for("sql", {"engine": "sqlite", "path": str(missing), "query": "SELECT 1"}))


def test_an_unreachable_database_is_reported():
    config = {
        "engine": "postgresql",
        "host": "127.0.0.1",
        "port": 9,
        "database": "erp",
        "query": "SELECT 1",
    }

    with pytest.raises(SourceUnavailable, match="Cannot connect to the postgresql database erp@"):
        read(connector_for("sql", config, secrets={}))


def test_a_missing_password_variable_is_named():
    config = {
        "engine": "mysql",
        "host": "127.0.0.1",
        "database": "erp",
        "password_env": "PERF_SOURCE_ERP_DB_PASSWORD",
        "query": "SELECT 1",
    }

    with pytest.raises(ConnectorError, match="PERF_SOURCE_ERP_DB_PASSWORD is not set"):
        connector_for("sql", config, secrets={})


# Files

CSV_TEXT = "订单号, 客户 ,金额\nSO-1,华东客户甲,10.50\nSO-2,华南客户乙,20\n,,\nSO-4,华北客户丁,40\n"
EXPECTED_CSV_ROWS = [
    (2, [{"订单号": "SO-1", "客户": "华东客户甲", "金额": "10.50"},
         {"订单号": "SO-2", "客户": "华南客户乙", "金额": "20"}]),
    (5, [{"订单号": "SO-4", "客户": "华北客户丁", "金额": "40"}]),
]  # fmt: skip


def numbered(batches):
    return [(batch.first_row, batch.rows) for batch in batches]


@pytest.mark.parametrize(
    ("written_as", "encoding"),
    [
        ("utf-8-sig", "utf-8"),
        ("utf-8-sig", "auto"),
        ("utf-8", "auto"),
        ("gbk", "gbk"),
        ("gbk", "auto"),
    ],
)
def test_csv_in_utf8_or_gbk_with_chinese_headers(tmp_path, written_as, encoding):
    path = tmp_path / "客户反馈.csv"
    path.write_text(CSV_TEXT, encoding=written_as)

    connector = connector_for("file", {"path": str(path), "encoding": encoding})

    assert numbered(read(connector)) == EXPECTED_CSV_ROWS


def test_csv_in_the_wrong_encoding_fails_naming_file_and_encoding(tmp_path):
    path = tmp_path / "反馈.csv"
    path.write_text(CSV_TEXT, encoding="gbk")

    with pytest.raises(ConnectorError, match=re.escape(f"{path} is not utf-8 text")):
        read(connector_for("file", {"path": str(path), "encoding": "utf-8"}))


def test_csv_rows_count_records_and_honour_delimiter_and_header_row(tmp_path):
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerows([["ERP export"], ["id", "note"], ["1", "第一行\n第二行"], ["2"]])

    config = {"path": str(path), "delimiter": ";", "header_row": 2}
    batches = read(connector_for("file", config), batch_size=1)

    assert numbered(batches) == [
        (3, [{"id": "1", "note": "第一行\n第二行"}]),
        (4, [{"id": "2", "note": None}]),  # short row: missing cell is None
    ]


def _feedback_workbook():
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "说明"
    cover["A1"] = "本文件由CRM导出"
    sheet = workbook.create_sheet("反馈")
    sheet.append([" 工单号 ", "客户", "评分", "提交时间", None])
    sheet.append(["TK-1", "华东客户甲", 5, dt.datetime(2025, 3, 1, 9, 30)])
    sheet.append([])
    sheet.append(["TK-2", "华南客户乙", 3, dt.datetime(2025, 3, 2, 14, 0)])
    sheet.append(["TK-3", None, None, None])
    return workbook


EXPECTED_XLSX_ROWS = [
    (2, [{"工单号": "TK-1", "客户": "华东客户甲", "评分": 5,
          "提交时间": dt.datetime(2025, 3, 1, 9, 30)}]),
    (4, [{"工单号": "TK-2", "客户": "华南客户乙", "评分": 3,
          "提交时间": dt.datetime(2025, 3, 2, 14, 0)},
         {"工单号": "TK-3", "客户": None, "评分": None, "提交时间": None}]),
]  # fmt: skip


@pytest.mark.parametrize("sheet", ["反馈", 1])
def test_xlsx_by_sheet_name_or_index_with_chinese_headers_dates_and_an_empty_row(tmp_path, sheet):
    path = tmp_path / "反馈.xlsx"
    _feedback_workbook().save(path)

    batches = read(connector_for("file", {"path": str(path), "sheet": sheet}))

    assert numbered(batches) == EXPECTED_XLSX_ROWS


def test_xlsx_reads_the_first_sheet_by_default_and_needs_its_header_row(tmp_path):
    path = tmp_path / "说明.xlsx"
    _feedback_workbook().save(path)

    with pytest.raises(ConnectorError, match=r"Row 2 of .* holds no column names"):
        read(connector_for("file", {"path": str(path), "header_row": 2}))
    batches = read(connector_for("file", {"path": str(path)}))
    assert batches == []  # the cover sheet has a header and no data


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "反馈.xlsx"
    _feedback_workbook().save(path)

    with pytest.raises(ConnectorError, match="has no sheet 汇总; its sheets are: 说明, 反馈"):
        read(connector_for("file", {"path": str(path), "sheet": "汇总"}))


def test_uploads_are_parsed_like_files():
    buffer = io.BytesIO()
    _feedback_workbook().save(buffer)
    xlsx = {"upload": buffer.getvalue(), "filename": "反馈.xlsx", "sheet": "反馈"}
    csv_upload = {"upload": CSV_TEXT.encode("gbk"), "filename": "反馈.csv"}

    assert numbered(read(connector_for("file", xlsx))) == EXPECTED_XLSX_ROWS
    assert numbered(read(connector_for("file", csv_upload))) == EXPECTED_CSV_ROWS


def test_a_damaged_xlsx_upload_is_named():
    upload = {"upload": b"PK not really a zip", "filename": "坏文件.xlsx"}

    with pytest.raises(ConnectorError, match=re.escape("坏文件.xlsx is not a readable XLSX file")):
        read(connector_for("file", upload))


def test_a_missing_file_is_named(tmp_path):
    missing = tmp_path / "gone.csv"

    with pytest.raises(ConnectorError, match=re.escape(f"No such file: {missing}")):
        read(connector_for("file", {"path": str(missing)}))


def test_a_header_naming_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("id,客户,客户\n1,a,b\n", encoding="utf-8")

    with pytest.raises(ConnectorError, match="column 客户 appears twice"):
        read(connector_for("file", {"path": str(path)}))


def test_a_file_of_unknown_format_is_refused(tmp_path):
    with pytest.raises(ConnectorError, match="format has an invalid value"):
        connector_for("file", {"path": str(tmp_path / "orders.json")})


def test_a_database_that_refuses_the_source_is_a_settings_problem():
    """The server answered, and said no (here: no such database): retrying cannot help."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server")
    parts = urlsplit(url)
    config = {
        "engine": "postgresql",
        "host": parts.hostname,
        "port": parts.port or 5432,
        "database": "perf_no_such_database",
        "user": unquote(parts.username or ""),
        "query": "SELECT 1",
    }

    with pytest.raises(SourceMisconfigured, match="perf_no_such_database"):
        read(connector_for("sql", config, secrets={}))
