"""What the appeal page tests file with: evidence bytes and a late node's subject."""

import datetime as dt

from django.utils.timezone import localtime

# Evidence is checked on its first bytes.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
XLSX = b"PK\x03\x04" + b"\x00" * 32


def node_query(node) -> str:
    return f"?record_type=order_node&record_id={node.pk}&field=completed_at"


def node_subject(node) -> dict:
    return {"record_type": "order_node", "record_id": node.pk, "field": "completed_at"}


def picked(node, hours: int = 1) -> dt.datetime:
    """A completion time before the node's deadline, local."""
    return localtime(node.due_at) - dt.timedelta(hours=hours)
