"""Reads of operational records: period bounds and per-employee workload summaries."""

import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from ingest.models import ExceptionCase, Feedback, FollowUp, LedgerEntry, Order, Ticket
from ingest.records import (
    GENESIS_HASH,
    RECORD_TYPES,
    canonical_contents,
    content_hash,
    entry_hash,
    record_values,
)
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


@dataclass(frozen=True)
class LedgerReport:
    """What ``ledger_verify`` found: counts, and the first problem in words (empty when sound)."""

    entries: int
    records: int
    problem: str = ""
    unledgered: int = 0  # records written before the ledger, or by bulk loads that skip it

    @property
    def ok(self) -> bool:
        return not self.problem


def _first_difference(recorded: dict, current: dict) -> str:
    fields = sorted(
        k for k in recorded.keys() | current.keys() if recorded.get(k) != current.get(k)
    )
    return ", ".join(fields)


def ledger_verify() -> LedgerReport:
    """Walk the ledger chain and compare every ledgered record type with the records as they are.

    Names the first problem: an entry whose hash does not follow from the previous one or whose
    content does not match its own hash (the ledger was rewritten); a record whose current
    content differs from its latest entry (changed without an entry: a silent edit); an entry
    for a record that is gone. Records with no entry at all (written before the ledger existed,
    or by a bulk load that skips it) are counted, not refused.
    """
    entries = LedgerEntry.objects.order_by("id").values_list(
        "id",
        "record_type",
        "record_id",
        "action",
        "content",
        "content_hash",
        "previous_hash",
        "entry_hash",
        "actor",
        "recorded_at",
    )
    previous = GENESIS_HASH
    latest: dict[tuple[str, int], tuple[int, str, dict]] = {}
    count = 0
    for (
        pk,
        record_type,
        record_id,
        action,
        content,
        digest,
        before,
        stated,
        actor,
        at,
    ) in entries.iterator(chunk_size=20_000):
        count += 1
        if before != previous:
            return LedgerReport(
                count,
                0,
                gettext(
                    "Ledger entry #{id} does not follow the entry before it: the chain was cut or "
                    "reordered."
                ).format(id=pk),
            )
        if content_hash(content) != digest:
            return LedgerReport(
                count,
                0,
                gettext(
                    "Ledger entry #{id} holds content that does not match its hash: the entry was "
                    "rewritten."
                ).format(id=pk),
            )
        expected = entry_hash(
            previous=previous,
            record_type=record_type,
            record_id=record_id,
            action=action,
            content_digest=digest,
            actor=actor,
            recorded_at=at.isoformat(),
        )
        if expected != stated:
            return LedgerReport(
                count,
                0,
                gettext(
                    "Ledger entry #{id} does not match its own hash: the entry was rewritten."
                ).format(id=pk),
            )
        previous = stated
        latest[(record_type, record_id)] = (pk, digest, content)
    records = unledgered = 0
    for spec in RECORD_TYPES.values():
        rows = record_values(spec, spec.model.objects.all())
        records += len(rows)
        digests = canonical_contents(spec, rows).map(content_hash)
        for record_id, digest in zip(rows["id"], digests, strict=True):
            entry = latest.pop((spec.key, int(record_id)), None)
            label = f"{spec.model._meta.verbose_name} #{record_id}"
            if entry is None:
                unledgered += 1
                continue
            if entry[1] != digest:
                current = json.loads(canonical_contents(spec, rows.loc[[record_id]]).iloc[0])
                return LedgerReport(
                    count,
                    records,
                    gettext(
                        "{record} differs from its ledger entry #{entry} in: {fields}. It was "
                        "changed without a ledger entry."
                    ).format(
                        record=label,
                        entry=entry[0],
                        fields=_first_difference(json.loads(entry[2]), current),
                    ),
                )
    if latest:
        (record_type, record_id), (pk, _digest, _content) = min(
            latest.items(), key=lambda item: item[1][0]
        )
        return LedgerReport(
            count,
            records,
            gettext(
                "Ledger entry #{entry} is for {record_type} #{id}, which no longer exists."
            ).format(entry=pk, record_type=record_type, id=record_id),
        )
    return LedgerReport(count, records, unledgered=unledgered)
