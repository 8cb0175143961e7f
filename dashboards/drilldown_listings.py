"""What each indicator's drill-down shows of its records: per calculator key, the column headers,
the fields searched, each row's cells, a sentence on the ordering, a note where there is no list
(``DRILLDOWNS``), and why a drill-down lists nothing (``EMPTY``). ``dashboards.drilldowns`` reads
the records and pages them."""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.template.defaultfilters import yesno
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.formatting import format_duration, format_hours, format_value
from indicators.models import ChecklistElement
from indicators.records import (
    CountedRecord,
)
from ingest.models import (
    ExceptionCase,
    Feedback,
    FollowUp,
    Order,
    OrderNode,
    Suggestion,
    Ticket,
    TrainingRecord,
)
from org.lists import list_join

MESSAGE_CHARS = 80
# A comment's mood is explained by this many of its words at most.
DECIDING_WORDS = 4


def _label(model: type[models.Model], name: str) -> str:
    """A field's name as people read it (its translated verbose name)."""
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _choice(model: type[models.Model], name: str, value: str) -> str:
    """A choice field's value as people read it."""
    return str(dict(model._meta.get_field(name).choices).get(value, value))


def _order_header() -> str:
    """The order column's header: the model's own name (a bare "Order" is ambiguous in the
    catalogs, where it also means a sort order)."""
    return str(capfirst(Order._meta.verbose_name))


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _hours(value: float | None) -> str:
    return "—" if value is None else format_hours(value)


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _order_headers(*extra: tuple[type[models.Model], str]) -> list[str]:
    return [_order_header(), _label(Order, "customer")] + [
        _label(model, name) for model, name in extra
    ]


def _feedback_headers(value_header: str) -> list[str]:
    return [
        _label(Feedback, "submitted_at"),
        _label(Feedback, "customer"),
        _order_header(),
        value_header,
        _label(Feedback, "comment"),
    ]


def _customer_headers(last: str) -> list[str]:
    return [_label(Order, "customer"), _("Orders last period"), _("Orders this period"), last]


def _missing(codes: str) -> str:
    """The checklist elements a reply lacks, by name."""
    labels = dict(ChecklistElement.choices)
    return list_join(labels.get(code, code) for code in codes.split())


@dataclass(frozen=True)
class Listing:
    """How one indicator's records are shown: ``headers()`` in the active language, the
    ``fields`` read besides the rule's columns, ``cells(values)`` of one record and what the
    ordering means; or, for records never listed, ``note(records)`` instead."""

    headers: Callable[[], list[str]]
    fields: tuple[str, ...]
    cells: Callable[[dict], tuple[str, ...]]
    ordering: str
    note: Callable[[list[CountedRecord]], str] | None = None


def _deciding_words(evidence: str) -> str:
    """The words that moved a comment's mood the most, strongest first, each with its signed
    weight ("不满意 −1.0、慢 −0.6"); a comment without any says it was read as neutral."""
    found = sorted(json.loads(evidence), key=lambda item: -abs(item[1]))[:DECIDING_WORDS]
    if not found:
        return _("No sentiment words: read as neutral")
    return list_join(
        f"{words} {'+' if weight > 0 else '−'}{abs(weight):.1f}" for words, weight in found
    )


def _anonymous(records: list[CountedRecord]) -> str:
    """Peer reviews are a survey whose answers are anonymous: no list, only how many there were
    and their mean."""
    scores = [record.values["value"] for record in records]
    mean = sum(scores) / len(scores) if scores else None
    return _(
        "No record list for this indicator: peer reviews are anonymous. "
        "%(count)d reviews this period, mean %(mean)s."
    ) % {"count": len(scores), "mean": format_value(mean, "points")}


ORDER = ("external_id", "customer__name")
FEEDBACK = ("customer__name", "order__external_id")

DRILLDOWNS: dict[str, Listing] = {
    "order_volume": Listing(
        lambda: _order_headers((Order, "submitted_at"), (Order, "status")),
        ORDER,
        lambda r: (
            r["external_id"],
            r["customer__name"],
            _when(r["submitted_at"]),
            _choice(Order, "status", r["status"]),
        ),
        gettext_lazy("Newest first."),
    ),
    "order_entry_accuracy": Listing(
        lambda: _order_headers((Order, "submitted_at"), (Order, "entry_errors")),
        ORDER,
        lambda r: (
            r["external_id"],
            r["customer__name"],
            _when(r["submitted_at"]),
            str(r["entry_errors"] or 0),
        ),
        gettext_lazy("Orders with entry errors first."),
    ),
    "order_response_time": Listing(
        lambda: [
            *_order_headers((Order, "submitted_at"), (Order, "confirmed_at")),
            _("Response time"),
        ],
        ORDER,
        lambda r: (
            r["external_id"],
            r["customer__name"],
            _when(r["submitted_at"]),
            _when(r["confirmed_at"]),
            _hours(r["value"]),
        ),
        gettext_lazy("Slowest first; slower than the target is marked."),
    ),
    "node_on_time_rate": Listing(
        lambda: [
            _order_header(),
            _label(OrderNode, "node"),
            _label(OrderNode, "started_at"),
            _label(OrderNode, "due_at"),
            _label(OrderNode, "completed_at"),
            _("Late by"),
        ],
        ("order__external_id", "node", "started_at"),
        lambda r: (
            r["order__external_id"],
            _choice(OrderNode, "node", r["node"]),
            _when(r["started_at"]),
            _when(r["due_at"]),
            _when(r["completed_at"]),
            format_duration(r["late_by"]) if r["hurts"] else "",
        ),
        gettext_lazy("Late nodes first, the latest first."),
    ),
    "exception_handling_hours": Listing(
        lambda: [
            _order_header(),
            _label(ExceptionCase, "kind"),
            _label(ExceptionCase, "detected_at"),
            _label(ExceptionCase, "resolved_at"),
            _("To coordinate"),
            _("To resolve"),
        ],
        ("order__external_id", "kind"),
        lambda r: (
            r["order__external_id"],
            _choice(ExceptionCase, "kind", r["kind"]),
            _when(r["detected_at"]),
            _when(r["resolved_at"]),
            _hours(r["to_coordinate"]),
            _hours(r["to_resolve"]),
        ),
        gettext_lazy("Longest first; longer than the target in all is marked."),
    ),
    "first_contact_resolution": Listing(
        lambda: [
            _label(Ticket, "subject"),
            _label(Ticket, "customer"),
            _label(Ticket, "opened_at"),
            _label(Ticket, "resolved_at"),
            _label(Ticket, "contacts_until_resolved"),
        ],
        ("subject", "external_id", "customer__name", "opened_at"),
        lambda r: (
            # Without a subject, the ticket's number in the company's system (never perf's id).
            r["subject"] or r["external_id"] or _("(no subject)"),
            r["customer__name"],
            _when(r["opened_at"]),
            _when(r["resolved_at"]),
            str(r["contacts_until_resolved"]),
        ),
        gettext_lazy("Tickets that took more than one contact first."),
    ),
    "follow_up_count": Listing(
        lambda: [
            _label(FollowUp, "occurred_at"),
            _label(FollowUp, "customer"),
            _label(FollowUp, "channel"),
            _label(FollowUp, "message"),
        ],
        ("customer__name", "channel"),
        lambda r: (
            _when(r["occurred_at"]),
            r["customer__name"],
            _choice(FollowUp, "channel", r["channel"]),
            _short(r["message"]),
        ),
        gettext_lazy("Newest first."),
    ),
    "csat": Listing(
        lambda: _feedback_headers(_label(Feedback, "csat")),
        FEEDBACK,
        lambda r: (
            _when(r["submitted_at"]),
            r["customer__name"],
            r["order__external_id"] or "—",
            f"{r['csat']}/5",
            _short(r["comment"]),
        ),
        gettext_lazy("Lowest rating first; below the target is marked."),
    ),
    "customer_sentiment": Listing(
        lambda: [*_feedback_headers(_("Mood (0–100)")), _("Words that decided it")],
        FEEDBACK,
        lambda r: (
            _when(r["submitted_at"]),
            r["customer__name"],
            r["order__external_id"] or "—",
            f"{r['value']:.0f}/100",
            _short(r["comment"]),
            _deciding_words(r["evidence"]),
        ),
        gettext_lazy("Gloomiest first; below the target is marked."),
    ),
    "process_compliance": Listing(
        lambda: [
            _label(FollowUp, "occurred_at"),
            _label(FollowUp, "customer"),
            _label(FollowUp, "message"),
            _("Missing"),
        ],
        ("customer__name",),
        lambda r: (
            _when(r["occurred_at"]),
            r["customer__name"],
            _short(r["message"]),
            _missing(r["missing"]),
        ),
        gettext_lazy("Replies missing a checklist element first."),
    ),
    "order_accuracy": Listing(
        lambda: _order_headers((Order, "delivered_at"), (Order, "fulfilment_error")),
        ORDER,
        lambda r: (
            r["external_id"],
            r["customer__name"],
            _when(r["delivered_at"]),
            yesno(r["fulfilment_error"]),
        ),
        gettext_lazy("Orders with a fulfilment error first."),
    ),
    "complaint_return_rate": Listing(
        lambda: _order_headers(
            (Order, "delivered_at"),
            (Order, "has_complaint"),
            (Order, "is_returned"),
            (Order, "is_refunded"),
        ),
        ORDER,
        lambda r: (
            r["external_id"],
            r["customer__name"],
            _when(r["delivered_at"]),
            yesno(r["has_complaint"]),
            yesno(r["is_returned"]),
            yesno(r["is_refunded"]),
        ),
        gettext_lazy("Orders with a complaint, return or refund first."),
    ),
    "customer_repeat_rate": Listing(
        lambda: _customer_headers(_("Ordered again")),
        ("customer__name",),
        lambda r: (r["customer__name"], str(r["before"]), str(r["now"]), yesno(r["now"] > 0)),
        gettext_lazy("Customers who did not order again first."),
    ),
    "long_customer_growth": Listing(
        lambda: _customer_headers(_("Change")),
        ("customer__name",),
        lambda r: (r["customer__name"], str(r["before"]), str(r["now"]), f"{r['change']:+d}"),
        gettext_lazy("Biggest falls first."),
    ),
    "accepted_suggestions": Listing(
        lambda: [
            _label(Suggestion, "title"),
            _label(Suggestion, "submitted_at"),
            _label(Suggestion, "decided_at"),
        ],
        ("title", "submitted_at"),
        lambda r: (r["title"], _when(r["submitted_at"]), _when(r["decided_at"])),
        gettext_lazy("Newest decision first."),
    ),
    "training_completion": Listing(
        lambda: [
            _label(TrainingRecord, "course"),
            _label(TrainingRecord, "assigned_on"),
            _label(TrainingRecord, "due_on"),
            _label(TrainingRecord, "completed_at"),
        ],
        ("course", "assigned_on"),
        lambda r: (
            r["course"],
            f"{r['assigned_on']:%Y-%m-%d}",
            f"{r['due_on']:%Y-%m-%d}",
            _when(r["completed_at"]),
        ),
        gettext_lazy("Trainings not completed in time first."),
    ),
    "collaboration_360": Listing(list, (), tuple, "", note=_anonymous),
}


# Why a drill-down lists nothing, per calculator: said in words rather than an empty table.
EMPTY = {
    "order_volume": gettext_lazy("No order was submitted to this person in this period."),
    "order_entry_accuracy": gettext_lazy("No order was entered by this person in this period."),
    "order_response_time": gettext_lazy("No order was confirmed by this person in this period."),
    "node_on_time_rate": gettext_lazy("No process node fell due in this period."),
    "exception_handling_hours": gettext_lazy("No exception was handled in this period."),
    "first_contact_resolution": gettext_lazy("No ticket was resolved in this period."),
    "follow_up_count": gettext_lazy("No customer follow-up was recorded in this period."),
    "csat": gettext_lazy("No customer rated this person's service in this period."),
    "customer_sentiment": gettext_lazy("No customer left a comment in this period."),
    "process_compliance": gettext_lazy("No reply to a customer was recorded in this period."),
    "order_accuracy": gettext_lazy("No order was delivered in this period."),
    "complaint_return_rate": gettext_lazy("No order was delivered in this period."),
    "customer_repeat_rate": gettext_lazy("No customer ordered in the previous period."),
    "long_customer_growth": gettext_lazy("No key customer ordered in either period."),
    "accepted_suggestions": gettext_lazy(
        "No improvement suggestion was submitted or decided this month."
    ),
    "training_completion": gettext_lazy("No training fell due in this period."),
}
