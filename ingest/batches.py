"""One batch of source rows into records: validated and related, written in bulk (a refused row
alone and the rest kept), its changes in history and the ledger, its bad rows quarantined, and
the run's counts and cursor moved, all in one transaction."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from frames.lookups import AnyOf
from frames.write import instants_as_stored
from ingest.holds import Held, conflicts_keep, holds_keep
from ingest.joins import SourceTables
from ingest.ledger import canonical_contents, ledger_append
from ingest.models import (
    LedgerAction,
    RejectedRow,
    Source,
    SyncRun,
)
from ingest.record_types import SOURCE_TYPES, Lookup, RecordType, months_of
from ingest.records import (
    KnownIds,
    RefusedInRun,
    Rejections,
    Validated,
    field_default,
    record_values,
    relations_resolve,
    rows_validate,
)
from ingest.transform import Transformed, mapping_transform
from ingest.writes import history_write, records_insert, records_update, stored_ids
from org.calendar import company_zone
from org.reasons import Reason, json_safe


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    local_times_resolved: int = 0
    skipped: int = 0  # source rows the mapping's filter left out
    several_responsible: int = 0  # records whose responsible person was one of several
    held: int = 0  # source values not written: an approved correction holds the field
    months: set[str] = field(default_factory=set)


def _as_stored(spec: RecordType, frame: pd.DataFrame) -> pd.DataFrame:
    """The batch's times as the database will hold them (a bulk write keeps them to the
    second), so that comparing the batch with the stored records and hashing it for the ledger
    see what verification later reads back."""
    instants = [
        f.attname
        for f in spec.content_fields()
        if isinstance(f, models.DateTimeField) and f.attname in frame
    ]
    return frame.assign(**{column: instants_as_stored(frame[column]) for column in instants})


@dataclass
class Staged:
    """A batch mapped, validated and related, nothing written yet: ``good`` holds the records
    to write (indexed by record position), ``validated.rejections`` the refusals by record
    position, ``named`` the relations as the source named them (before their ids)."""

    transformed: Transformed
    validated: Validated
    named: pd.DataFrame
    good: pd.DataFrame


def batch_stage(
    *,
    spec: RecordType,
    mapping: dict,
    raw: pd.DataFrame,
    source_name: str,
    known: KnownIds,
    tables: SourceTables | None,
    refused: RefusedInRun | None = None,
) -> Staged:
    """Transform, validate and relate a batch of raw rows (indexed by source position); reads
    only. The records of a source row refused as a whole (a computed value, the filter) are
    left out of ``good``, and so is a record repeating an earlier one's key. ``refused`` tells
    why this run refused a record a lookup cannot find (a sync's; a preview has none)."""
    transformed = mapping_transform(spec, mapping, raw, tables=tables)
    validated = rows_validate(spec, transformed.mapping, transformed.frame)
    rejections = validated.rejections
    for position, reasons in transformed.record_rejections.reasons.items():
        rejections.reasons.setdefault(position, []).extend(reasons)
    relations = [spec.model._meta.get_field(name).attname for name in spec.lookups]
    named = validated.frame[[column for column in relations if column in validated.frame]].copy()
    relations_resolve(
        spec,
        transformed.mapping,
        validated,
        source_name=source_name,
        known=known,
        refused=refused,
    )
    frame = validated.frame
    if "source" in {f.name for f in spec.fields()}:
        frame["source"] = source_name
    whole_rows = np.isin(transformed.origin, transformed.row_rejections.positions)
    refused = set(rejections.positions) | set(np.flatnonzero(whole_rows).tolist())
    good = frame.drop(index=list(refused))
    keys = [spec.model._meta.get_field(name).attname for name in spec.natural_key]
    # A second row with the id of an earlier one is not an update of it (two reviews sharing an
    # id would silently overwrite each other): the first is taken, the later ones refused.
    duplicates = good.duplicated(subset=keys, keep="first")
    rejections.add(
        good.index[duplicates],
        spec.natural_key[-1],
        Reason(
            gettext_noop(
                "Duplicate id in this fetch: an earlier row has the same id and was taken."
            )
        ),
    )
    return Staged(
        transformed=transformed,
        validated=validated,
        named=named,
        good=_as_stored(spec, good[~duplicates]),
    )


@dataclass
class Written:
    """What writing a staged batch did: the records inserted and updated (with their ids), how
    many were already as given, which records the database refused (their reasons added to
    the batch's rejections), and which source values held fields kept out."""

    inserted: pd.DataFrame
    updated: pd.DataFrame
    unchanged: int
    refused: set[int]  # the record positions the database refused
    held: Held


def batch_write(spec: RecordType, staged: Staged) -> Written:
    """Insert the new records of a staged batch and update the changed ones, each refused alone
    if the database refuses it (in the caller's transaction)."""
    good = staged.good
    keys = [spec.model._meta.get_field(name).attname for name in spec.natural_key]
    stored = stored_ids(spec, good) if len(good) else pd.DataFrame()
    content_columns = [f.attname for f in spec.content_fields()]
    if len(stored):
        matched = good.reset_index().merge(stored, on=keys, how="left").set_index("index")
        record_ids = matched["id"]
        existing = record_values(spec, spec.model.objects.filter(AnyOf("pk", stored["id"])))
    else:
        record_ids = pd.Series(np.nan, index=good.index)
        existing = pd.DataFrame()
    is_new = record_ids.isna()

    new = good[is_new].copy()
    for f in spec.content_fields():
        if f.attname not in new:
            new[f.attname] = field_default(f)
    # Written beside the content, not part of it (the ledger leaves them out).
    flag_columns = ["quality_flags"] if spec.quality_rules else []
    new = new[content_columns + flag_columns]

    changed_columns = [c for c in staged.validated.mapped + list(spec.derived) if c not in keys]
    old = good[~is_new].copy()
    old["id"] = record_ids[~is_new].astype(np.int64)
    # Only the stored records the batch matched: the lookup by each key column apart also finds
    # stored records of the same orders and nodes that the batch does not hold.
    current = existing.set_index("id", drop=False).loc[old["id"]] if len(old) else existing[:0]
    current = current.set_axis(old.index)
    # A field an approved appeal corrected keeps its corrected value (``ingest.holds``).
    old, held = holds_keep(spec, old, current, changed_columns)
    merged = current.copy()
    unchanged = 0
    if len(old):
        for column in changed_columns + flag_columns:
            merged[column] = old[column].to_numpy()
        before = canonical_contents(spec, current)
        after = canonical_contents(spec, merged)
        differs = before != after
        unchanged = int((~differs).sum())
        merged = merged[differs]

    inserted, refused = records_insert(spec, new) if len(new) else (new, {})
    written = changed_columns + flag_columns
    updated, refused_old = records_update(spec, merged, written) if len(merged) else (merged, {})
    refused.update(refused_old)
    for position, (field_name, reason) in refused.items():
        staged.validated.rejections.add([position], field_name, reason)
    return Written(inserted, updated, unchanged, set(refused), held)


def record_refusals(staged: Staged, position: int) -> tuple[list[dict], list[dict]]:
    """A record's refusals: its source row's (a computed value, the filter) and its own, less
    those only repeating the row's (a computed amount that could not be read is also empty)."""
    transformed = staged.transformed
    of_row = transformed.row_rejections.reasons.get(int(transformed.origin[position]), [])
    repeated = {reason["field"] for reason in of_row}
    own = staged.validated.rejections.reasons.get(position, [])
    return of_row, [reason for reason in own if reason["field"] not in repeated]


def by_source_row(staged: Staged) -> Rejections:
    """The refusals by source position: a source row's own, and those of each record it became
    (named ``<unpivot item>.<field>`` when it became several)."""
    transformed = staged.transformed
    rows = Rejections(reasons={p: list(r) for p, r in transformed.row_rejections.reasons.items()})
    for position in staged.validated.rejections.positions:
        source = int(transformed.origin[position])
        part = transformed.parts[position] if transformed.parts else None
        kept = rows.reasons.setdefault(source, [])
        for reason in record_refusals(staged, position)[1]:
            named = {**reason, "field": f"{part}.{reason['field']}"} if part else reason
            if named not in kept:
                kept.append(named)
    return rows


def _batch_apply(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    raw: pd.DataFrame,
    row_numbers: Sequence[int],
    known: KnownIds,
    tables: SourceTables | None = None,
) -> BatchOutcome:
    """Validate, upsert, ledger and quarantine one batch of raw rows, in the caller's
    transaction. ``raw`` is indexed by position in the batch."""
    staged = batch_stage(
        spec=spec,
        mapping=mapping,
        raw=raw,
        source_name=run.source.name,
        known=known,
        tables=tables,
        refused=_refused_in_run(run),
    )
    written = batch_write(spec, staged)
    inserted, updated = written.inserted, written.updated
    held = conflicts_keep(run=run, held=written.held, refused=written.refused)

    actor = f"sync:{run.pk}"
    if len(inserted):
        keys = [spec.model._meta.get_field(name).attname for name in spec.natural_key]
        if "id" in inserted:
            ids = inserted["id"]
        else:
            ids = inserted[keys].merge(stored_ids(spec, inserted), on=keys, how="left")["id"]
        ledger_append(
            spec=spec,
            record_ids=ids.tolist(),
            contents=canonical_contents(spec, inserted).tolist(),
            actions=[LedgerAction.CREATED] * len(inserted),
            actor=actor,
        )
    if len(updated):
        history_write(spec, updated, f"sync run {run.pk}", run.triggered_by_id)
        ledger_append(
            spec=spec,
            record_ids=updated["id"].tolist(),
            contents=canonical_contents(spec, updated).tolist(),
            actions=[LedgerAction.UPDATED] * len(updated),
            actor=actor,
        )
    rejections = by_source_row(staged)
    _rejections_keep(
        run=run,
        spec=spec,
        mapping=mapping,
        raw=raw,
        row_numbers=row_numbers,
        rejections=rejections,
    )
    zone = company_zone()
    several = staged.transformed.several
    taken = staged.good.index.difference(list(written.refused))
    flagged = staged.good.loc[taken, "quality_flags"].notna() if spec.quality_rules else []
    return BatchOutcome(
        created=len(inserted),
        updated=len(updated),
        unchanged=written.unchanged,
        rejected=len(rejections.reasons),
        skipped=staged.transformed.skipped,
        held=held,
        several_responsible=(
            int(several.drop(index=rejections.positions, errors="ignore").sum())
            if several is not None
            else 0
        ),
        flagged=int(sum(flagged)),
        local_times_resolved=int(staged.validated.resolved_times[taken].sum()),
        months=months_of(spec, inserted, zone) | months_of(spec, updated, zone),
    )


def _refused_in_run(run: SyncRun) -> RefusedInRun:
    """Where a lookup finds no record, the reasons this run refused it with, if it did: a
    node's order refused a batch earlier is named with its reasons, not as unknown. One query,
    and only for records a source syncs and lookups by the key they are quarantined under."""

    def reasons_of(lookup: Lookup, by: str, values: list[str]) -> dict[str, list[dict]]:
        spec = next((spec for spec in SOURCE_TYPES.values() if spec.model is lookup.model), None)
        if spec is None or by != spec.natural_key[-1]:
            return {}
        rows = RejectedRow.objects.filter(
            run=run, record_type=spec.key, external_id__in=values
        ).order_by("pk")
        # The latest refusal of a key, if several rows carried it.
        return dict(rows.values_list("external_id", "reasons"))

    return reasons_of


def _rejections_keep(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    raw: pd.DataFrame,
    row_numbers: Sequence[int],
    rejections: Rejections,
) -> None:
    """Quarantine the refused rows as they arrived, with every reason."""
    if not rejections.reasons:
        return
    id_column = mapping.get("fields", {}).get("external_id")
    positions = rejections.positions
    rows = []
    # One conversion of the refused rows, not a pandas row lookup each (a millisecond apiece).
    for position, arrived in zip(positions, raw.loc[positions].to_dict("records"), strict=True):
        row = {json_safe(key): json_safe(value) for key, value in arrived.items()}
        external_id = row.get(id_column) if id_column else None
        rows.append(
            RejectedRow(
                run=run,
                record_type=spec.key,
                row_number=row_numbers[position],
                external_id=str(external_id)[:128] if external_id is not None else "",
                raw=row,
                reasons=rejections.reasons[position],
            )
        )
    RejectedRow.objects.bulk_create(rows, batch_size=1000)


def _cursor_of(raw: pd.DataFrame, field_name: str | None) -> str | None:
    """The largest value of the cursor field in a batch, as the text the source is asked with."""
    if not field_name or field_name not in raw:
        return None
    values = raw[field_name].dropna()
    if values.empty:
        return None
    largest = values.max()
    if isinstance(largest, pd.Timestamp):
        largest = largest.to_pydatetime()
    if isinstance(largest, dt.datetime):
        return largest.isoformat(sep=" ")
    return str(largest)


def _counts_add(run: SyncRun, outcome: BatchOutcome, fetched: int) -> None:
    """Add the batch's counts to the run's: each count of ``BatchOutcome`` (all but its
    months) is the run's counter of the same name."""
    counts = {f.name: getattr(outcome, f.name) for f in fields(outcome) if f.name != "months"}
    SyncRun.objects.filter(pk=run.pk).update(
        fetched=F("fetched") + fetched,
        batches=F("batches") + 1,
        # The batch is the run's heartbeat, seen by the sweep when it commits.
        heartbeat_at=timezone.now(),
        **{name: F(name) + count for name, count in counts.items()},
    )


def cursor_move(run: SyncRun, spec: RecordType, cursor: str | None) -> None:
    """Move the run's source's cursor for ``spec`` to ``cursor`` (in the caller's transaction;
    nothing without one)."""
    if cursor is not None:
        source = Source.objects.select_for_update().get(pk=run.source_id)
        source.cursors = {**source.cursors, spec.key: cursor}
        source.save(update_fields=["cursors"])


def batch_commit(
    *,
    run: SyncRun,
    spec: RecordType,
    mapping: dict,
    rows: list[dict],
    row_numbers: Sequence[int],
    cursor_field: str | None = None,
    known: KnownIds | None = None,
    tables: SourceTables | None = None,
) -> BatchOutcome:
    """Apply one batch (``row_numbers``: each row's number as the source shows it, for the
    report; ``tables``: the tables its joins read, shared by the batches of a sync) and, in the
    same transaction, count it on the run and move the source's cursor to the batch's largest
    ``cursor_field`` value: a sync killed after this commit resumes after this batch, never
    before."""
    raw = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    raw.index = pd.RangeIndex(len(raw))
    cursor = _cursor_of(raw, cursor_field)
    with transaction.atomic():
        outcome = _batch_apply(
            run=run,
            spec=spec,
            mapping=mapping,
            raw=raw,
            row_numbers=row_numbers,
            known=known if known is not None else KnownIds(),
            tables=tables or SourceTables(kind=run.source.kind, config=run.source.config),
        )
        _counts_add(run, outcome, len(rows))
        if outcome.months:
            locked = SyncRun.objects.select_for_update().get(pk=run.pk)
            locked.periods = sorted(set(locked.periods) | outcome.months)
            locked.save(update_fields=["periods"])
        cursor_move(run, spec, cursor)
    return outcome
