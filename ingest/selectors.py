"""Reads of operational records: period bounds and per-employee workload summaries."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet
from django.utils import timezone

from ingest.models import ExceptionCase, Feedback, FollowUp, Order, Ticket
from scoring.engine.period import Period


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the calendar month containing ``month``, in the company's time zone."""
    window = Period.containing(month).window(tz=ZoneInfo(settings.TIME_ZONE))
    return window.start.to_pydatetime(), window.end.to_pydatetime()


def latest_order_month(employee_ids: QuerySet | list[int] | None = None) -> dt.date | None:
    """First day of the latest month with an order (of these employees), or ``None``."""
    orders = Order.objects.all()
    if employee_ids is not None:
        orders = orders.filter(merchandiser_id__in=employee_ids)
    latest = orders.aggregate(latest=Max("submitted_at"))["latest"]
    return timezone.localtime(latest).date().replace(day=1) if latest else None


@dataclass(frozen=True)
class Workload:
    """What one employee did in a period, as counts and simple averages (not scores)."""

    orders: int = 0
    avg_response_hours: float | None = None
    follow_ups: int = 0
    feedback: int = 0
    avg_csat: float | None = None
    tickets: int = 0
    first_contact_resolved: int = 0
    exceptions: int = 0


def _hours(duration: dt.timedelta | None) -> float | None:
    return round(duration.total_seconds() / 3600, 1) if duration is not None else None


def workload_by_employee(
    *, employee_ids: QuerySet | list[int], month: dt.date
) -> dict[int, Workload]:
    """Workload of each employee in the month; one aggregate query per record type."""
    start, end = month_bounds(month)
    response = ExpressionWrapper(
        F("confirmed_at") - F("submitted_at"), output_field=DurationField()
    )
    orders = (
        Order.objects.filter(
            merchandiser_id__in=employee_ids, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("merchandiser_id")
        .annotate(n=Count("id"), response=Avg(response))
    )
    follow_ups = (
        FollowUp.objects.filter(
            employee_id__in=employee_ids, occurred_at__gte=start, occurred_at__lt=end
        )
        .values("employee_id")
        .annotate(n=Count("id"))
    )
    feedback = (
        Feedback.objects.filter(
            employee_id__in=employee_ids, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("employee_id")
        .annotate(n=Count("id"), csat=Avg("csat"))
    )
    tickets = (
        Ticket.objects.filter(employee_id__in=employee_ids, opened_at__gte=start, opened_at__lt=end)
        .values("employee_id")
        .annotate(n=Count("id"), first=Count("id", filter=Q(contacts_until_resolved=1)))
    )
    exceptions = (
        ExceptionCase.objects.filter(
            handler_id__in=employee_ids, detected_at__gte=start, detected_at__lt=end
        )
        .values("handler_id")
        .annotate(n=Count("id"))
    )
    fields: dict[int, dict] = {}
    for row in orders:
        fields.setdefault(row["merchandiser_id"], {}).update(
            orders=row["n"], avg_response_hours=_hours(row["response"])
        )
    for row in follow_ups:
        fields.setdefault(row["employee_id"], {})["follow_ups"] = row["n"]
    for row in feedback:
        csat = round(row["csat"], 2) if row["csat"] is not None else None
        fields.setdefault(row["employee_id"], {}).update(feedback=row["n"], avg_csat=csat)
    for row in tickets:
        fields.setdefault(row["employee_id"], {}).update(
            tickets=row["n"], first_contact_resolved=row["first"]
        )
    for row in exceptions:
        fields.setdefault(row["handler_id"], {})["exceptions"] = row["n"]
    return {employee_id: Workload(**values) for employee_id, values in fields.items()}


def recent_orders(*, employee_ids: QuerySet | list[int], limit: int = 10) -> QuerySet[Order]:
    """The latest orders of these employees, newest first, with their customer."""
    return (
        Order.objects.filter(merchandiser_id__in=employee_ids)
        .select_related("customer")
        .order_by("-submitted_at")[:limit]
    )


def order_counts_by_team(*, month: dt.date) -> dict[int, int]:
    """Orders submitted in the month, per merchandiser's team."""
    start, end = month_bounds(month)
    rows = (
        Order.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values("merchandiser__team_id")
        .annotate(n=Count("id"))
    )
    return {row["merchandiser__team_id"]: row["n"] for row in rows}
