"""People from a source (an HRIS export, its database or its API): the rows of a mapping for
``employee`` turned into the people import's rows and written by it (``org.imports``), so a sync
follows exactly the import's rules: matched by employee number, teams made from paths, managers
resolved after the whole input is read, cycles, duplicates, a leave date before the hire date
and unknown levels refused, new accounts without a password (each gets a one-time link).

A mapping looks like any other, onto the import's columns::

    {"fields": {"employee_no": "工号", "name": "姓名", "team": "部门路径", "level": "职级",
                "manager": "上级工号", "hire_date": "入职日期", "active": "状态"},
     "values": {"level": {"初级": "junior"}, "active": {"在职": "yes", "离职": "no"}},
     "timezone": "Asia/Shanghai"}

Refused rows are quarantined in the run like any record's, with the column and the reason, and
replayable; the good rows of the same input land.
"""

import logging
from collections.abc import Mapping, Sequence
from functools import partial

import pandas as pd
from django.conf import settings
from django.db import transaction

from ingest.batches import (
    BatchOutcome,
    _counts_add,
    _cursor_of,
    _rejections_keep,
    cursor_move,
)
from ingest.models import SyncRun
from ingest.record_types import RecordType
from ingest.records import Rejections, _zone, column_missing, values_translate
from ingest.values import source_instants, source_present
from org.imports import PasswordLink, password_links_send, people_import

logger = logging.getLogger(__name__)

# Columns holding a day: a timestamp the source gives is read as a day in the mapping's zone.
DATE_COLUMNS = ("hire_date", "leave_date")


def _dates(values: pd.Series, zone) -> tuple[pd.Series, pd.Series]:
    """Timestamps and date texts as days (company time, or the mapping's); what does not parse
    is left as it is, for the import to refuse with its own message. Also which were local
    times daylight saving repeats or skips (read by ``ingest.records``' rule)."""
    present = source_present(values)
    if not present.any():
        return values, pd.Series(False, index=values.index)
    instants, resolved = source_instants(values[present], zone)
    days = instants.dt.tz_convert(zone).dt.date
    days = values.astype(object).where(~present | days.reindex(values.index).isna(), days)
    return days, resolved.reindex(values.index, fill_value=False)


def people_rows(
    mapping: Mapping, raw: pd.DataFrame, rejections: Rejections
) -> tuple[list[dict], pd.Series]:
    """The import's rows (``{column key: value}``) of raw source rows, by position, and per row
    its local times resolved by the daylight-saving rule. A column the mapping fills is in every
    row (blank as ``None``: the import clears the field), one it does not fill is absent (the
    import keeps the field as it is)."""
    zone = _zone(mapping)
    resolved = pd.Series(0, index=raw.index)
    value_maps = mapping.get("values", {})
    columns: dict[str, pd.Series] = {}
    for key, column in mapping.get("fields", {}).items():
        if column not in raw:
            if len(raw):
                rejections.add(raw.index, key, column_missing(column))
            continue
        values = raw[column]
        if key in value_maps:
            values = values_translate(values, value_maps[key])
        if key in DATE_COLUMNS:
            values, times_resolved = _dates(values, zone)
            resolved += times_resolved.astype(int)
        columns[key] = values.astype(object).where(source_present(values), None)
    for key, value in mapping.get("constants", {}).items():
        columns[key] = pd.Series([value] * len(raw), index=raw.index, dtype=object)
    frame = pd.DataFrame(columns, index=raw.index)
    rows = frame.to_dict("records") if len(frame.columns) else [{} for _row in range(len(raw))]
    return rows, resolved


def people_commit(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    rows: list[dict],
    row_numbers: Sequence[int],
    cursor_field: str | None = None,
) -> BatchOutcome:
    """Write ``rows`` (the run's whole input of people: managers are resolved across all of it)
    through the people import; in the same transaction quarantine the refused rows, count the
    run and move the source's cursor to the largest ``cursor_field`` value."""
    raw = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    raw.index = pd.RangeIndex(len(raw))
    rejections = Rejections()
    people, resolved = people_rows(mapping, raw, rejections)
    # The import names rows by line: the source's row numbers when they tell rows apart (a pull,
    # an upload), else positions (a replay of rows quarantined by several runs).
    lines = list(row_numbers) if len(set(row_numbers)) == len(row_numbers) else None
    lines = lines or [position + 1 for position in range(len(raw))]
    position_of = {line: position for position, line in enumerate(lines)}
    cursor = _cursor_of(raw, cursor_field)
    with transaction.atomic():
        result = people_import(
            rows=[
                (lines[position], row)
                for position, row in enumerate(people)
                if position not in rejections.reasons
            ],
            actor=run.triggered_by,
            dry_run=False,
            reason=f"sync run {run.pk}",
        )
        _password_links_mail(result.password_links)
        for refusal in result.refused:
            rejections.add([position_of[refusal.line]], refusal.column, refusal.reason)
        # A quarantined person is known by their employee number, as a record by its id.
        fields = mapping.get("fields", {})
        _rejections_keep(
            run=run,
            spec=spec,
            mapping={"fields": {"external_id": fields.get("employee_no")}},
            raw=raw,
            row_numbers=row_numbers,
            rejections=rejections,
        )
        outcome = BatchOutcome(
            created=len(result.created),
            updated=len(result.updated),
            unchanged=len(result.unchanged),
            rejected=len(rejections.reasons),
            local_times_resolved=int(resolved.drop(index=rejections.positions).sum()),
        )
        _counts_add(run, outcome, len(rows))
        cursor_move(run, spec, cursor)
    return outcome


def _password_links_mail(links: list[PasswordLink]) -> None:
    """Mail the accounts the sync made their one-time set-password links once the sync commits,
    at perf's own address (``PERF_SITE_URL``): a sync has no request to tell it. Without that
    setting the accounts are logged as waiting for a link, never given a shared password."""
    if not links:
        return
    if not settings.PERF_SITE_URL:
        logger.warning(
            "People sync made %d account(s) but PERF_SITE_URL is not set, so no set-password "
            "link was mailed: %s",
            len(links),
            ", ".join(link.username for link in links),
        )
        return
    transaction.on_commit(
        partial(password_links_send, links=links, site_url=settings.PERF_SITE_URL)
    )
