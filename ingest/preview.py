"""What a source's mappings would make of its first rows, and the refusals those rows would get,
without keeping anything.

Each mapped record type's first rows are read (and the tables its joins need) before any
statement; then, in sync order, they go through the sync's own stages (``batch_stage``,
``batch_write``) inside a transaction that is always rolled back. Writing there is what lets
the preview show the database's own refusals (an order shipped before it was confirmed) and
lets the nodes of a previewed order find it; rolling back keeps nothing: no record, no run, no
ledger entry, no rejected row, and no mail (callbacks on commit are dropped with it).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import models, transaction
from django.utils.text import capfirst

from ingest.batches import Staged, batch_stage, batch_write, record_refusals
from ingest.connectors import ConnectorError
from ingest.joins import SourceTables
from ingest.models import Source
from ingest.people import people_rows
from ingest.record_types import PEOPLE_TYPE, SOURCE_TYPES, SYNC_ORDER, RecordType
from ingest.records import KnownIds, MappingError, Rejections, mapping_check
from ingest.sources import source_first_rows
from ingest.transform import tables_read
from org.import_files import COLUMN_LABELS
from org.imports import people_import
from org.reasons import reason_text

DEFAULT_ROWS = 20
MAX_ROWS = 200


@dataclass
class PreviewColumn:
    name: str
    label: str


@dataclass
class PreviewRow:
    """One record a source row would become: its values by column name and its refusals
    (``{field, label, message}``); no refusal: it would be written."""

    row_number: int
    part: str
    values: dict[str, object]
    refusals: list[dict[str, str]]


@dataclass
class RecordTypePreview:
    record_type: str
    label: str
    read: int = 0  # source rows read
    skipped: int = 0  # of them, left out by the filter
    several_responsible: int = 0
    columns: list[PreviewColumn] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    error: str = ""  # why nothing could be shown (a mapping or a source that cannot be read)

    @property
    def refused(self) -> int:
        return sum(1 for row in self.rows if row.refusals)

    @property
    def has_parts(self) -> bool:
        return any(row.part for row in self.rows)


@dataclass
class _Input:
    spec: RecordType
    mapping: Mapping
    raw: pd.DataFrame
    row_numbers: list[int]
    preview: RecordTypePreview


def source_preview(*, source: Source, limit: int = DEFAULT_ROWS) -> list[RecordTypePreview]:
    """The first ``limit`` rows of each record type the source maps, as records with their
    refusals, in sync order. Nothing is kept (see the module docstring)."""
    tables = SourceTables(kind=source.kind, config=source.config)
    inputs, previews = [], []
    for record_type in [key for key in SYNC_ORDER if key in source.mappings]:
        spec = SOURCE_TYPES[record_type]
        preview = RecordTypePreview(record_type=record_type, label=str(spec.label))
        previews.append(preview)
        mapping = source.mappings[record_type]
        try:
            inputs.append(_input_read(source, spec, mapping, preview, tables, limit))
        except (MappingError, ConnectorError) as error:
            preview.error = str(error)
    with transaction.atomic():
        known = KnownIds()
        for given in inputs:
            if given.spec is PEOPLE_TYPE:
                _people_preview(given)
            else:
                _records_preview(given, source=source, known=known, tables=tables)
        transaction.set_rollback(True)
    return previews


def _input_read(
    source: Source,
    spec: RecordType,
    mapping: Mapping,
    preview: RecordTypePreview,
    tables: SourceTables,
    limit: int,
) -> _Input:
    """The record type's first rows, and every table its joins need read now: nothing is read
    from outside while the transaction holds what it wrote."""
    mapping_check(spec.key, mapping)
    config = {**source.config, **mapping.get("fetch", {})}
    batch = source_first_rows(kind=source.kind, config=config, count=limit)
    rows = batch.rows if batch else []
    raw = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    raw.index = pd.RangeIndex(len(raw))
    if spec is not PEOPLE_TYPE:
        tables_read(spec, mapping, tables)
    preview.read = len(rows)
    first = batch.first_row if batch else 1
    return _Input(spec, mapping, raw, list(range(first, first + len(rows))), preview)


def _records_preview(
    given: _Input, *, source: Source, known: KnownIds, tables: SourceTables
) -> None:
    spec, preview = given.spec, given.preview
    staged = batch_stage(
        spec=spec,
        mapping=dict(given.mapping),
        raw=given.raw,
        source_name=source.name,
        known=known,
        tables=tables,
    )
    batch_write(spec, staged)
    rejections = staged.validated.rejections
    transformed = staged.transformed
    preview.skipped = transformed.skipped
    refused_rows = set(transformed.row_rejections.positions)
    refused_rows |= {int(transformed.origin[p]) for p in rejections.positions}
    if transformed.several is not None:
        preview.several_responsible = int(
            transformed.several.drop(index=list(refused_rows), errors="ignore").sum()
        )
    fields = _shown_fields(spec, staged)
    labels = {f.name: capfirst(f.verbose_name) for f in spec.model._meta.concrete_fields}
    preview.columns = [PreviewColumn(f.name, str(labels[f.name])) for f in fields]
    frame = staged.validated.frame
    for position in range(len(frame)):
        origin = int(transformed.origin[position])
        shown = staged.named.loc[position] if len(staged.named.columns) else {}
        record = frame.loc[position]
        values = {
            f.name: _shown(shown[f.attname] if f.attname in shown else record[f.attname], f)
            for f in fields
        }
        of_row, own = record_refusals(staged, position)
        preview.rows.append(
            PreviewRow(
                row_number=given.row_numbers[origin],
                part=transformed.parts[position] if transformed.parts else "",
                values=values,
                refusals=[_refusal(reason, labels) for reason in [*of_row, *own]],
            )
        )


def _shown_fields(spec: RecordType, staged: Staged) -> list[models.Field]:
    """The fields the mapping fills and those perf derives from them, in the model's order."""
    attnames = set(staged.validated.mapped) | set(spec.derived)
    return [
        f
        for f in spec.model._meta.concrete_fields
        if f.attname in attnames and f.attname in staged.validated.frame
    ]


def _people_preview(given: _Input) -> None:
    """People through the people import, as a sync writes them (rolled back with the rest)."""
    rejections = Rejections()
    people, _resolved = people_rows(given.mapping, given.raw, rejections)
    numbers = given.row_numbers
    result = people_import(
        rows=[(numbers[p], row) for p, row in enumerate(people) if p not in rejections.reasons],
        actor=None,
        dry_run=False,
        reason="preview",
    )
    position_of = {number: position for position, number in enumerate(numbers)}
    for refusal in result.refused:
        rejections.add([position_of[refusal.line]], refusal.column, refusal.reason)
    keys = [key for key in COLUMN_LABELS if any(key in row for row in people)]
    given.preview.columns = [PreviewColumn(key, str(capfirst(COLUMN_LABELS[key]))) for key in keys]
    for position, row in enumerate(people):
        given.preview.rows.append(
            PreviewRow(
                row_number=numbers[position],
                part="",
                values={key: _shown(row.get(key), None) for key in keys},
                refusals=[
                    _refusal(reason, COLUMN_LABELS)
                    for reason in rejections.reasons.get(position, [])
                ],
            )
        )


def _refusal(reason: Mapping, labels: Mapping) -> dict[str, str]:
    """A refusal with its field's label (a model field's verbose name; else the mapping's own
    name for it, a computed value or the filter)."""
    name = str(reason.get("field", ""))
    field_name = name.rsplit(".", 1)[-1]
    label = str(capfirst(labels[field_name])) if field_name in labels else name
    if "." in name and field_name in labels:
        label = f"{name.rsplit('.', 1)[0]} · {label}"
    return {"field": name, "label": label, "message": reason_text(reason)}


def _shown(value: object, model_field: models.Field | None) -> object:
    """A value as plain Python (JSON and templates show it): no NaN, numpy or pandas types."""
    if value is None or (not isinstance(value, str) and pd.isna(value) is True):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(model_field, models.IntegerField) and isinstance(value, float):
        return int(value)
    if isinstance(value, Decimal | dt.datetime | dt.date | bool | int | float | str):
        return value
    return str(value)
