"""Connectors read raw rows from outside sources: REST APIs, SQL databases, CSV and XLSX files.

Pure Python, no ORM: ``connector_for(kind, config)`` gives an object whose
``batches(since=..., batch_size=...)`` yields Batch objects; the sync service maps and stores
them. Each kind's module docstring describes its config.
"""

from ingest.connectors.base import (
    Batch,
    Connector,
    ConnectorError,
    SourceMisconfigured,
    SourceUnavailable,
    connector_for,
)

__all__ = [
    "Batch",
    "Connector",
    "ConnectorError",
    "SourceMisconfigured",
    "SourceUnavailable",
    "connector_for",
]
