"""The ingestion benchmark behind ``make bench``: orders through the SQL and REST connectors and
the whole sync (validation, lookups, upsert, ledger), against a bare bulk insert of the same rows;
and the same orders with a few bad rows among them, against themselves clean.

Runs against a seeded company (it needs its employees and customers to attribute orders to) and
removes every row it wrote, so the company is left as it was.
"""

import json
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import override_settings

from demo.seed.sources import text_times
from frames.write import frame_bulk_load
from ingest.ledger import ledger_head_reset
from ingest.models import LedgerEntry, Order, RejectedRow, Source, SyncRun
from ingest.services import source_sync, sync_run_create
from org.models import Customer, Employee

BENCH_SOURCES = ("bench-sql", "bench-rest", "bench-bulk", "bench-clean", "bench-dirty")
PAGE_SIZE = 5000
# The share of rows made bad for the dirty-data line, spread at random through the batches.
BAD_SHARE = 0.05
SQL_QUERY = (
    "SELECT * FROM sale_order WHERE (:since IS NULL OR write_date >= :since) ORDER BY write_date"
)
COLUMNS = [
    "order_no",
    "partner_ref",
    "login",
    "date_order",
    "create_date",
    "confirmation_date",
    "state",
    "amount_total",
    "write_date",
]
MAPPING = {
    "cursor_field": "write_date",
    "timezone": "UTC",
    "fields": {
        "external_id": "order_no",
        "customer": "partner_ref",
        "merchandiser": "login",
        "submitted_at": "date_order",
        "source_created_at": "create_date",
        "confirmed_at": "confirmation_date",
        "status": "state",
        "amount": "amount_total",
    },
    "values": {"status": {"已确认": "confirmed", "待确认": "submitted"}},
}


@dataclass(frozen=True)
class Orders:
    """The same orders as source rows (text, as an ERP gives them) and as typed columns."""

    rows: pd.DataFrame
    typed: pd.DataFrame


def orders_generate(count: int, *, seed: int = 7) -> Orders:
    """``count`` orders of the company's people and customers, one hour of history each."""
    rng = np.random.default_rng(seed)
    employees = pd.DataFrame.from_records(
        list(Employee.objects.filter(team__is_scored=True).values_list("id", "employee_no")),
        columns=["id", "number"],
    )
    customers = pd.DataFrame.from_records(
        list(Customer.objects.values_list("id", "external_id")[:50_000]), columns=["id", "code"]
    )
    who = rng.integers(0, len(employees), count)
    whom = rng.integers(0, len(customers), count)
    submitted = pd.Timestamp("2026-09-01", tz="UTC").timestamp() + np.sort(
        rng.integers(0, 30 * 86_400, count)
    )
    created = submitted + rng.integers(0, 1_800, count)
    confirmed = np.where(
        rng.random(count) < 0.9, submitted + rng.integers(600, 40_000, count), np.nan
    )
    amount = np.round(rng.gamma(2.0, 4_000.0, count), 2)

    numbers = [f"BENCH-SO{n:07d}" for n in range(count)]
    rows = pd.DataFrame(
        {
            "order_no": numbers,
            "partner_ref": customers["code"].to_numpy()[whom],
            "login": employees["number"].to_numpy()[who],
            "date_order": text_times(submitted),
            "create_date": text_times(created),
            "confirmation_date": text_times(confirmed),
            "state": np.where(np.isnan(confirmed), "待确认", "已确认"),
            "amount_total": amount,
            "write_date": text_times(np.fmax(submitted, np.nan_to_num(confirmed))),
        }
    )
    typed = pd.DataFrame(
        {
            "external_id": numbers,
            "customer_id": customers["id"].to_numpy()[whom],
            "merchandiser_id": employees["id"].to_numpy()[who],
            "submitted_at": submitted.astype(float),
            "source_created_at": created.astype(float),
            "confirmed_at": confirmed,
            "status": np.where(np.isnan(confirmed), "submitted", "confirmed"),
            "amount": amount,
            # The defaults a synced order gets for the fields this source does not map.
            "currency": "CNY",
            "entry_errors": 0,
            "fulfilment_error": False,
            "is_returned": False,
            "is_refunded": False,
            "has_complaint": False,
        }
    )
    return Orders(rows=rows, typed=typed)


def orders_spoil(rows: pd.DataFrame, share: float = BAD_SHARE, *, seed: int = 11) -> pd.DataFrame:
    """The same source rows with ``share`` of them, at random, bad as real exports have them:
    three in five with a negative amount (which validation lets through and the database
    refuses), one in five naming a merchandiser perf does not know, one in five with an order
    date that is no date."""
    rng = np.random.default_rng(seed)
    bad = rng.choice(len(rows), round(len(rows) * share), replace=False)
    negative, unknown, undated = np.split(bad, [len(bad) * 3 // 5, len(bad) * 4 // 5])
    spoiled = rows.copy()
    spoiled.loc[negative, "amount_total"] = -1 - spoiled.loc[negative, "amount_total"]
    spoiled.loc[unknown, "login"] = "NOBODY"
    spoiled.loc[undated, "date_order"] = "下周二"
    return spoiled


def _sqlite_erp(rows: pd.DataFrame, directory: Path, name: str = "bench-erp") -> Path:
    path = directory / f"{name}.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE sale_order ({', '.join(COLUMNS)})")
        db.executemany(
            f"INSERT INTO sale_order VALUES ({', '.join('?' * len(COLUMNS))})",
            rows[COLUMNS].astype(object).where(rows.notna(), None).itertuples(index=False),
        )
        db.execute("CREATE INDEX sale_order_write_date ON sale_order (write_date)")
    return path


class _Pages(BaseHTTPRequestHandler):
    """Serves ``server.pages`` (pre-encoded JSON bodies) by ``?page=N``, like an ERP's API."""

    def do_GET(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query))
        page = int(query.get("page", "1"))
        pages = self.server.pages
        body = pages[page - 1] if page <= len(pages) else b'{"data": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _rest_server(rows: pd.DataFrame) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    records = rows[COLUMNS].astype(object).where(rows.notna(), None).to_dict("records")
    server.pages = [
        json.dumps({"data": records[start : start + PAGE_SIZE]}, ensure_ascii=False).encode()
        for start in range(0, len(records), PAGE_SIZE)
    ]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


SETTLED_TABLES = [
    model._meta.db_table
    for model in (Order, Order.history.model, LedgerEntry, RejectedRow, SyncRun)
]


def _cleanup() -> None:
    """Remove everything the benchmark wrote (raw deletes: no per-row signals needed)."""
    orders = Order.objects.filter(source__in=BENCH_SOURCES)
    with transaction.atomic():
        LedgerEntry.objects.filter(
            record_type="order", record_id__in=orders.values("pk")
        )._raw_delete(LedgerEntry.objects.db)
        Order.history.model.objects.filter(source__in=BENCH_SOURCES)._raw_delete(Order.objects.db)
        orders._raw_delete(Order.objects.db)
        RejectedRow.objects.filter(run__source__name__in=BENCH_SOURCES).delete()
        SyncRun.objects.filter(source__name__in=BENCH_SOURCES).delete()
        Source.history.model.objects.filter(name__in=BENCH_SOURCES).delete()
        Source.objects.filter(name__in=BENCH_SOURCES).delete()
    # Its entries were the chain's last: the head kept outside the database goes back with them.
    ledger_head_reset()
    # The tables settled as autovacuum leaves them (a server may run without it): planner
    # statistics of what is there now, the removed rows' space free. Without them a later
    # delete planned for an empty ledger took ten minutes, and each run timed a bigger table.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(SETTLED_TABLES)}")


def _sql_source(name: str, erp: Path) -> Source:
    config = {"engine": "sqlite", "path": str(erp), "query": SQL_QUERY}
    return Source.objects.create(name=name, kind="sql", config=config, mappings={"order": MAPPING})


def _timed_sync(source: Source) -> tuple[float, SyncRun]:
    started = time.perf_counter()
    run = source_sync(sync_run_create(source=source))
    return time.perf_counter() - started, run


def ingest_bench(count: int = 100_000) -> list[dict[str, object]]:
    """Time ``count`` orders through each connector and the bare bulk insert; one dict per line."""
    _cleanup()
    orders = orders_generate(count)
    lines = []
    try:
        started = time.perf_counter()
        frame_bulk_load(Order, orders.typed.assign(source="bench-bulk"))
        bulk_seconds = time.perf_counter() - started
        import_root = Path(settings.PERF_IMPORT_ROOT)
        import_root.mkdir(parents=True, exist_ok=True)
        # The bench's own sources: an SQLite file in the import folder and a loopback server,
        # which the source guard allows for the bench only.
        loopback = [*settings.PERF_SOURCE_ALLOWED_HOSTS, "127.0.0.1"]
        with (
            tempfile.TemporaryDirectory(dir=import_root) as directory,
            override_settings(PERF_SOURCE_ALLOWED_HOSTS=loopback),
        ):
            erp = _sqlite_erp(orders.rows, Path(directory))
            server = _rest_server(orders.rows)
            try:
                sources = {
                    "sql": _sql_source("bench-sql", erp),
                    "rest": Source.objects.create(
                        name="bench-rest",
                        kind="rest",
                        config={
                            "url": f"http://127.0.0.1:{server.server_port}/orders",
                            "items_path": "data",
                            "pagination": {"style": "page", "page_size": PAGE_SIZE},
                        },
                        mappings={"order": MAPPING},
                    ),
                }
                for connector, source in sources.items():
                    seconds, run = _timed_sync(source)
                    lines.append(
                        {
                            "bench": "ingest_orders",
                            "connector": connector,
                            "rows": count,
                            "created": run.created,
                            "rejected": run.rejected,
                            "seconds": round(seconds, 2),
                            "rows_per_second": round(count / seconds),
                            "bulk_insert_seconds": round(bulk_seconds, 2),
                            "ratio": round(seconds / bulk_seconds, 2),
                        }
                    )
            finally:
                server.shutdown()
    finally:
        _cleanup()
    return lines


def ingest_dirty_bench(count: int = 100_000) -> dict[str, object]:
    """The same ``count`` orders synced through the SQL connector as they are and with
    ``BAD_SHARE`` of them bad (``orders_spoil``), each into an empty company of orders: how much
    slower refusing a few rows makes a sync. One dict, for one line."""
    _cleanup()
    orders = orders_generate(count)
    Path(settings.PERF_IMPORT_ROOT).mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=settings.PERF_IMPORT_ROOT) as directory:
            clean_erp = _sqlite_erp(orders.rows, Path(directory), "bench-clean")
            dirty_erp = _sqlite_erp(orders_spoil(orders.rows), Path(directory), "bench-dirty")
            clean_seconds, _clean = _timed_sync(_sql_source("bench-clean", clean_erp))
            _cleanup()
            dirty_seconds, dirty = _timed_sync(_sql_source("bench-dirty", dirty_erp))
    finally:
        _cleanup()
    return {
        "bench": "ingest_dirty",
        "bad_share": BAD_SHARE,
        "rows": count,
        "rejected": dirty.rejected,
        "seconds": round(dirty_seconds, 2),
        "rows_per_second": round(count / dirty_seconds),
        "clean_rows_per_second": round(count / clean_seconds),
        "vs_clean": round(clean_seconds / dirty_seconds, 2),
    }
