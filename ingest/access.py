"""Who may see and do what in ingest, and the reads its pages and API need.

Sources, their runs and their rejected rows are operational data: HR and admins see them and
start syncs, uploads and replays; only admins change a source's connection, mappings or webhook
token. HR and admins decide between a source's value and an appeal's correction it conflicts
with. Views, API views and the admin ask here instead of deciding themselves.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from ingest.models import (
    ConflictState,
    CorrectionConflict,
    OrderNode,
    ProcessNode,
    RejectedRow,
    Source,
    SyncRun,
    SyncStatus,
)
from ingest.record_types import RECORD_TYPES, SOURCE_TYPES, field_label
from org.models import Role
from org.reasons import reason_text
from org.selectors import user_role

# A daily sync plus two hours of slack: a source not synced successfully for longer is stale.
STALE_AFTER = dt.timedelta(hours=26)
RUNS_PER_SOURCE_PAGE = 20
# The sources pages list this many open conflicts with corrections, newest first (and count all).
CONFLICTS_PER_PAGE = 50


def can_manage_sources(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Only admins create and edit sources (connections, mappings, schedules, webhook tokens)."""
    return user_role(user) == Role.ADMIN


def can_operate_sources(user: AbstractBaseUser | AnonymousUser) -> bool:
    """HR and admins watch syncs and start them, upload files and replay rejected rows."""
    return user_role(user) in (Role.HR, Role.ADMIN)


def sources_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Source]:
    """Every source for those who operate them, none for anyone else."""
    if can_operate_sources(user):
        return Source.objects.all()
    return Source.objects.none()


def source_get_for_user(*, user: AbstractBaseUser | AnonymousUser, source_id: int) -> Source:
    """The source, or 404 when it does not exist or the user may not see it."""
    source = sources_visible_to(user).filter(pk=source_id).first()
    if source is None:
        raise Http404
    return source


def sync_runs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[SyncRun]:
    """Sync runs with their source and starter, for those who operate sources."""
    if can_operate_sources(user):
        return SyncRun.objects.select_related("source", "triggered_by")
    return SyncRun.objects.none()


def sync_run_get_for_user(*, user: AbstractBaseUser | AnonymousUser, run_id: int) -> SyncRun:
    """The run (with its source), or 404 when it does not exist or the user may not see it."""
    run = sync_runs_visible_to(user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


def sync_run_rejected_rows(run: SyncRun) -> QuerySet[RejectedRow]:
    """A run's rejected rows in the order a person checks them: by record type, then row."""
    return run.rejected_rows.order_by("record_type", "row_number", "pk")


def rejected_row_reasons(row: RejectedRow) -> list[dict]:
    """A rejected row's reasons in the active language: each its field (and the field as people
    call it), its message, and the code and parameters it was stored as (none for rows kept
    before reasons were stored as codes)."""
    return [
        {
            "field": reason.get("field", ""),
            "field_label": field_label(row.record_type, reason.get("field", "")),
            "message": reason_text(reason),
            "code": reason.get("code"),
            "params": reason.get("params", {}) if "code" in reason else None,
        }
        for reason in row.reasons
    ]


def source_runs(source: Source, *, limit: int = RUNS_PER_SOURCE_PAGE) -> list[SyncRun]:
    """The source's latest runs, newest first."""
    return list(source.runs.select_related("triggered_by").order_by("-created_at", "-pk")[:limit])


def record_type_choices(source: Source) -> list[tuple[str, str]]:
    """The record types the source maps, as (key, label), in sync order."""
    return [
        (key, str(SOURCE_TYPES[key].label) if key in SOURCE_TYPES else key)
        for key in source.mappings
    ]


@dataclass(frozen=True)
class SourceStatus:
    """A source as the sources page shows it: its latest run and how fresh its data is."""

    source: Source
    latest_run: SyncRun | None
    last_success_at: dt.datetime | None
    stale: bool


def source_statuses(user: AbstractBaseUser | AnonymousUser) -> list[SourceStatus]:
    """Every source the user sees with its latest run and freshness, in two queries.

    Freshness is the finish time of the latest successful run; a source without one, or whose
    one finished more than ``STALE_AFTER`` ago, is stale.
    """
    now = timezone.now()
    # Both subqueries walk the (source, -created_at) index. Runs of one source never overlap
    # (the sync lock), so the latest successful run to start is also the latest to finish.
    runs = SyncRun.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-pk")
    sources = list(
        sources_visible_to(user).annotate(
            latest_run_id=Subquery(runs.values("pk")[:1]),
            last_success_at=Subquery(
                runs.filter(status=SyncStatus.SUCCEEDED).values("finished_at")[:1]
            ),
        )
    )
    latest = SyncRun.objects.in_bulk(
        [s.latest_run_id for s in sources if s.latest_run_id is not None]
    )
    return [
        SourceStatus(
            source=source,
            latest_run=latest.get(source.latest_run_id),
            last_success_at=source.last_success_at,
            stale=source.last_success_at is None or now - source.last_success_at > STALE_AFTER,
        )
        for source in sources
    ]


def can_decide_conflicts(user: AbstractBaseUser | AnonymousUser) -> bool:
    """HR and admins accept a source's value over an appeal's correction, or keep the
    correction."""
    return user_role(user) in (Role.HR, Role.ADMIN)


def correction_conflicts_visible_to(
    user: AbstractBaseUser | AnonymousUser,
) -> QuerySet[CorrectionConflict]:
    """Every conflict with a correction (its hold, run, source and decider) for those who
    decide them, none for anyone else (a person sees their appeal's on the appeal)."""
    if can_decide_conflicts(user):
        return CorrectionConflict.objects.select_related("hold", "run__source", "decided_by")
    return CorrectionConflict.objects.none()


def correction_conflict_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, conflict_id: int
) -> CorrectionConflict:
    """The conflict, or 404 when it does not exist or the user may not see it."""
    conflict = correction_conflicts_visible_to(user).filter(pk=conflict_id).first()
    if conflict is None:
        raise Http404
    return conflict


def open_conflicts(conflicts: QuerySet[CorrectionConflict]) -> QuerySet[CorrectionConflict]:
    return conflicts.filter(state=ConflictState.OPEN).order_by("-detected_at", "-pk")


def _record_labels(record_type: str, ids: list[int]) -> dict[int, str]:
    """Records as people name them: by their number at the source (a node by its order's
    number and the node's name). One query."""
    model = RECORD_TYPES[record_type].model
    if model is OrderNode:
        rows = OrderNode.objects.filter(pk__in=ids).values_list("pk", "order__external_id", "node")
        return {pk: f"{number} · {ProcessNode(node).label}" for pk, number, node in rows}
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "external_id"))


@dataclass(frozen=True)
class ConflictRow:
    """A conflict with a correction as its lists show it."""

    conflict: CorrectionConflict
    record_type_label: str
    record_label: str
    field_label: str


def conflict_rows(conflicts: Iterable[CorrectionConflict]) -> list[ConflictRow]:
    """The conflicts (with their holds and runs loaded) with their records named and their
    fields labelled: one query per record type."""
    conflicts = list(conflicts)
    ids: dict[str, list[int]] = {}
    for conflict in conflicts:
        ids.setdefault(conflict.hold.record_type, []).append(conflict.hold.record_id)
    labels = {key: _record_labels(key, record_ids) for key, record_ids in ids.items()}
    return [
        ConflictRow(
            conflict=conflict,
            record_type_label=str(RECORD_TYPES[conflict.hold.record_type].label),
            record_label=labels[conflict.hold.record_type].get(conflict.hold.record_id) or "—",
            field_label=field_label(conflict.hold.record_type, conflict.hold.field_name),
        )
        for conflict in conflicts
    ]
