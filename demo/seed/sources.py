"""The demo company's outside systems: an ERP database and a CRM feedback export, written from a
generated company so that the demo's orders and feedback arrive through the real sync pipeline.

The ERP is a SQLite file shaped like a real ERP's tables (``res_partner``, ``res_users``,
``sale_order``, ``sale_order_line``; naive UTC timestamps, custom ``x_`` fields, Chinese stage
names); the CRM export is an XLSX workbook with Chinese headers and naive Shanghai times.
"""

import sqlite3
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from demo.seed.company import Company
from frames.write import instants_as_stored

ERP_SOURCE = "erp"
CRM_SOURCE = "crm"
STAGES = {
    "submitted": "待确认",
    "confirmed": "已确认",
    "in_production": "生产中",
    "shipped": "已发货",
    "delivered": "已签收",
    "cancelled": "已取消",
}
TIERS = {"vip": "VIP客户", "key": "重点客户", "regular": "普通客户"}

ERP_SCHEMA = """
CREATE TABLE res_partner (
    id INTEGER PRIMARY KEY, ref TEXT UNIQUE, name TEXT, x_tier TEXT, create_date TEXT,
    write_date TEXT);
CREATE TABLE res_users (id INTEGER PRIMARY KEY, login TEXT UNIQUE, name TEXT);
CREATE TABLE sale_order (
    id INTEGER PRIMARY KEY, name TEXT UNIQUE, partner_id INTEGER REFERENCES res_partner(id),
    user_id INTEGER REFERENCES res_users(id), date_order TEXT, create_date TEXT,
    confirmation_date TEXT, x_shipped_at TEXT, x_delivered_at TEXT, x_stage TEXT,
    currency_code TEXT, x_entry_errors INTEGER, x_fulfilment_error INTEGER,
    x_returned INTEGER, x_refunded INTEGER, x_complaint INTEGER, write_date TEXT);
CREATE TABLE sale_order_line (
    id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES sale_order(id), product TEXT,
    product_uom_qty REAL, price_unit REAL, price_subtotal REAL);
CREATE INDEX sale_order_write_date ON sale_order (write_date, id);
CREATE INDEX sale_order_line_order ON sale_order_line (order_id);
"""

# ">=": rows sharing the cursor's timestamp across a batch boundary are read again (and found
# unchanged) rather than skipped.
ORDER_QUERY = """
SELECT o.name, p.ref AS partner_ref, u.login, o.date_order, o.create_date, o.confirmation_date,
       o.x_shipped_at, o.x_delivered_at, o.x_stage, o.currency_code, o.x_entry_errors,
       o.x_fulfilment_error, o.x_returned, o.x_refunded, o.x_complaint,
       (SELECT round(sum(l.price_subtotal), 2) FROM sale_order_line l WHERE l.order_id = o.id)
           AS amount_total,
       o.write_date
FROM sale_order o
JOIN res_partner p ON p.id = o.partner_id
JOIN res_users u ON u.id = o.user_id
WHERE (:since IS NULL OR o.write_date >= :since)
ORDER BY o.write_date, o.id
"""
PARTNER_QUERY = """
SELECT ref, name, x_tier, create_date, write_date FROM res_partner
WHERE (:since IS NULL OR write_date >= :since) ORDER BY write_date, id
"""

ERP_MAPPINGS = {
    "customer": {
        "fetch": {"query": PARTNER_QUERY},
        "cursor_field": "write_date",
        "timezone": "UTC",
        "fields": {
            "external_id": "ref",
            "name": "name",
            "tier": "x_tier",
            "customer_since": "create_date",
        },
        "values": {"tier": {label: tier for tier, label in TIERS.items()}},
    },
    "order": {
        "fetch": {"query": ORDER_QUERY},
        "cursor_field": "write_date",
        "timezone": "UTC",
        "fields": {
            "external_id": "name",
            "customer": "partner_ref",
            "merchandiser": "login",
            "submitted_at": "date_order",
            "source_created_at": "create_date",
            "confirmed_at": "confirmation_date",
            "shipped_at": "x_shipped_at",
            "delivered_at": "x_delivered_at",
            "status": "x_stage",
            "currency": "currency_code",
            "amount": "amount_total",
            "entry_errors": "x_entry_errors",
            "fulfilment_error": "x_fulfilment_error",
            "is_returned": "x_returned",
            "is_refunded": "x_refunded",
            "has_complaint": "x_complaint",
        },
        "values": {"status": {label: status for status, label in STAGES.items()}},
        "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
    },
}

CRM_HEADERS = {
    "external_id": "反馈编号",
    "order": "订单号",
    "customer": "客户编码",
    "employee": "跟单员工号",
    "csat": "满意度(1-5)",
    "nps": "推荐意愿(0-10)",
    "comment": "评价内容",
    "submitted_at": "提交时间",
}
CRM_MAPPINGS = {
    "feedback": {
        "timezone": "Asia/Shanghai",
        "fields": dict(CRM_HEADERS),
        "lookups": {
            "employee": "employee_no",
            "customer": "external_id",
            "order": {"by": "external_id", "source": ERP_SOURCE},
        },
    }
}


def text_times(seconds: pd.Series | np.ndarray, zone: str = "UTC") -> list[str | None]:
    """Epoch seconds as naive ``YYYY-MM-DD HH:MM:SS`` text in ``zone`` (None where missing).

    Read as stored instants, not through ``pd.to_datetime(unit="s")``: pandas 2.x reads float
    seconds with NaN among them through uninitialised memory and now and then raises an
    overflow the numbers never had (the demo seed failed so in CI)."""
    stamps = instants_as_stored(pd.Series(seconds, dtype=float))
    text = stamps.dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M:%S")
    return text.astype(object).where(stamps.notna(), None).tolist()


def _order_lines(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """One to three lines per order whose subtotals add up to the order's amount (in cents)."""
    per_order = rng.integers(1, 4, len(orders))
    order_idx = np.repeat(np.arange(len(orders)), per_order)
    shares = rng.random(len(order_idx)) + 0.2
    totals = np.bincount(order_idx, weights=shares)
    cents = np.round(orders["amount"].to_numpy() * 100).astype(np.int64)
    line_cents = np.floor(shares / totals[order_idx] * cents[order_idx]).astype(np.int64)
    # The first line of each order takes the rounding remainder.
    first = np.r_[0, np.cumsum(per_order)[:-1]]
    line_cents[first] += cents - np.bincount(order_idx, weights=line_cents).astype(np.int64)
    quantity = rng.integers(1, 500, len(order_idx)).astype(float)
    products = np.array(["针织T恤", "牛仔裤", "羽绒服", "运动鞋", "帆布包", "衬衫", "卫衣"])
    return pd.DataFrame(
        {
            "order_id": orders["id"].to_numpy()[order_idx],
            "product": products[rng.integers(0, len(products), len(order_idx))],
            "product_uom_qty": quantity,
            "price_unit": np.round(line_cents / 100 / quantity, 4),
            "price_subtotal": line_cents / 100,
        }
    )


def erp_database_write(company: Company, path: Path, *, seed: int) -> None:
    """Write the company's customers, merchandisers and orders as an ERP's SQLite database."""
    path.unlink(missing_ok=True)
    orders = company.orders
    employees = company.employees
    customers = company.customers
    events = orders[["submitted_at", "confirmed_at", "shipped_at", "delivered_at"]]
    lines = _order_lines(np.random.default_rng(seed), orders)
    since = pd.to_datetime(customers["customer_since"]).astype("int64") // 10**9
    with sqlite3.connect(path) as db:
        db.executescript(ERP_SCHEMA)
        db.executemany(
            "INSERT INTO res_partner VALUES (?, ?, ?, ?, ?, ?)",
            zip(
                customers["id"].tolist(),
                customers["external_id"],
                customers["name"],
                customers["tier"].map(TIERS),
                text_times(since),
                text_times(since),
                strict=True,
            ),
        )
        db.executemany(
            "INSERT INTO res_users VALUES (?, ?, ?)",
            zip(employees["id"].tolist(), employees["employee_no"], employees["name"], strict=True),
        )
        db.executemany(
            "INSERT INTO sale_order VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            zip(
                orders["id"].tolist(),
                orders["external_id"],
                orders["customer_id"].tolist(),
                orders["merchandiser_id"].tolist(),
                text_times(orders["submitted_at"]),
                text_times(orders["source_created_at"]),
                text_times(orders["confirmed_at"]),
                text_times(orders["shipped_at"]),
                text_times(orders["delivered_at"]),
                orders["status"].map(STAGES),
                orders["currency"],
                orders["entry_errors"].tolist(),
                orders["fulfilment_error"].astype(int).tolist(),
                orders["is_returned"].astype(int).tolist(),
                orders["is_refunded"].astype(int).tolist(),
                orders["has_complaint"].astype(int).tolist(),
                text_times(events.max(axis=1)),
                strict=True,
            ),
        )
        db.executemany(
            "INSERT INTO sale_order_line (order_id, product, product_uom_qty, price_unit, "
            "price_subtotal) VALUES (?, ?, ?, ?, ?)",
            lines.itertuples(index=False, name=None),
        )


def crm_workbook_write(company: Company, path: Path) -> None:
    """Write the company's customer feedback as a CRM's XLSX export (Chinese headers)."""
    feedback = company.feedback
    order_numbers = company.orders.set_index("id")["external_id"]
    customer_codes = company.customers.set_index("id")["external_id"]
    employee_numbers = company.employees.set_index("id")["employee_no"]
    columns = {
        "external_id": feedback["external_id"].tolist(),
        "order": feedback["order_id"].map(order_numbers).tolist(),
        "customer": feedback["customer_id"].map(customer_codes).tolist(),
        "employee": feedback["employee_id"].map(employee_numbers).tolist(),
        "csat": feedback["csat"].astype(object).where(feedback["csat"].notna(), None).tolist(),
        "nps": feedback["nps"].astype(object).where(feedback["nps"].notna(), None).tolist(),
        "comment": feedback["comment"].fillna("").tolist(),
        "submitted_at": text_times(feedback["submitted_at"], "Asia/Shanghai"),
    }
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客户评价")
    sheet.append(list(CRM_HEADERS.values()))
    for row in zip(*(columns[key] for key in CRM_HEADERS), strict=True):
        sheet.append(list(row))
    path.unlink(missing_ok=True)
    book.save(path)
