"""A small marketplace export as four CSV files (orders, their item lines, reviews, sellers),
configured through mappings alone: an order's merchandiser is the seller of its largest line
(through the sellers file), its amount the sum of its lines plus freight; its nodes come from the
timestamps of its row (cancelled orders' nodes skipped); a review's customer and merchandiser
are looked up through its order.

By hand (last month, Shanghai time; rows as a spreadsheet numbers them):

- row 2, O1: lines S1 100 and S2 250 → merchandiser E002 (one of two sellers), 360.00 with
  freight 10; nodes shipment (48 h) and delivery (carrier day 2 10:00 → estimated day 5 10:00:
  72 h).
- row 3, O2: lines S1 80 and S1 20 → E001 (one seller), 100.00 (no freight); nodes with a
  96-hour delivery.
- row 4, O3: cancelled; 55.00; no node (the filter skips it).
- row 5, O4: lines S2 70 and S1 70 → E002 (the first of the largest), 140.00; handed to the
  carrier before its payment was approved: its shipment node is refused (completed before it
  started), its delivery node (72 h) kept.
- row 6, O5: freight 'abc': the order is refused for its amount; no node (neither approved nor
  handed over).
- reviews: R1 of O1 (E002, of two sellers), R2 of O2 (E001), R3 of an order nobody knows.
"""

import csv
from pathlib import Path

from tests.clock import stamp

ORDER_COLUMNS = [
    "order_id",
    "customer_unique_id",
    "order_status",
    "purchased_at",
    "approved_at",
    "carrier_at",
    "delivered_at",
    "estimated_at",
    "freight",
]
S = stamp  # a time of last month, as the export writes it
ORDERS = [
    ["O1", "C001", "delivered", S(1, 9), S(1, 10), S(2, 10), S(4, 10), S(5, 10), "10"],
    ["O2", "C002", "delivered", S(3, 9), S(3, 12), S(4, 12), S(6, 12), S(8, 12), ""],
    ["O3", "C001", "canceled", S(5, 9), S(5, 10), "", "", "", "5"],
    ["O4", "C002", "shipped", S(6, 7), S(6, 10), S(6, 8), "", S(9, 8), "0"],
    ["O5", "C001", "approved", S(7, 9), "", "", "", "", "abc"],
]
ITEMS = [
    ["order_id", "item_no", "seller_id", "price"],
    ["O1", "1", "S1", "100"],
    ["O1", "2", "S2", "250"],
    ["O2", "1", "S1", "80"],
    ["O2", "2", "S1", "20"],
    ["O3", "1", "S1", "50"],
    ["O4", "1", "S2", "70"],
    ["O4", "2", "S1", "70"],
    ["O5", "1", "S2", "30"],
]
SELLERS = [["seller_id", "staff_no"], ["S1", "E001"], ["S2", "E002"]]
REVIEWS = [
    ["review_id", "order_id", "review_score", "review_created_at"],
    ["R1", "O1", "5", stamp(5, 10)],
    ["R2", "O2", "4", stamp(7, 10)],
    ["R3", "O9", "3", stamp(7, 11)],
]


def write_csv(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return str(path)


def marketplace_files(folder: Path) -> dict[str, str]:
    """The four files in ``folder`` (inside the import folder): their paths by name."""
    return {
        "orders": write_csv(folder / "orders.csv", [ORDER_COLUMNS, *ORDERS]),
        "items": write_csv(folder / "order_items.csv", ITEMS),
        "sellers": write_csv(folder / "sellers.csv", SELLERS),
        "reviews": write_csv(folder / "reviews.csv", REVIEWS),
    }


def seller_joins(on: str = "order_id") -> dict:
    """The merchandiser of an order: the seller of its largest line, then its staff number."""
    return {
        "seller": {
            "table": "items",
            "on": on,
            "take": "seller_id",
            "rule": "largest",
            "by": "price",
        },
        "staff_no": {"table": "sellers", "on": "seller", "key": "seller_id", "take": "staff_no"},
    }


def marketplace_mappings(files: dict[str, str]) -> dict:
    """Orders, their nodes and reviews of the source whose own path is the orders file."""
    tables = {
        "items": {"fetch": {"path": files["items"]}},
        "sellers": {"fetch": {"path": files["sellers"]}},
    }
    return {
        "order": {
            "timezone": "Asia/Shanghai",
            "tables": tables,
            "joins": {
                **seller_joins(),
                "lines_total": {"table": "items", "on": "order_id", "take": "price", "rule": "sum"},
            },
            "computed": {"amount": "lines_total + coalesce(freight, 0)"},
            "fields": {
                "external_id": "order_id",
                "customer": "customer_unique_id",
                "merchandiser": "staff_no",
                "submitted_at": "purchased_at",
                "source_created_at": "purchased_at",
                "confirmed_at": "approved_at",
                "status": "order_status",
            },
            "values": {
                "status": {
                    "delivered": "confirmed",
                    "shipped": "confirmed",
                    "approved": "confirmed",
                    "canceled": "cancelled",
                }
            },
            "lookups": {"merchandiser": "employee_no", "customer": "external_id"},
        },
        "order_node": {
            "timezone": "Asia/Shanghai",
            "filter": "order_status != 'canceled'",
            "fields": {"order": "order_id"},
            "unpivot": [
                {
                    "name": "shipment",
                    "constants": {"node": "shipment"},
                    "computed": {
                        "started_at": "approved_at",
                        "completed_at": "carrier_at",
                        "threshold_hours": "48",
                    },
                    "when": "not is_empty(approved_at)",
                },
                {
                    "name": "delivery",
                    "constants": {"node": "delivery"},
                    "computed": {
                        "started_at": "carrier_at",
                        "completed_at": "delivered_at",
                        "threshold_hours": "estimated_at - carrier_at",
                    },
                    "when": "not is_empty(carrier_at)",
                },
            ],
        },
        "feedback": {
            "timezone": "Asia/Shanghai",
            "fetch": {"path": files["reviews"]},
            "tables": {**tables, "orders": {"fetch": {"path": files["orders"]}}},
            "joins": {
                **seller_joins(),
                "customer_no": {"table": "orders", "on": "order_id", "take": "customer_unique_id"},
            },
            "fields": {
                "external_id": "review_id",
                "order": "order_id",
                "customer": "customer_no",
                "employee": "staff_no",
                "csat": "review_score",
                "submitted_at": "review_created_at",
            },
            "lookups": {"employee": "employee_no", "customer": "external_id"},
        },
    }
