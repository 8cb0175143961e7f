"""How a declarative mapping turns raw source rows into records of a record type
(``ingest.record_types``), and the canonical form of a record that the ledger hashes.

A mapping (``Source.mappings[record_type]``) is JSON an admin writes, for example::

    {
      "fetch": {"query": "SELECT … WHERE (:since IS NULL OR write_date > :since) ORDER BY …"},
      "cursor_field": "write_date",
      "timezone": "Asia/Shanghai",
      "fields": {"external_id": "name", "submitted_at": "date_order", "merchandiser": "user_login",
                 "customer": "partner_ref", "amount": "amount_total", "status": "state"},
      "values": {"status": {"已确认": "confirmed", "sale": "confirmed"}},
      "constants": {"currency": "CNY"},
      "lookups": {"merchandiser": "employee_no", "customer": "external_id",
                  "order": {"by": "external_id", "source": "erp"}}
    }

``fields`` maps perf fields (model field names; a relation by its name) to source fields.
``values`` translates source values (``"已确认"`` → ``confirmed``), ``constants`` sets fields the
source lacks, ``timezone`` is the zone of naive timestamps (the company's by default),
``lookups`` says how a related employee, customer or order is found, and ``cursor_field`` is
the source field whose largest value is the incremental cursor. ``fetch`` overrides the
source's connection settings for this record type (its query, URL or sheet).

**Daylight saving.** A naive local time that the mapping's zone repeats or skips is never
refused but read by a stated rule (``ingest.values``); the sync run counts the times read so
(``SyncRun.local_times_resolved``).

**Refusals and flags.** A row that cannot be a record is refused with its reasons, stored as
message codes with parameters (``org.reasons``) and worded when read, in the reader's language.
A record whose times, recorded by different parties, come in an unlikely order (the carrier took
the order before the payment was approved) is kept with data-quality flags (``quality_flags``,
the record type's ``quality_rules``); only what no business can do is refused.

Before ``fields`` are read, a mapping may look values up in other tables of the source
(``tables``, ``joins``), compute values from expressions (``computed``), skip rows
(``filter``) and make several records of one row (``unpivot``): see ``ingest.transform``.

Everything here works on whole batches with pandas; only ``lookup_ids`` touches the database.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from frames.lookups import AnyOf
from ingest.models import time_order_flags
from ingest.record_types import PEOPLE_TYPE, SOURCE_TYPES, Lookup, RecordType
from ingest.values import source_present, typed_column
from org.calendar import company_zone
from org.import_files import COLUMNS, REQUIRED_COLUMNS
from org.reasons import Reason, reason_stored

# A value that could not be read: what is wrong with it, then the value as it arrived.
BAD_VALUE = gettext_noop("{problem}: {value!r}")
# A reason after the field it is about.
FIELD_REASON = gettext_noop("{field}: {reason}")


# What a mapping may hold (the transform stage's keys are described in ``ingest.transform``;
# people's mappings refuse lookups with a reason of their own).
PEOPLE_MAPPING_KEYS = (
    "fetch",
    "cursor_field",
    "timezone",
    "fields",
    "values",
    "constants",
    "lookups",
)
MAPPING_KEYS = (
    *PEOPLE_MAPPING_KEYS,
    "tables",
    "joins",
    "computed",
    "filter",
    "unpivot",
)


class MappingError(ValueError):
    """The mapping itself is wrong (not a row): unknown field, time zone or lookup."""


@dataclass
class Rejections:
    """Row problems found in a batch: per row position, every reason as stored (the field at
    fault with a message code and its parameters, see ``org.reasons``)."""

    reasons: dict[int, list[dict]] = field(default_factory=dict)

    def add(self, positions, field_name: str, reasons) -> None:
        """Record ``reasons`` against ``field_name``: one ``Reason`` for every position or one per
        position. Plain text (already translated) is kept as it is, for callers not yet giving
        codes."""
        if isinstance(reasons, Reason | Promise | str):
            reasons = [reasons] * len(positions)
        for position, reason in zip(positions, reasons, strict=True):
            self.reasons.setdefault(int(position), []).append(
                {"field": field_name, **reason_stored(reason)}
            )

    @property
    def positions(self) -> list[int]:
        return sorted(self.reasons)


def column_missing(column: str) -> Reason:
    return Reason(gettext_noop("the source row has no field {column!r}"), {"column": column})


def mapping_check(record_type: str, mapping: Mapping) -> RecordType:
    """The record type of a mapping, or ``MappingError`` naming what is wrong with the mapping."""
    if record_type not in SOURCE_TYPES:
        raise MappingError(
            _("Unknown record type {name!r}; known: {known}.").format(
                name=record_type, known=", ".join(SOURCE_TYPES)
            )
        )
    spec = SOURCE_TYPES[record_type]
    unknown = set(mapping) - set(MAPPING_KEYS if spec is not PEOPLE_TYPE else PEOPLE_MAPPING_KEYS)
    if unknown:
        raise MappingError(
            _("{record_type}: unknown mapping setting {keys}; known: {known}.").format(
                record_type=record_type,
                keys=", ".join(sorted(map(str, unknown))),
                known=", ".join(MAPPING_KEYS if spec is not PEOPLE_TYPE else PEOPLE_MAPPING_KEYS),
            )
        )
    if spec is PEOPLE_TYPE:
        _people_mapping_check(mapping)
        return spec
    # Imported here: the transform stage builds on this module's values and rejections.
    from ingest.transform import transform_check

    names = {f.name for f in spec.fields()}
    for target in [*mapping.get("fields", {}), *mapping.get("constants", {})]:
        if target not in names:
            raise MappingError(
                _("{record_type}: perf has no field {field!r}.").format(
                    record_type=record_type, field=target
                )
            )
    _zone(mapping)
    filled = {*mapping.get("fields", {}), *mapping.get("constants", {})}
    filled |= transform_check(spec, mapping)
    unfilled = [
        f.name
        for f in spec.fields()
        if f.name != "source" and _required(f) and f.name not in filled
    ]
    if unfilled:  # every row would be refused for it: refused now, once, naming the fields
        raise MappingError(
            _(
                "{record_type}: the mapping must fill {fields} (a source field, a computed "
                "value or a constant)."
            ).format(record_type=record_type, fields=", ".join(unfilled))
        )
    for relation, how in mapping.get("lookups", {}).items():
        by = how["by"] if isinstance(how, dict) else how
        if relation not in spec.lookups or by not in spec.lookups[relation].fields:
            raise MappingError(
                _("{record_type}: {relation!r} cannot be looked up by {by!r}.").format(
                    record_type=record_type, relation=relation, by=by
                )
            )
    return spec


def _people_mapping_check(mapping: Mapping) -> None:
    """People are mapped onto the people import's columns, every required one filled; their
    managers and teams are found by the import itself, so no lookups."""
    names = {column.key for column in COLUMNS}
    filled = [*mapping.get("fields", {}), *mapping.get("constants", {})]
    for target in filled:
        if target not in names:
            raise MappingError(
                _("{record_type}: perf has no field {field!r}; known: {known}.").format(
                    record_type=PEOPLE_TYPE.key, field=target, known=", ".join(sorted(names))
                )
            )
    missing = [name for name in REQUIRED_COLUMNS if name not in filled]
    if missing:
        raise MappingError(
            _("{record_type}: the mapping must fill {fields}.").format(
                record_type=PEOPLE_TYPE.key, fields=", ".join(missing)
            )
        )
    if mapping.get("lookups"):
        raise MappingError(
            _(
                "{record_type}: managers and teams are found by employee number and team path, "
                "not by lookups."
            ).format(record_type=PEOPLE_TYPE.key)
        )
    _zone(mapping)


def _zone(mapping: Mapping) -> ZoneInfo:
    name = mapping.get("timezone")
    if not name:  # naive times are the company's (PERF_TIME_ZONE) unless the mapping says
        return company_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MappingError(_("Unknown time zone {name!r}.").format(name=name)) from exc


def _required(model_field: models.Field) -> bool:
    return not (model_field.null or model_field.has_default() or model_field.blank)


def field_default(model_field: models.Field):
    """What a record gets for a field its source does not fill."""
    if model_field.has_default():
        return model_field.get_default()
    return "" if model_field.blank and not model_field.null else None


def values_translate(values: pd.Series, table: Mapping) -> pd.Series:
    """Source values as the mapping's ``values`` table translates them (``"已确认"`` →
    ``confirmed``); values it does not list are kept."""
    return values.map(
        lambda value: table.get(str(value).strip(), value) if value is not None else value
    )


@dataclass
class Validated:
    """A batch after validation: typed rows (indexed by batch position, columns by attname)
    whose relations still hold source values (and their data-quality flags), and the
    rejections."""

    frame: pd.DataFrame
    rejections: Rejections
    mapped: list[str]  # attnames the mapping (or its constants) sets
    # Per row, its local times that daylight saving made ambiguous or non-existent (resolved).
    resolved_times: pd.Series


def rows_validate(spec: RecordType, mapping: Mapping, raw: pd.DataFrame) -> Validated:
    """Apply ``mapping`` to raw source rows and check every value: types, required fields,
    allowed choices. Relations are left as source values for ``relations_resolve``."""
    zone = _zone(mapping)
    fields_by_name = {f.name: f for f in spec.fields()}
    sources = mapping.get("fields", {})
    constants = mapping.get("constants", {})
    value_maps = mapping.get("values", {})
    rejections = Rejections()
    out = pd.DataFrame(index=raw.index)
    mapped = []
    resolved = pd.Series(0, index=raw.index)
    for name, model_field in fields_by_name.items():
        if name == "source":
            continue  # set by the sync from the Source itself
        if name in sources:
            column = sources[name]
            values = raw[column] if column in raw else pd.Series(None, index=raw.index)
            if column not in raw and len(raw):
                rejections.add(raw.index, name, column_missing(column))
        elif name in constants:
            values = pd.Series([constants[name]] * len(raw), index=raw.index, dtype=object)
        else:
            if _required(model_field) and name not in spec.lookups:
                rejections.add(
                    raw.index,
                    name,
                    Reason(gettext_noop("required, but the mapping does not fill it")),
                )
            continue
        mapped.append(model_field.attname)
        if name in value_maps:
            values = values_translate(values, value_maps[name])
        present = source_present(values)
        missing = ~present
        holds_nul = present & values.map(lambda value: isinstance(value, str) and "\x00" in value)
        if holds_nul.any():
            rejections.add(
                raw.index[holds_nul],
                name,
                Reason(gettext_noop("holds a NUL character, which cannot be stored")),
            )
            present &= ~holds_nul
        if _required(model_field) and missing.any():
            rejections.add(raw.index[missing], name, Reason(gettext_noop("required, but empty")))
        if name in spec.lookups:
            out[model_field.attname] = values.where(present, None).map(
                lambda value: str(value).strip() if value is not None else None
            )
            continue
        typed = typed_column(model_field, values[present], zone)
        bad = typed.bad.reindex(values.index, fill_value=False) & present
        if bad.any():
            rejections.add(
                raw.index[bad],
                name,
                [
                    Reason(BAD_VALUE, {"problem": typed.problem, "value": values[position]})
                    for position in raw.index[bad]
                ],
            )
        if typed.resolved is not None:
            resolved += typed.resolved.reindex(values.index, fill_value=False).astype(int)
        if model_field.choices and present.any():
            allowed = {str(choice) for choice, _label in model_field.flatchoices}
            unknown = present & ~values.astype(str).str.strip().isin(allowed) & ~bad
            if unknown.any():
                rejections.add(
                    raw.index[unknown],
                    name,
                    [
                        Reason(
                            gettext_noop("unknown value {value!r} (allowed: {allowed})"),
                            {"value": values[position], "allowed": ", ".join(sorted(allowed))},
                        )
                        for position in raw.index[unknown]
                    ],
                )
        column = typed.column.reindex(values.index)
        if missing.any():
            column = column.astype(object).where(present, field_default(model_field))
        out[model_field.attname] = column
    if spec.derive is not None and len(out):
        out = spec.derive(out)
    if spec.limits is not None and len(out):
        for outside, name, reason in spec.limits(out):
            rejections.add(out.index[outside.to_numpy(dtype=bool)], name, reason)
    if spec.quality_rules and len(out):
        out["quality_flags"] = time_order_flags(spec.quality_rules, out)
    return Validated(frame=out, rejections=rejections, mapped=mapped, resolved_times=resolved)


def lookup_ids(
    lookup: Lookup, by: str, values: list[str], *, source_name: str | None
) -> dict[str, int]:
    """Source value → id of the related record (one query)."""
    queryset = lookup.model.objects.filter(AnyOf(by, values))
    if lookup.scoped_by_source and source_name is not None:
        queryset = queryset.filter(source=source_name)
    return {str(key): pk for key, pk in queryset.values_list(by, "pk")}


class KnownIds(dict):
    """Ids already looked up during one sync, by (relation, lookup field, source) and value, so
    the batches of a run ask the database only about values they have not met yet."""

    def resolve(
        self, lookup: Lookup, by: str, values: list[str], *, relation: str, source_name: str
    ) -> dict[str, int]:
        known = self.setdefault((relation, by, source_name), {})
        missing = [value for value in values if value not in known]
        if missing:
            found = lookup_ids(lookup, by, missing, source_name=source_name)
            known.update({value: found.get(value) for value in missing})
        return {value: known[value] for value in values if known[value] is not None}


# The reasons the running sync refused the records of a lookup's model with the given values
# of a lookup field, by value (empty where it refused none): given by ``ingest.batches``.
RefusedInRun = Callable[[Lookup, str, list[str]], dict[str, list[dict]]]


def relations_resolve(
    spec: RecordType,
    mapping: Mapping,
    validated: Validated,
    *,
    source_name: str,
    known: KnownIds,
    refused: RefusedInRun | None = None,
) -> None:
    """Replace the source values of relations by ids, rejecting rows whose employee, customer
    or order perf does not know; where this sync refused that record (``refused``), the row is
    refused saying so and why. At most one query per relation (values met earlier in the run
    are ``known``), and one more when some are unknown."""
    frame = validated.frame
    for relation, lookup in spec.lookups.items():
        attname = spec.model._meta.get_field(relation).attname
        if attname not in frame:
            continue
        how = mapping.get("lookups", {}).get(relation, lookup.fields[0])
        by = how["by"] if isinstance(how, dict) else how
        scope = how.get("source", source_name) if isinstance(how, dict) else source_name
        values = frame[attname]
        present = values.notna()
        ids = known.resolve(
            lookup, by, values[present].unique().tolist(), relation=relation, source_name=scope
        )
        resolved = values.map(ids)
        unknown = present & resolved.isna()
        if unknown.any():
            # Records of another source were not refused by this sync.
            ours = refused is not None and (scope == source_name or not lookup.scoped_by_source)
            why = refused(lookup, by, values[unknown].unique().tolist()) if ours else {}
            noun = lookup.model._meta.verbose_name
            validated.rejections.add(
                frame.index[unknown],
                relation,
                [
                    Reason(
                        gettext_noop("its {model} {value!r} was refused in this sync: {reasons}"),
                        {"model": noun, "value": value, "reasons": _by_field(lookup, why[value])},
                    )
                    if value in why
                    else Reason(
                        gettext_noop("unknown {model} {value!r} (looked up by {by})"),
                        # The key's name as people read it ("employee number"), not its
                        # column's (employee_no).
                        {
                            "model": noun,
                            "value": value,
                            "by": lookup.model._meta.get_field(by).verbose_name,
                        },
                    )
                    for value in values[unknown]
                ],
            )
        frame[attname] = resolved.astype("Int64")


def _by_field(lookup: Lookup, reasons: list[dict]) -> list[Reason | dict]:
    """A refused record's stored reasons, each after the field it is about (as people call
    it, in the reader's language), for naming them in another record's refusal."""
    fields = {f.name: f for f in lookup.model._meta.get_fields() if isinstance(f, models.Field)}
    return [
        Reason(FIELD_REASON, {"field": fields[reason["field"]].verbose_name, "reason": reason})
        if reason.get("field") in fields
        else reason
        for reason in reasons
    ]


def instant_micros(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, utc=True, cache=False)  # already times: nothing to parse once
    micros = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)
    return micros.astype("Int64").astype(str)


def record_values(spec: RecordType, queryset: models.QuerySet) -> pd.DataFrame:
    """Records' content fields (and ids) as a frame, indexed by id: one query."""
    columns = ["id", *[f.attname for f in spec.content_fields()]]
    rows = list(queryset.order_by().values_list(*columns))
    return pd.DataFrame.from_records(rows, columns=columns).set_index("id", drop=False)
