"""The mapping's transform stage: what a mapping may do to a batch of source rows before its
``fields`` are validated (``ingest.records.rows_validate``), still declared in JSON.

Besides the keys ``ingest.records`` describes, a mapping may hold::

    {
      "tables": {"items": {"fetch": {"path": "/srv/imports/order_items.csv"}}},
      "joins": {
        "seller": {"table": "items", "on": "order_id", "take": "seller_id",
                   "rule": "largest", "by": "price"},
        "lines_total": {"table": "items", "on": "order_id", "take": "price", "rule": "sum"},
        "lines": {"table": "items", "on": "order_id", "rule": "count"}
      },
      "computed": {"amount": "lines_total + coalesce(freight, 0)",
                   "late_hours": "delivered_at - estimated_at"},
      "filter": "status != 'canceled'",
      "unpivot": [
        {"name": "shipment", "constants": {"node": "shipment"},
         "computed": {"started_at": "approved_at", "completed_at": "carrier_at",
                      "threshold_hours": "48"},
         "when": "not is_empty(approved_at)"},
        {"name": "delivery", "constants": {"node": "delivery"},
         "computed": {"started_at": "carrier_at", "completed_at": "delivered_at",
                      "threshold_hours": "estimated_at - carrier_at"},
         "when": "not is_empty(carrier_at)"}
      ]
    }

- ``tables``: other tables of the same source, each a ``fetch`` override of the source's
  connection settings (another file path, SQL query or URL), read in full once per sync and
  held to the same limits as the source (``ingest.sources.source_config_refusal``).
- ``joins``: each adds a column of that name: the rows of ``table`` whose ``key`` column
  (default: the same name as ``on``) equals the row's ``on`` column, and of several the
  ``rule``'s pick: ``first`` (in table order, the default), ``largest`` (the row with the
  largest ``by``), ``sum`` (of ``take``; unknown if one is not a number) or ``count``. No
  match: empty (a count of 0). When ``first`` or ``largest`` meet several distinct values of
  ``take`` for the responsible person (an order's merchandiser, a review's employee), the rule
  picks one and the run counts the records (``SyncRun.several_responsible``).
- ``computed``: each adds a column from an expression (``ingest.expressions``) over source
  columns, joins and other computed names, in the order their references need. A name that is a
  field of the record type fills that field. A value an expression cannot read refuses the row,
  naming the computed name.
- ``filter``: rows for which the expression is not true are skipped: neither written nor
  refused, counted on the run (``SyncRun.skipped``).
- ``unpivot``: each source row becomes one record per item (an order row → its nodes). An item
  fills fields with ``constants`` and ``computed`` (expressions over the row, as above) and is
  only made ``when`` its condition holds (an order not yet delivered has no delivery node).
  Refusals name the source row, and the field as ``<item name>.<field>``.

Joins and computed names shadow source columns of the same name. A mapping without these keys
passes through unchanged.
"""

import graphlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from ingest.expressions import (
    Expression,
    ExpressionError,
    expression_check,
    expression_evaluate,
    expression_parse,
)
from ingest.joins import Join, SourceTables, join_apply
from ingest.record_types import RecordType
from ingest.records import MappingError, Rejections, _zone, column_missing
from org.models import Employee

TRANSFORM_KEYS = ("tables", "joins", "computed", "filter", "unpivot")
ITEM_KEYS = {"name", "constants", "computed", "when"}


@dataclass(frozen=True)
class Step:
    """A column the transform adds: a join's value or a computed expression's."""

    name: str
    join: Join | None = None
    expression: Expression | None = None

    def needs(self) -> set[str]:
        return {self.join.on} if self.join else set(self.expression.columns)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Item:
    """One record an unpivoted row becomes."""

    label: str
    constants: dict
    steps: list[Step]
    when: Expression | None

    def produced(self) -> set[str]:
        return {step.name for step in self.steps}


@dataclass(frozen=True)
class Plan:
    """A mapping's transform stage, parsed and checked."""

    tables: dict[str, dict]
    steps: list[Step]
    filter: Expression | None
    items: list[Item]

    @property
    def plain(self) -> bool:
        return not (self.steps or self.filter or self.items)

    def produced(self) -> set[str]:
        return {step.name for step in self.steps}

    def item_fields(self) -> set[str]:
        """Names every unpivot item fills (a field only some items fill is empty in others)."""
        if not self.items:
            return set()
        filled = [{*item.constants, *item.produced()} for item in self.items]
        return set.intersection(*filled)


def transform_plan(spec: RecordType, mapping: Mapping) -> Plan:
    """The mapping's transform stage, every expression parsed and type-checked; ``MappingError``
    naming the record type, the field and the problem otherwise."""
    prefix = spec.key

    def wrong(where: str, problem: object) -> MappingError:
        return MappingError(
            _("{record_type}: {where}: {problem}").format(
                record_type=prefix, where=where, problem=problem
            )
        )

    zone = _zone(mapping)

    def parsed(where: str, text: object, *, condition: bool = False) -> Expression:
        try:
            expression = expression_parse(text)
            expression_check(expression, zone=zone, condition=condition)
        except ExpressionError as error:
            raise wrong(where, error) from None
        return expression

    tables = _object(mapping, "tables", wrong)
    for name, table in tables.items():
        if not isinstance(table, Mapping) or not isinstance(table.get("fetch"), Mapping):
            raise wrong(f"tables.{name}", _("a table is {'fetch': {…}}, a fetch override."))
    joins = _object(mapping, "joins", wrong)
    computed = _object(mapping, "computed", wrong)
    both = set(joins) & set(computed)
    if both:
        raise wrong(", ".join(sorted(both)), _("named by a join and a computed value at once."))
    steps = []
    for name, how in joins.items():
        try:
            steps.append(Step(name, join=Join.of(name, how, tables)))
        except MappingError as error:
            raise MappingError(f"{prefix}: {error}") from None
    steps += [Step(name, expression=parsed(name, text)) for name, text in computed.items()]
    steps = _ordered(steps, wrong)
    row_filter = mapping.get("filter")
    items = _items(spec, mapping.get("unpivot"), wrong, parsed)
    return Plan(
        tables={name: dict(table["fetch"]) for name, table in tables.items()},
        steps=steps,
        filter=parsed("filter", row_filter, condition=True) if row_filter is not None else None,
        items=items,
    )


def _object(mapping: Mapping, key: str, wrong) -> dict:
    value = mapping.get(key, {})
    if not isinstance(value, Mapping):
        raise wrong(key, _("must be an object."))
    return dict(value)


def _ordered(steps: list[Step], wrong) -> list[Step]:
    """Steps in an order where each comes after the steps it names (JSON objects keep no
    order in the database). A step naming itself reads the source column it replaces
    (``"amount": "amount / 100"``)."""
    by_name = {step.name: step for step in steps}
    graph = graphlib.TopologicalSorter(
        {step.name: step.needs() & by_name.keys() - {step.name} for step in steps}
    )
    try:
        return [by_name[name] for name in graph.static_order()]
    except graphlib.CycleError as error:
        raise wrong(
            " → ".join(error.args[1]), _("these values refer to each other in a circle.")
        ) from None


def _items(spec: RecordType, unpivot: object, wrong, parsed) -> list[Item]:
    if unpivot is None:
        return []
    if not isinstance(unpivot, list) or not unpivot:
        raise wrong("unpivot", _("must be a list of objects, one per record a row becomes."))
    names = {f.name for f in spec.fields()}
    items = []
    for number, item in enumerate(unpivot, start=1):
        if not isinstance(item, Mapping):
            raise wrong(f"unpivot[{number}]", _("must be an object."))
        constants = item.get("constants")
        node = constants.get("node") if isinstance(constants, Mapping) else None
        label = str(item.get("name") or node or number)
        unknown = set(item) - ITEM_KEYS
        if unknown:
            raise wrong(
                f"unpivot.{label}",
                _("unknown setting {keys}.").format(keys=", ".join(sorted(unknown))),
            )
        constants, computed = _object(item, "constants", wrong), _object(item, "computed", wrong)
        for target in [*constants, *computed]:
            if target not in names:
                raise wrong(
                    f"unpivot.{label}",
                    _("perf has no field {field!r}.").format(field=target),
                )
        twice = set(constants) & set(computed)
        if twice:
            raise wrong(
                f"unpivot.{label}.{min(twice)}", _("set by a constant and computed at once.")
            )
        steps = [
            Step(name, expression=parsed(f"unpivot.{label}.{name}", text))
            for name, text in computed.items()
        ]
        when = item.get("when")
        items.append(
            Item(
                label=label,
                constants=constants,
                steps=_ordered(steps, wrong),
                when=parsed(f"unpivot.{label}.when", when, condition=True) if when else None,
            )
        )
    if len({item.label for item in items}) != len(items):
        raise wrong("unpivot", _("two items have the same name; give each its own."))
    return items


def transform_check(spec: RecordType, mapping: Mapping) -> set[str]:
    """Check the transform keys of a mapping (``MappingError`` naming the record type and
    field); return the record type's fields the transform fills."""
    plan = transform_plan(spec, mapping)
    names = {f.name for f in spec.fields()}
    filled_top = {step.name for step in plan.steps} & names
    fields_and_constants = {*mapping.get("fields", {}), *mapping.get("constants", {})}
    twice = sorted((filled_top | plan.item_fields()) & fields_and_constants)
    if twice:
        raise MappingError(
            _(
                "{record_type}: {fields} filled twice (by fields or constants and by a computed "
                "value); keep one."
            ).format(record_type=spec.key, fields=", ".join(twice))
        )
    return filled_top | plan.item_fields()


def referenced_columns(spec: RecordType, mapping: Mapping) -> list[tuple[str, str, str | None]]:
    """``(where, column, table)`` for every column the mapping reads: of the source rows
    (``table`` None) or of one of its tables. ``where`` names the field, join or expression."""
    plan = transform_plan(spec, mapping)
    produced = plan.produced()
    made = produced | {n for item in plan.items for n in [*item.constants, *item.produced()]}
    found: list[tuple[str, str, str | None]] = [
        (name, column, None)
        for name, column in mapping.get("fields", {}).items()
        if column not in made
    ]
    if mapping.get("cursor_field") and mapping["cursor_field"] not in produced:
        found.append(("cursor_field", mapping["cursor_field"], None))
    for step in plan.steps:
        read = step.needs() - (produced - {step.name})  # itself: the source column it replaces
        found += [(step.name, column, None) for column in sorted(read)]
        if step.join:
            found += [
                (step.name, column, step.join.table) for column in sorted(step.join.table_columns())
            ]
    if plan.filter:
        found += [("filter", column, None) for column in sorted(plan.filter.columns - produced)]
    for item in plan.items:
        own = produced | item.produced()
        expressions = [(step.name, step.expression) for step in item.steps]
        expressions += [("when", item.when)] if item.when else []
        for name, expression in expressions:
            read = expression.columns - (own - {name})  # type: ignore[union-attr]
            found += [(f"{item.label}.{name}", column, None) for column in sorted(read)]
    return found


def tables_read(spec: RecordType, mapping: Mapping, tables: SourceTables) -> None:
    """Read (and reduce) every table the mapping's joins need now, before a transaction opens:
    batches then find them in ``tables`` instead of reading a remote table while holding
    their writes."""
    plan = transform_plan(spec, mapping)
    for step in plan.steps:
        if step.join is not None:
            tables.reduced(step.join, plan.tables[step.join.table])


@dataclass
class Transformed:
    """A batch after the transform stage: one row per record (``frame``, indexed 0…n-1) with the
    mapping ``rows_validate`` applies to it; ``origin`` the source position of each record."""

    frame: pd.DataFrame
    mapping: Mapping
    origin: np.ndarray
    # Each record's unpivot item (None without an unpivot), to name it in refusals.
    parts: list[str] | None = None
    # Problems of whole source rows (a computed value, the filter), by source position.
    row_rejections: Rejections = field(default_factory=Rejections)
    # Problems of one record (an unpivot item's value), by record position.
    record_rejections: Rejections = field(default_factory=Rejections)
    skipped: int = 0
    # Source rows whose responsible person was one of several candidates.
    several: pd.Series | None = None


def mapping_transform(
    spec: RecordType, mapping: Mapping, raw: pd.DataFrame, *, tables: SourceTables | None
) -> Transformed:
    """Apply the mapping's joins, computed values, filter and unpivot to ``raw`` (indexed by
    source position), vectorised over the batch."""
    plan = transform_plan(spec, mapping)
    if plan.plain:
        return Transformed(frame=raw, mapping=mapping, origin=np.arange(len(raw)))
    zone = _zone(mapping)
    frame = raw.copy()
    rows = Rejections()
    several: dict[str, pd.Series] = {}
    for step in plan.steps:
        _step_apply(step, frame, plan, tables, zone, rows, several)
    kept = pd.Series(True, index=frame.index)
    skipped = 0
    if plan.filter is not None:
        passed = expression_evaluate(plan.filter, frame, zone=zone, condition=True)
        _problems_add(rows, passed.problems, "filter")
        failed = passed.problems.notna()
        skipped_rows = ~passed.data.astype(bool) & ~failed
        skipped = int(skipped_rows.sum())
        for position in frame.index[skipped_rows]:  # skipped, so not refused either
            rows.reasons.pop(int(position), None)
        kept = ~skipped_rows
    frame = frame[kept]
    names = {f.name for f in spec.fields()}
    fields = dict(mapping.get("fields", {}))
    fields.update({step.name: step.name for step in plan.steps if step.name in names})
    responsible = _responsible_several(spec, fields, several, frame.index)
    transformed = Transformed(
        frame=frame.reset_index(drop=True),
        mapping={**mapping, "fields": fields},
        origin=frame.index.to_numpy(),
        row_rejections=rows,
        skipped=skipped,
        several=responsible,
    )
    if plan.items:
        _unpivot(transformed, plan, zone)
    return transformed


def _step_apply(
    step: Step,
    frame: pd.DataFrame,
    plan: Plan,
    tables: SourceTables | None,
    zone: ZoneInfo,
    rows: Rejections,
    several: dict[str, pd.Series],
) -> None:
    """Add the step's column to ``frame``; its problems to ``rows``; where its value was one
    of several candidates to ``several``."""
    if step.join is not None:
        join = step.join
        if join.on not in frame:
            rows.add(frame.index, step.name, column_missing(join.on))
            frame[step.name] = None
            return
        if tables is None:
            raise MappingError(
                _("join {name!r}: no table can be read here.").format(name=join.name)
            )
        reduced = tables.reduced(join, plan.tables[join.table])
        frame[step.name], found_several = join_apply(frame, join, reduced)
        # Looked up through a value that was one of several: so is this one.
        several[step.name] = found_several | several.get(join.on, False)
        return
    computed = expression_evaluate(step.expression, frame, zone=zone)
    _problems_add(rows, computed.problems, step.name)
    frame[step.name] = computed.data
    inherited = [several[column] for column in step.expression.columns if column in several]
    if inherited:  # computed from a value that was one of several: so is this one
        several[step.name] = pd.concat(inherited, axis=1).any(axis=1)


def _problems_add(rejections: Rejections, problems: pd.Series, field_name: str) -> None:
    failed = problems.notna()
    if failed.any():
        rejections.add(problems.index[failed], field_name, problems[failed].tolist())


def _responsible_several(
    spec: RecordType, fields: Mapping, several: Mapping[str, pd.Series], index: pd.Index
) -> pd.Series:
    """Rows whose responsible person (a relation looked up among employees) came from a join
    that met several candidates."""
    found = pd.Series(False, index=index)
    for relation, lookup in spec.lookups.items():
        column = fields.get(relation)
        if lookup.model is Employee and column in several:
            found |= several[column].reindex(index, fill_value=False).astype(bool)
    return found


def _unpivot(transformed: Transformed, plan: Plan, zone: ZoneInfo) -> None:
    """Each kept row once per item, the records of one source row together in item order."""
    frame = transformed.frame
    parts, reasons = [], []
    for order, item in enumerate(plan.items):
        part = frame.copy()
        for name, value in item.constants.items():
            part[name] = value
        problems = Rejections()  # by position in ``frame``
        for step in item.steps:
            computed = expression_evaluate(step.expression, part, zone=zone)
            part[step.name] = computed.data
            _problems_add(problems, computed.problems, step.name)
        made = pd.Series(True, index=part.index)
        if item.when is not None:
            when = expression_evaluate(item.when, part, zone=zone, condition=True)
            _problems_add(problems, when.problems, "when")
            made = when.data.astype(bool) | when.problems.notna()
        parts.append(part[made].assign(_item=order, _row=part.index[made]))
        reasons.append(problems.reasons)
    stacked = pd.concat(parts, ignore_index=True).sort_values(["_row", "_item"], kind="mergesort")
    stacked = stacked.reset_index(drop=True)
    position = pd.Series(
        stacked.index, index=pd.MultiIndex.from_arrays([stacked["_item"], stacked["_row"]])
    )
    records = Rejections()
    for order, by_row in enumerate(reasons):
        for row, row_reasons in by_row.items():
            if (order, row) in position.index:  # an item not made for the row refuses nothing
                records.reasons[int(position[(order, row)])] = row_reasons
    fields = dict(transformed.mapping["fields"])
    for item in plan.items:
        fields.update({name: name for name in [*item.constants, *item.produced()]})
    transformed.origin = transformed.origin[stacked["_row"].to_numpy()]
    transformed.parts = [plan.items[order].label for order in stacked["_item"]]
    transformed.frame = stacked.drop(columns=["_item", "_row"])
    transformed.record_rejections = records
    transformed.mapping = {**transformed.mapping, "fields": fields}
