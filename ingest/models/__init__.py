"""Ingest's models: the operational records indicators are computed from (``orders``,
``activity``) and the sources, sync runs, quarantined rows and ledger they come through
(``sources``)."""

from ingest.models.activity import (
    Channel,
    ExceptionCase,
    ExceptionKind,
    Feedback,
    FollowUp,
    PeerReview,
    Suggestion,
    SuggestionStatus,
    Ticket,
    TrainingRecord,
)
from ingest.models.orders import (
    MANUAL_SOURCE,
    MAX_NODE_THRESHOLD_HOURS,
    Order,
    OrderNode,
    OrderStatus,
    ProcessNode,
    SourcedRecord,
)
from ingest.models.sources import (
    LedgerAction,
    LedgerEntry,
    RejectedRow,
    Source,
    SourceKind,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)

__all__ = [
    "MANUAL_SOURCE",
    "MAX_NODE_THRESHOLD_HOURS",
    "Channel",
    "ExceptionCase",
    "ExceptionKind",
    "Feedback",
    "FollowUp",
    "LedgerAction",
    "LedgerEntry",
    "Order",
    "OrderNode",
    "OrderStatus",
    "PeerReview",
    "ProcessNode",
    "RejectedRow",
    "Source",
    "SourceKind",
    "SourcedRecord",
    "Suggestion",
    "SuggestionStatus",
    "SyncRun",
    "SyncStatus",
    "SyncTrigger",
    "Ticket",
    "TrainingRecord",
]
