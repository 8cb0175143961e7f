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

**Daylight saving.** A naive local time that the mapping's zone repeats (the hour clocks are put
back) or skips (the hour they are put forward) is never refused: a repeated time is read as its
first occurrence (the earlier instant, still on summer time), a skipped one is shifted forward
by the gap (02:30 on the night Europe/Berlin skips 02:00–03:00 is read as 03:30) — Python's
``fold=0``. The sync run counts the times read so (``SyncRun.local_times_resolved``).

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

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ingest.models import time_order_flags
from ingest.record_types import PEOPLE_TYPE, SOURCE_TYPES, Lookup, RecordType
from org.calendar import company_zone
from org.import_files import COLUMNS, REQUIRED_COLUMNS
from org.reasons import Reason, reason_stored

# A value that could not be read: what is wrong with it, then the value as it arrived.
BAD_VALUE = gettext_noop("{problem}: {value!r}")
# A reason after the field it is about.
FIELD_REASON = gettext_noop("{field}: {reason}")

TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "对", "真"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "错", "假", ""}


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


def source_present(values: pd.Series) -> pd.Series:
    """Which raw values hold something (not None, NaN or blank text)."""
    text = values.astype(str).str.strip()
    return values.notna() & (text != "") & (text.str.lower() != "nan")


def _local_instants(naive: pd.Series, zone: ZoneInfo) -> tuple[pd.Series, pd.Series]:
    """Naive local times (datetime64) in ``zone`` as UTC, and which of them daylight saving
    made ambiguous or non-existent, read by the rule in this module's docstring (Python's
    ``fold=0``): the first occurrence of a repeated time, a skipped time shifted forward by the
    gap."""
    strict = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    resolved = strict.isna() & naive.notna()
    instants = strict.dt.tz_convert("UTC")
    if resolved.any():  # a few times a year: one by one
        instants = instants.astype(object)
        instants[resolved] = [
            pd.Timestamp(stamp.to_pydatetime(warn=False).replace(tzinfo=zone)).tz_convert("UTC")
            for stamp in naive[resolved]
        ]
        instants = pd.to_datetime(instants, utc=True)
    return instants, resolved


def _parsed_alone(value) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT


def source_instants(values: pd.Series, zone: ZoneInfo) -> tuple[pd.Series, pd.Series]:
    """Raw timestamps as UTC (unparseable → NaT); naive ones are read in ``zone``. Also which
    values were local times that daylight saving made ambiguous or non-existent (resolved by
    the stated rule, never refused)."""
    none_resolved = pd.Series(False, index=values.index)
    try:
        # Mixed offsets give object dtype today and will raise in later pandas: either way
        # they are read one by one below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            parsed = pd.to_datetime(values, errors="raise", format="mixed")
    except (ValueError, TypeError, OverflowError):
        parsed = None
    if parsed is not None and isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC"), none_resolved
    if parsed is not None and parsed.dtype.kind == "M":
        return _local_instants(parsed, zone)
    # Mixed values (some with an offset, some without, some not times): each parsed alone.
    stamps = values.map(_parsed_alone)
    naive = stamps.map(lambda stamp: stamp is not pd.NaT and stamp.tzinfo is None).astype(bool)
    instants = pd.to_datetime(stamps.where(~naive, None), utc=True)
    if naive.any():
        local = pd.to_datetime(stamps[naive].tolist(), errors="coerce")
        local_instants, resolved = _local_instants(
            pd.Series(local, index=values.index[naive]), zone
        )
        instants = instants.astype(object)
        instants[naive] = local_instants
        instants = pd.to_datetime(instants, utc=True)
        return instants, resolved.reindex(values.index, fill_value=False)
    return instants, none_resolved


@dataclass
class Typed:
    """A raw column typed for its model field: the values, which could not be read, the
    problem of those, and which were local times resolved by the daylight-saving rule."""

    column: pd.Series
    bad: pd.Series
    problem: Reason | None
    resolved: pd.Series | None = None


def _typed_column(model_field: models.Field, values: pd.Series, zone: ZoneInfo) -> Typed:
    """One present-valued raw column typed for ``model_field``."""
    if isinstance(model_field, models.DateTimeField):
        instants, resolved = source_instants(values, zone)
        # perf keeps times to the second: the ledger's content must match what is stored.
        typed = instants.dt.floor("s")
        return Typed(typed, typed.isna(), Reason(gettext_noop("not a date and time")), resolved)
    if isinstance(model_field, models.DateField):
        instants, resolved = source_instants(values, zone)
        days = instants.dt.tz_convert(zone).dt.date
        return Typed(days, instants.isna(), Reason(gettext_noop("not a date")), resolved)
    if isinstance(model_field, models.BooleanField):
        words = values.astype(str).str.strip().str.lower()
        typed = pd.Series(np.where(words.isin(TRUE_WORDS), True, False), index=values.index)
        bad = ~(words.isin(TRUE_WORDS) | words.isin(FALSE_WORDS))
        return Typed(typed, bad, Reason(gettext_noop("not yes or no")))
    if isinstance(model_field, (models.DecimalField, models.IntegerField)):
        typed = pd.to_numeric(values, errors="coerce")
        bad = typed.isna()
        if isinstance(model_field, models.DecimalField):
            return Typed(
                typed.round(model_field.decimal_places), bad, Reason(gettext_noop("not a number"))
            )
        bad |= typed.notna() & (typed != typed.round())
        if isinstance(
            model_field,
            (
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            ),
        ):
            bad |= typed < 0
            return Typed(typed, bad, Reason(gettext_noop("not a whole number of zero or more")))
        return Typed(typed, bad, Reason(gettext_noop("not a whole number")))
    # As objects: a column no row fills is empty and would keep a dtype with no .str accessor.
    typed = (
        values.map(lambda value: value if isinstance(value, str) else str(value))
        .astype(object)
        .str.strip()
    )
    if model_field.max_length:
        longer = Reason(gettext_noop("longer than {n} characters"), {"n": model_field.max_length})
        return Typed(typed, typed.str.len() > model_field.max_length, longer)
    return Typed(typed, pd.Series(False, index=values.index), None)


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
        typed = _typed_column(model_field, values[present], zone)
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
    queryset = lookup.model.objects.filter(**{f"{by}__in": values})
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
                        {"model": noun, "value": value, "by": by},
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
    stamps = pd.to_datetime(values, utc=True)
    micros = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)
    return micros.astype("Int64").astype(str)


def record_values(spec: RecordType, queryset: models.QuerySet) -> pd.DataFrame:
    """Records' content fields (and ids) as a frame, indexed by id: one query."""
    columns = ["id", *[f.attname for f in spec.content_fields()]]
    rows = list(queryset.order_by().values_list(*columns))
    return pd.DataFrame.from_records(rows, columns=columns).set_index("id", drop=False)
