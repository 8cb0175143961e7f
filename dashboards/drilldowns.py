"""The records behind one person's number on one indicator in one period: the drill-down.

One reader per calculator, keyed like ``indicators.calculators.CALCULATORS``: each reads the
person's records of the period in one query, applies the rule its calculator states (the same
window, the same exclusions, clocks still running stopped at the cutoff) and lists the records
that made the number, the ones that pull it down first and marked. Rows carry the record type
(the keys of ``ingest.records.RECORD_TYPES`` where the record type syncs) and id, so a later
"appeal this" can point at them.
"""

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.db import models
from django.template.defaultfilters import yesno
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from indicators.calculators.basic import CANCELLED
from indicators.calculators.innovation import ACCEPTED
from indicators.calculators.quality import (
    LONG_STANDING_DAYS,
    checklist_patterns,
    compliant_messages,
)
from indicators.models import ChecklistElement, ComplianceRule
from indicators.sentiment import sentiment_scores
from ingest.models import (
    ExceptionCase,
    Feedback,
    FollowUp,
    Order,
    OrderNode,
    PeerReview,
    Suggestion,
    Ticket,
    TrainingRecord,
)
from org.models import Customer
from org.periods import Window

# The page lists this many records at most (the worst first); the total is always given.
ROWS_SHOWN = 200
MESSAGE_CHARS = 80


@dataclass(frozen=True)
class RecordRow:
    """One record in a drill-down: what it is (for appeals), its cells as shown, and whether it
    pulls the number down (late, slow, wrong, below target)."""

    record_type: str
    record_id: int
    cells: tuple[str, ...]
    flagged: bool = False


@dataclass(frozen=True)
class Drilldown:
    """The records that made a number: column headers, the rows shown, how many records count
    in all, how the rows are ordered, and a note where there is no list."""

    headers: list[str]
    rows: list[RecordRow]
    total: int
    ordering: str = ""
    note: str = ""


@dataclass(frozen=True)
class DrillContext:
    """Whose records, which period (company-time window, with its cutoff for running clocks)
    and the target the person was measured against."""

    employee_id: int
    window: Window
    target: float | None

    @property
    def start(self) -> dt.datetime:
        return self.window.start.to_pydatetime()

    @property
    def end(self) -> dt.datetime:
        return self.window.end.to_pydatetime()

    @property
    def cutoff(self) -> dt.datetime:
        return self.window.cutoff.to_pydatetime()

    @property
    def previous_start(self) -> dt.datetime:
        return self.window.previous_start.to_pydatetime()


Drill = Callable[[DrillContext], Drilldown]


def _label(model: type[models.Model], name: str) -> str:
    """A field's name as people read it (its translated verbose name)."""
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _order_header() -> str:
    """The order column's header: the model's own name (a bare "Order" is ambiguous in the
    catalogs, where it also means a sort order)."""
    return str(capfirst(Order._meta.verbose_name))


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _yes(value: bool) -> str:
    return yesno(value)


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _hours_between(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _clipped(value: dt.datetime | None, cutoff: dt.datetime) -> dt.datetime:
    """As the calculators' ``clip_to_cutoff``: a clock still running (or stopped after the
    cutoff) counts until the cutoff."""
    return value if value is not None and value < cutoff else cutoff


def _drilldown(headers: list[str], rows: Iterable[RecordRow], ordering: str) -> Drilldown:
    """All the records that count, the first ``ROWS_SHOWN`` of them listed."""
    rows = list(rows)
    return Drilldown(headers=headers, rows=rows[:ROWS_SHOWN], total=len(rows), ordering=ordering)


def _below(value: float | None, target: float | None) -> bool:
    return value is not None and target is not None and value < target


def _above(value: float | None, target: float | None) -> bool:
    return value is not None and target is not None and value > target


# ---------------------------------------------------------------------------------------------
# Orders


def _orders_submitted(ctx: DrillContext):
    return Order.objects.filter(
        merchandiser_id=ctx.employee_id, submitted_at__gte=ctx.start, submitted_at__lt=ctx.end
    )


def _order_headers(*extra: tuple[type[models.Model], str]) -> list[str]:
    return [_order_header(), _label(Order, "customer")] + [
        _label(model, name) for model, name in extra
    ]


def order_volume(ctx: DrillContext) -> Drilldown:
    """Orders the customer submitted in the period and not cancelled, newest first."""
    orders = (
        _orders_submitted(ctx)
        .exclude(status=CANCELLED)
        .order_by("-submitted_at")
        .values_list("id", "external_id", "customer__name", "submitted_at", "status")
    )
    status = dict(Order._meta.get_field("status").choices)
    return _drilldown(
        _order_headers((Order, "submitted_at"), (Order, "status")),
        (
            RecordRow("order", pk, (number, customer, _when(at), str(status.get(state, state))))
            for pk, number, customer, at, state in orders
        ),
        _("Newest first."),
    )


def order_entry_accuracy(ctx: DrillContext) -> Drilldown:
    """The period's orders (not cancelled); those with entry errors first and marked."""
    orders = (
        _orders_submitted(ctx)
        .exclude(status=CANCELLED)
        .order_by("-entry_errors", "-submitted_at")
        .values_list("id", "external_id", "customer__name", "submitted_at", "entry_errors")
    )
    return _drilldown(
        _order_headers((Order, "submitted_at"), (Order, "entry_errors")),
        (
            RecordRow("order", pk, (number, customer, _when(at), str(errors or 0)), bool(errors))
            for pk, number, customer, at, errors in orders
        ),
        _("Orders with entry errors first."),
    )


def order_response_time(ctx: DrillContext) -> Drilldown:
    """The period's orders with the hours from the customer's submit click to confirmation,
    slowest first; one still unconfirmed counts until the cutoff, one cancelled before anyone
    confirmed it does not count. Slower than the target: marked."""
    orders = (
        _orders_submitted(ctx)
        .exclude(status=CANCELLED, confirmed_at__isnull=True)
        .values_list("id", "external_id", "customer__name", "submitted_at", "confirmed_at")
    )
    timed = sorted(
        ((_hours_between(_clipped(row[4], ctx.cutoff), row[3]), row) for row in orders),
        key=lambda item: -item[0],
    )
    return _drilldown(
        [*_order_headers((Order, "submitted_at"), (Order, "confirmed_at")), _("Response (h)")],
        (
            RecordRow(
                "order",
                pk,
                (number, customer, _when(submitted), _when(confirmed), _hours(hours)),
                _above(hours, ctx.target),
            )
            for hours, (pk, number, customer, submitted, confirmed) in timed
        ),
        _("Slowest first; slower than the target is marked."),
    )


def node_on_time_rate(ctx: DrillContext) -> Drilldown:
    """Process nodes of the person's orders whose deadline fell in the period (before the
    cutoff); late ones (completed after the deadline, or still open) first, the latest first."""
    nodes = OrderNode.objects.filter(
        order__merchandiser_id=ctx.employee_id, due_at__gte=ctx.start, due_at__lt=ctx.cutoff
    ).values_list("id", "order__external_id", "node", "started_at", "due_at", "completed_at")
    names = dict(OrderNode._meta.get_field("node").choices)
    rows = []
    for pk, number, node, started, due, completed in nodes:
        late_by = _hours_between(_clipped(completed, ctx.cutoff), due)
        late = completed is None or completed > due
        rows.append((late, late_by if late else 0.0, due, pk, number, node, started, completed))
    rows.sort(key=lambda row: (not row[0], -row[1], row[2]))
    return _drilldown(
        [
            _order_header(),
            _label(OrderNode, "node"),
            _label(OrderNode, "started_at"),
            _label(OrderNode, "due_at"),
            _label(OrderNode, "completed_at"),
            _("Late by (h)"),
        ],
        (
            RecordRow(
                "order_node",
                pk,
                (
                    number,
                    str(names.get(node, node)),
                    _when(started),
                    _when(due),
                    _when(completed),
                    _hours(late_by) if late else "",
                ),
                late,
            )
            for late, late_by, due, pk, number, node, started, completed in rows
        ),
        _("Late nodes first, the latest first."),
    )


def exception_handling_hours(ctx: DrillContext) -> Drilldown:
    """Exceptions detected in the period with the hours to start coordinating and from then to
    resolution (clocks still running stop at the cutoff), longest first."""
    cases = ExceptionCase.objects.filter(
        handler_id=ctx.employee_id, detected_at__gte=ctx.start, detected_at__lt=ctx.end
    ).values_list(
        "id", "order__external_id", "kind", "detected_at", "coordination_started_at", "resolved_at"
    )
    kinds = dict(ExceptionCase._meta.get_field("kind").choices)
    rows = []
    for pk, number, kind, detected, coordinated, resolved in cases:
        coordination = _clipped(coordinated, ctx.cutoff)
        to_coordinate = _hours_between(coordination, detected)
        to_resolve = _hours_between(_clipped(resolved, ctx.cutoff), coordination)
        total = to_coordinate + to_resolve
        rows.append((total, to_coordinate, to_resolve, pk, number, kind, detected, resolved))
    rows.sort(key=lambda row: -row[0])
    return _drilldown(
        [
            _order_header(),
            _label(ExceptionCase, "kind"),
            _label(ExceptionCase, "detected_at"),
            _label(ExceptionCase, "resolved_at"),
            _("To coordinate (h)"),
            _("To resolve (h)"),
        ],
        (
            RecordRow(
                "exception_case",
                pk,
                (
                    number,
                    str(kinds.get(kind, kind)),
                    _when(detected),
                    _when(resolved),
                    _hours(to_coordinate),
                    _hours(to_resolve),
                ),
                _above(total, ctx.target),
            )
            for total, to_coordinate, to_resolve, pk, number, kind, detected, resolved in rows
        ),
        _("Longest first; longer than the target in all is marked."),
    )


def first_contact_resolution(ctx: DrillContext) -> Drilldown:
    """Tickets resolved in the period; those that took more than one contact first."""
    tickets = (
        Ticket.objects.filter(
            employee_id=ctx.employee_id, resolved_at__gte=ctx.start, resolved_at__lt=ctx.end
        )
        .order_by("-contacts_until_resolved", "-resolved_at")
        .values_list(
            "id", "subject", "customer__name", "opened_at", "resolved_at", "contacts_until_resolved"
        )
    )
    return _drilldown(
        [
            _label(Ticket, "subject"),
            _label(Ticket, "customer"),
            _label(Ticket, "opened_at"),
            _label(Ticket, "resolved_at"),
            _label(Ticket, "contacts_until_resolved"),
        ],
        (
            RecordRow(
                "ticket",
                pk,
                (subject or f"#{pk}", customer, _when(opened), _when(resolved), str(contacts)),
                contacts != 1,
            )
            for pk, subject, customer, opened, resolved, contacts in tickets
        ),
        _("Tickets that took more than one contact first."),
    )


# ---------------------------------------------------------------------------------------------
# Customers and what they said


def follow_up_count(ctx: DrillContext) -> Drilldown:
    """Customer contacts in the period, newest first."""
    follow_ups = (
        FollowUp.objects.filter(
            employee_id=ctx.employee_id, occurred_at__gte=ctx.start, occurred_at__lt=ctx.end
        )
        .order_by("-occurred_at")
        .values_list("id", "occurred_at", "customer__name", "channel", "message")
    )
    channels = dict(FollowUp._meta.get_field("channel").choices)
    return _drilldown(
        [
            _label(FollowUp, "occurred_at"),
            _label(FollowUp, "customer"),
            _label(FollowUp, "channel"),
            _label(FollowUp, "message"),
        ],
        (
            RecordRow(
                "follow_up",
                pk,
                (_when(at), customer, str(channels.get(channel, channel)), _short(message)),
            )
            for pk, at, customer, channel, message in follow_ups
        ),
        _("Newest first."),
    )


def _feedback(ctx: DrillContext):
    return Feedback.objects.filter(
        employee_id=ctx.employee_id, submitted_at__gte=ctx.start, submitted_at__lt=ctx.end
    )


def _feedback_headers(value_header: str) -> list[str]:
    return [
        _label(Feedback, "submitted_at"),
        _label(Feedback, "customer"),
        _order_header(),
        value_header,
        _label(Feedback, "comment"),
    ]


def csat(ctx: DrillContext) -> Drilldown:
    """Ratings (1–5) given in the period, lowest first; below the target: marked."""
    feedback = (
        _feedback(ctx)
        .filter(csat__isnull=False)
        .order_by("csat", "-submitted_at")
        .values_list(
            "id", "submitted_at", "customer__name", "order__external_id", "csat", "comment"
        )
    )
    return _drilldown(
        _feedback_headers(_label(Feedback, "csat")),
        (
            RecordRow(
                "feedback",
                pk,
                (_when(at), customer, number or "—", str(rating), _short(comment)),
                _below(rating, ctx.target),
            )
            for pk, at, customer, number, rating, comment in feedback
        ),
        _("Lowest rating first; below the target is marked."),
    )


def customer_sentiment(ctx: DrillContext) -> Drilldown:
    """The period's feedback comments with the mood each scores (0–100, 50 neutral, by the same
    scorer as the indicator), gloomiest first; below the target: marked."""
    feedback = list(
        _feedback(ctx)
        .exclude(comment="")
        .values_list("id", "submitted_at", "customer__name", "order__external_id", "comment")
    )
    moods = sentiment_scores(pd.Series([row[4] for row in feedback], dtype="string"))
    scored = [
        (50.0 * (mood + 1.0), row)
        for mood, row in zip(moods.tolist(), feedback, strict=True)
        if not pd.isna(mood)  # a blank comment says nothing and does not count
    ]
    scored.sort(key=lambda item: (item[0], item[1][1]))
    return _drilldown(
        _feedback_headers(_("Mood (0–100)")),
        (
            RecordRow(
                "feedback",
                pk,
                (_when(at), customer, number or "—", f"{mood:.0f}", _short(comment)),
                _below(mood, ctx.target),
            )
            for mood, (pk, at, customer, number, comment) in scored
        ),
        _("Gloomiest first; below the target is marked."),
    )


def process_compliance(ctx: DrillContext) -> Drilldown:
    """Written follow-ups of the period checked against the reply checklist (the indicator's own
    rule), those missing an element first, with what they miss."""
    rules = pd.DataFrame.from_records(
        list(
            ComplianceRule.objects.filter(is_active=True).values_list("element", "kind", "pattern")
        ),
        columns=["element", "kind", "pattern"],
    )
    if rules.empty:
        return Drilldown(
            [], [], 0, note=_("The reply checklist has no active rule: nothing is checked.")
        )
    follow_ups = [
        row
        for row in FollowUp.objects.filter(
            employee_id=ctx.employee_id, occurred_at__gte=ctx.start, occurred_at__lt=ctx.end
        )
        .order_by("-occurred_at")
        .values_list("id", "occurred_at", "customer__name", "message")
        if (row[3] or "").strip()
    ]
    messages = pd.Series([row[3] for row in follow_ups], dtype=object)
    compliant = compliant_messages(messages, rules).tolist()
    patterns = {
        element: re.compile(pattern, re.IGNORECASE)
        for element, pattern in checklist_patterns(rules).items()
    }
    labels = dict(ChecklistElement.choices)
    rows = []
    for (pk, at, customer, message), ok in zip(follow_ups, compliant, strict=True):
        missing = [
            str(labels.get(element, element))
            for element, pattern in patterns.items()
            if not ok and not pattern.search(message)
        ]
        rows.append(
            RecordRow(
                "follow_up",
                pk,
                (_when(at), customer, _short(message), "、".join(missing)),
                not ok,
            )
        )
    rows.sort(key=lambda row: not row.flagged)
    return _drilldown(
        [
            _label(FollowUp, "occurred_at"),
            _label(FollowUp, "customer"),
            _label(FollowUp, "message"),
            _("Missing"),
        ],
        rows,
        _("Replies missing a checklist element first."),
    )


def _delivered(ctx: DrillContext):
    return Order.objects.filter(
        merchandiser_id=ctx.employee_id, delivered_at__gte=ctx.start, delivered_at__lt=ctx.end
    )


def order_accuracy(ctx: DrillContext) -> Drilldown:
    """Orders delivered in the period; those with a fulfilment error first."""
    orders = (
        _delivered(ctx)
        .order_by("-fulfilment_error", "-delivered_at")
        .values_list("id", "external_id", "customer__name", "delivered_at", "fulfilment_error")
    )
    return _drilldown(
        _order_headers((Order, "delivered_at"), (Order, "fulfilment_error")),
        (
            RecordRow("order", pk, (number, customer, _when(at), _yes(error)), bool(error))
            for pk, number, customer, at, error in orders
        ),
        _("Orders with a fulfilment error first."),
    )


def complaint_return_rate(ctx: DrillContext) -> Drilldown:
    """Orders delivered in the period; those with a complaint, return or refund first."""
    orders = _delivered(ctx).values_list(
        "id",
        "external_id",
        "customer__name",
        "delivered_at",
        "has_complaint",
        "is_returned",
        "is_refunded",
    )
    rows = sorted(orders, key=lambda row: (not any(row[4:]), -row[3].timestamp()))
    return _drilldown(
        _order_headers(
            (Order, "delivered_at"),
            (Order, "has_complaint"),
            (Order, "is_returned"),
            (Order, "is_refunded"),
        ),
        (
            RecordRow(
                "order",
                pk,
                (number, customer, _when(at), _yes(complaint), _yes(returned), _yes(refunded)),
                complaint or returned or refunded,
            )
            for pk, number, customer, at, complaint, returned, refunded in rows
        ),
        _("Orders with a complaint, return or refund first."),
    )


def _orders_by_customer(
    ctx: DrillContext, customers: models.QuerySet | None = None
) -> dict[int, tuple[str, int, int]]:
    """Per customer: name, non-cancelled orders submitted in the previous period and in this
    one (from this merchandiser)."""
    orders = (
        Order.objects.filter(
            merchandiser_id=ctx.employee_id,
            submitted_at__gte=ctx.previous_start,
            submitted_at__lt=ctx.end,
        )
        .exclude(status=CANCELLED)
        .values_list("customer_id", "customer__name", "submitted_at")
    )
    if customers is not None:
        orders = orders.filter(customer__in=customers)
    before: Counter[int] = Counter()
    now: Counter[int] = Counter()
    names = {}
    for customer, name, at in orders:
        names[customer] = name
        (now if at >= ctx.start else before)[customer] += 1
    return {customer: (names[customer], before[customer], now[customer]) for customer in names}


def _customer_headers() -> list[str]:
    return [_label(Order, "customer"), _("Orders last period"), _("Orders this period")]


def customer_repeat_rate(ctx: DrillContext) -> Drilldown:
    """The customers served last period and whether they ordered again this period; those who
    did not come back first."""
    counts = _orders_by_customer(ctx)
    served = sorted(
        ((c, name, before, now) for c, (name, before, now) in counts.items() if before),
        key=lambda row: (row[3] > 0, -row[2], row[1]),
    )
    return _drilldown(
        [*_customer_headers(), _("Ordered again")],
        (
            RecordRow("customer", c, (name, str(before), str(now), _yes(now > 0)), now == 0)
            for c, name, before, now in served
        ),
        _("Customers who did not order again first."),
    )


def long_customer_growth(ctx: DrillContext) -> Drilldown:
    """Long-standing customers (with the company a year before the period starts) with their
    orders last period and this period, the biggest falls first."""
    cutoff = ctx.window.first_day - dt.timedelta(days=LONG_STANDING_DAYS)
    counts = _orders_by_customer(ctx, Customer.objects.filter(customer_since__lte=cutoff))
    rows = sorted(counts.items(), key=lambda item: (item[1][2] - item[1][1], item[1][0]))
    return _drilldown(
        [*_customer_headers(), _("Change")],
        (
            RecordRow(
                "customer", c, (name, str(before), str(now), f"{now - before:+d}"), now < before
            )
            for c, (name, before, now) in rows
        ),
        _("Biggest falls first."),
    )


# ---------------------------------------------------------------------------------------------
# Innovation


def accepted_suggestions(ctx: DrillContext) -> Drilldown:
    """Improvement suggestions accepted in the period (counted when the decision is made)."""
    suggestions = (
        Suggestion.objects.filter(
            employee_id=ctx.employee_id,
            status=ACCEPTED,
            decided_at__gte=ctx.start,
            decided_at__lt=ctx.end,
        )
        .order_by("-decided_at")
        .values_list("id", "title", "submitted_at", "decided_at")
    )
    return _drilldown(
        [
            _label(Suggestion, "title"),
            _label(Suggestion, "submitted_at"),
            _label(Suggestion, "decided_at"),
        ],
        (
            RecordRow("suggestion", pk, (title, _when(submitted), _when(decided)))
            for pk, title, submitted, decided in suggestions
        ),
        _("Newest decision first."),
    )


def training_completion(ctx: DrillContext) -> Drilldown:
    """Required trainings due in the period; those not completed by the end of their due day
    (company time) first."""
    zone = ZoneInfo(settings.TIME_ZONE)
    trainings = TrainingRecord.objects.filter(
        employee_id=ctx.employee_id,
        is_required=True,
        due_on__gte=ctx.window.first_day,
        due_on__lt=ctx.window.end_day,
    ).values_list("id", "course", "assigned_on", "due_on", "completed_at")
    rows = []
    for pk, course, assigned, due, completed in trainings:
        deadline = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        on_time = completed is not None and completed < deadline
        rows.append((on_time, due, pk, course, assigned, completed))
    rows.sort(key=lambda row: (row[0], row[1]))
    return _drilldown(
        [
            _label(TrainingRecord, "course"),
            _label(TrainingRecord, "assigned_on"),
            _label(TrainingRecord, "due_on"),
            _label(TrainingRecord, "completed_at"),
        ],
        (
            RecordRow(
                "training_record",
                pk,
                (course, f"{assigned:%Y-%m-%d}", f"{due:%Y-%m-%d}", _when(completed)),
                not on_time,
            )
            for on_time, due, pk, course, assigned, completed in rows
        ),
        _("Trainings not completed in time first."),
    )


def collaboration_360(ctx: DrillContext) -> Drilldown:
    """Peer reviews are a survey whose answers are anonymous: no list, only how many there were
    and their mean."""
    scores = list(
        PeerReview.objects.filter(
            reviewee_id=ctx.employee_id,
            period__gte=ctx.window.first_day,
            period__lt=ctx.window.end_day,
        ).values_list("score", flat=True)
    )
    mean = sum(scores) / len(scores) if scores else None
    return Drilldown(
        [],
        [],
        len(scores),
        note=_(
            "No record list for this indicator: peer reviews are anonymous. "
            "%(count)d reviews this period, mean %(mean)s."
        )
        % {"count": len(scores), "mean": "—" if mean is None else f"{mean:.2f}"},
    )


DRILLDOWNS: dict[str, Drill] = {
    "order_volume": order_volume,
    "follow_up_count": follow_up_count,
    "order_entry_accuracy": order_entry_accuracy,
    "order_response_time": order_response_time,
    "node_on_time_rate": node_on_time_rate,
    "exception_handling_hours": exception_handling_hours,
    "first_contact_resolution": first_contact_resolution,
    "csat": csat,
    "order_accuracy": order_accuracy,
    "complaint_return_rate": complaint_return_rate,
    "customer_sentiment": customer_sentiment,
    "process_compliance": process_compliance,
    "customer_repeat_rate": customer_repeat_rate,
    "long_customer_growth": long_customer_growth,
    "accepted_suggestions": accepted_suggestions,
    "training_completion": training_completion,
    "collaboration_360": collaboration_360,
}


def drilldown_read(
    *, employee_id: int, window: Window, calculator: str, target: float | None
) -> Drilldown:
    """The records behind one person's value of the indicator computed by ``calculator``; the
    caller has decided the user may see this person. A calculator without a reader (a custom
    one) gets a note instead of a list."""
    drill = DRILLDOWNS.get(calculator)
    if drill is None:
        return Drilldown([], [], 0, note=_("No record list for this indicator."))
    return drill(DrillContext(employee_id=employee_id, window=window, target=target))
