"""What the calculators read of a period: one frame per record type (``record_frames``), and
which record fields the company's sources feed at all (``records_fed``), so that an indicator
whose data no source provides is "not measured", never scored as perfect."""

import pandas as pd
from django.db.models import Count, F, Q, QuerySet

from frames.read import frames_read, queryset_frame
from indicators.calculators.base import (
    CARRIED,
    COUNTED_PER_EMPLOYEE,
    FRAME_COLUMNS,
    INDEXED_BY_ID,
    WRITTEN,
    RecordFrames,
    fed_in,
)
from indicators.models import (
    ComplianceRule,
)
from indicators.readings import feedback_readings_assign
from indicators.records import (
    FIRST_CONTACT,
    NODE_ON_TIME,
    nodes_due,
    tickets_resolved,
)
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
from org.calendar import period_window
from org.models import Customer, Employee
from org.periods import Period
from org.selectors import employed_during


def record_frames(*, period: Period, employee_ids: list[int] | None = None) -> RecordFrames:
    """Everything the calculators need for ``period``: one query per record type.

    Rows are read generously (for instance orders of the previous period too, for retention);
    each calculator decides by its own stated rule which of them count. ``employee_ids`` limits
    the roster (and the records) to those people; by default the roster is the period's
    (``org.selectors.employed_during``).
    """
    window = period_window(period)
    start, end, previous = window.start, window.end, window.previous_start
    roster = employed_during(period)
    if employee_ids is not None:
        roster = Employee.objects.filter(id__in=employee_ids)
    # Records of a part of the company are filtered by its roster (a subquery: cheaper to send
    # and plan than thousands of ids); for everybody, calculators keep the roster's rows.
    people = roster.values("id")

    def of_roster(queryset: QuerySet, field: str) -> QuerySet:
        return queryset if employee_ids is None else queryset.filter(**{f"{field}__in": people})

    reads = {
        "employees": roster,
        "customers": of_roster(Customer.objects, "orders__merchandiser_id").distinct(),
        "orders": of_roster(Order.objects, "merchandiser_id").filter(
            Q(submitted_at__gte=previous, submitted_at__lt=end)
            | Q(delivered_at__gte=start, delivered_at__lt=end)
        ),
        # A node counts in the period its deadline falls in (see ``RecordFrames.node_counts``);
        # the drill-down lists them by the same rule (``indicators.records``).
        "node_counts": of_roster(OrderNode.objects, "order__merchandiser_id")
        .filter(nodes_due(window))
        .values(merchandiser_id=F("order__merchandiser_id"))
        .annotate(due=Count("id"), on_time=Count("id", filter=NODE_ON_TIME)),
        "follow_ups": of_roster(FollowUp.objects, "employee_id").filter(
            occurred_at__gte=start, occurred_at__lt=end
        ),
        "feedback": of_roster(Feedback.objects, "employee_id").filter(
            submitted_at__gte=start, submitted_at__lt=end
        ),
        "exceptions": of_roster(ExceptionCase.objects, "handler_id").filter(
            detected_at__gte=start, detected_at__lt=end
        ),
        "ticket_counts": of_roster(Ticket.objects, "employee_id")
        .filter(tickets_resolved(window))
        .values("employee_id")
        .annotate(resolved=Count("id"), first_contact=Count("id", filter=FIRST_CONTACT)),
        "suggestions": of_roster(Suggestion.objects, "employee_id").filter(
            decided_at__gte=start, decided_at__lt=end
        ),
        "trainings": of_roster(TrainingRecord.objects, "employee_id").filter(
            due_on__gte=period.start, due_on__lt=period.end
        ),
        "peer_reviews": of_roster(PeerReview.objects, "reviewee_id").filter(
            period__gte=period.start, period__lt=period.end
        ),
        "compliance_rules": ComplianceRule.objects.filter(is_active=True),
    }
    frames = frames_read(reads, _read)
    frames["feedback"] = feedback_readings_assign(frames["feedback"])
    frames["employees"] = frames["employees"].sort_index()
    # Read for everybody, the frames hold every record of the period: what was fed is in them
    # (no query). For a part of the company it is asked of the whole company's records.
    if employee_ids is None:
        fed = fed_in(frames, window) | _suggestions_fed(period)
    else:
        fed = records_fed(period=period)
    return RecordFrames(**frames, fed=frozenset(fed))


def _fed_fields(queryset: QuerySet, frame: str) -> set[str]:
    """``frame`` if ``queryset`` has a record, and ``frame.field`` for each field of ``CARRIED``
    and ``WRITTEN`` some record carries; one query."""
    fields = {name: Q(**{f"{name}__isnull": False}) for name in CARRIED.get(frame, ())} | {
        name: ~Q(**{name: ""}) for name in WRITTEN.get(frame, ())
    }
    counts = queryset.aggregate(
        records=Count("pk"), **{name: Count("pk", filter=known) for name, known in fields.items()}
    )
    if not counts["records"]:
        return set()
    return {frame} | {f"{frame}.{name}" for name in fields if counts[name]}


def _suggestions_fed(period: Period) -> set[str]:
    """``suggestions`` if one was submitted or decided in the period (the frame holds only the
    decided ones); one query."""
    window = period_window(period)
    start, end = window.start, window.end
    submitted_or_decided = Q(submitted_at__gte=start, submitted_at__lt=end) | Q(
        decided_at__gte=start, decided_at__lt=end
    )
    return {"suggestions"} if Suggestion.objects.filter(submitted_or_decided).exists() else set()


def records_fed(*, period: Period) -> set[str]:
    """What the company's sources fed for ``period`` (``RecordFrames.fed``): the record frames
    with a record in the period, and the fields the indicators need that some of them carry.
    For the whole company, whoever is scored, so that scoring one team tells the same as scoring
    everybody: one query per record type."""
    window = period_window(period)
    start, end = window.start, window.end
    fed = _fed_fields(
        Order.objects.filter(
            Q(submitted_at__gte=start, submitted_at__lt=end)
            | Q(delivered_at__gte=start, delivered_at__lt=end)
        ),
        "orders",
    )
    fed |= _fed_fields(
        Feedback.objects.filter(submitted_at__gte=start, submitted_at__lt=end), "feedback"
    )
    fed |= _fed_fields(
        FollowUp.objects.filter(occurred_at__gte=start, occurred_at__lt=end), "follow_ups"
    )
    fed |= _fed_fields(
        TrainingRecord.objects.filter(due_on__gte=period.start, due_on__lt=period.end), "trainings"
    )
    # Record types whose rules need no optional field: whether there is any record is enough.
    exists = {
        "nodes": OrderNode.objects.filter(nodes_due(window)),
        "exceptions": ExceptionCase.objects.filter(detected_at__gte=start, detected_at__lt=end),
        "tickets": Ticket.objects.filter(tickets_resolved(window)),
        "peer_reviews": PeerReview.objects.filter(period__gte=period.start, period__lt=period.end),
    }
    fed |= {frame for frame, queryset in exists.items() if queryset.exists()}
    return fed | _suggestions_fed(period)


def _read(name: str, queryset: QuerySet) -> pd.DataFrame:
    """One record frame, with the columns ``FRAME_COLUMNS`` gives it."""
    columns = FRAME_COLUMNS[name]
    if name in COUNTED_PER_EMPLOYEE:  # one row per person: nothing to gain from arrays
        rows = queryset.order_by().values_list(*columns)
        return pd.DataFrame.from_records(list(rows), columns=columns)
    return queryset_frame(queryset, columns, "id" if name in INDEXED_BY_ID else None)
