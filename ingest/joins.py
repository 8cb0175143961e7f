"""Values a mapping looks up in another table of the same source (its ``tables`` and ``joins``,
see ``ingest.transform``): the table read in full once per sync through the source's own
connector, reduced to one row per key by the join's rule, and joined to a batch in one merge.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from ingest.connectors import connector_for
from ingest.records import MappingError

RULES = ("first", "largest", "sum", "count")
TABLE_BATCH_ROWS = 10_000


@dataclass(frozen=True)
class Join:
    """One looked-up value: rows of ``table`` whose ``key`` column equals the batch's ``on``
    column; of several, ``rule`` decides (``first`` in table order, ``largest`` by the ``by``
    column, the ``sum`` of ``take``, their ``count``)."""

    name: str
    table: str
    on: str
    key: str
    take: str | None
    rule: str
    by: str | None

    @classmethod
    def of(cls, name: str, how: object, tables: Mapping) -> "Join":
        """The join as a mapping spells it; ``MappingError`` naming what is wrong."""

        def wrong(problem: str) -> MappingError:
            return MappingError(_("join {name!r}: {problem}").format(name=name, problem=problem))

        if not isinstance(how, Mapping):
            raise wrong(_("must be an object with table, on, take and rule."))
        unknown = set(how) - {"table", "on", "key", "take", "rule", "by"}
        if unknown:
            raise wrong(_("unknown setting {keys}.").format(keys=", ".join(sorted(unknown))))
        table, on, rule = how.get("table"), how.get("on"), how.get("rule", "first")
        if not isinstance(table, str) or table not in tables:
            raise wrong(
                _("the table {table!r} is not among the mapping's tables.").format(table=table)
            )
        if not isinstance(on, str) or not on:
            raise wrong(_("'on' must name the column of the row that holds the key."))
        if rule not in RULES:
            raise wrong(
                _("unknown rule {rule!r}; the rules are {rules}.").format(
                    rule=rule, rules=", ".join(RULES)
                )
            )
        take, by, key = how.get("take"), how.get("by"), how.get("key", on)
        if rule != "count" and (not isinstance(take, str) or not take):
            raise wrong(_("'take' must name the table's column whose value is looked up."))
        if rule == "largest" and (not isinstance(by, str) or not by):
            raise wrong(_("the rule largest needs 'by', the column compared."))
        if not isinstance(key, str) or not key:
            raise wrong(_("'key' must name the table's column matched."))
        return cls(name, table, on, key, take, rule, by if rule == "largest" else None)

    def table_columns(self) -> set[str]:
        return {column for column in (self.key, self.take, self.by) if column}


def key_text(values: pd.Series) -> pd.Series:
    """Keys compared as trimmed text (``5``, ``5.0`` and ``" 5 "`` alike); empty → missing."""
    if pd.api.types.is_float_dtype(values.dtype) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return text.where(text != "")


class SourceTables:
    """The tables a source's joins read, each read in full once (per sync, push or preview) and
    each join's reduction computed once: the batches of a sync share them."""

    def __init__(self, *, kind: str, config: Mapping) -> None:
        self.kind = kind
        self.config = dict(config)
        self._tables: dict[str, pd.DataFrame] = {}
        self._reduced: dict[tuple[str, Join], pd.DataFrame] = {}

    def table(self, fetch: Mapping) -> pd.DataFrame:
        """The whole table ``fetch`` (a fetch override of the source's config) names."""
        cache_key = json.dumps(fetch, sort_keys=True, default=str)
        if cache_key not in self._tables:
            connector = connector_for(self.kind, {**self.config, **fetch})
            rows = [
                row
                for batch in connector.batches(since=None, batch_size=TABLE_BATCH_ROWS)
                for row in batch.rows
            ]
            self._tables[cache_key] = pd.DataFrame.from_records(rows)
        return self._tables[cache_key]

    def reduced(self, join: Join, fetch: Mapping) -> pd.DataFrame:
        """One row per key: ``value`` and ``several`` (its rows hold more than one distinct
        value of ``take``, for first and largest)."""
        cache_key = (json.dumps(fetch, sort_keys=True, default=str), join)
        if cache_key not in self._reduced:
            self._reduced[cache_key] = _reduce(join, self.table(fetch))
        return self._reduced[cache_key]


def _reduce(join: Join, table: pd.DataFrame) -> pd.DataFrame:
    missing = sorted(column for column in join.table_columns() if column not in table)
    if missing and len(table):
        raise MappingError(
            _("join {name!r}: the table {table!r} has no column {columns}.").format(
                name=join.name, table=join.table, columns=", ".join(missing)
            )
        )
    if table.empty:
        return pd.DataFrame({"value": [], "several": []}, index=pd.Index([], dtype="string"))
    keys = key_text(table[join.key])
    rows = table.assign(_key=keys)[keys.notna()]
    if join.rule == "count":
        value = rows.groupby("_key").size().astype(float)
        return pd.DataFrame({"value": value, "several": False})
    if join.rule == "sum":
        numbers = pd.to_numeric(rows[join.take], errors="coerce")
        not_numbers = numbers.isna() & rows[join.take].notna()
        sums = numbers.groupby(rows["_key"]).sum(min_count=1)
        # A line whose amount is not a number makes the total unknown, not smaller.
        unknown = not_numbers.groupby(rows["_key"]).any()
        return pd.DataFrame({"value": sums.where(~unknown), "several": False})
    if join.rule == "largest":
        rows = rows.assign(_by=pd.to_numeric(rows[join.by], errors="coerce")).sort_values(
            "_by", ascending=False, kind="mergesort", na_position="last"
        )
    chosen = rows.drop_duplicates("_key", keep="first").set_index("_key")[join.take]
    # Several distinct candidates: the rule picked one of them (counted on the run).
    several = rows.groupby("_key")[join.take].nunique() > 1  # noqa: PD101 (per group)
    return pd.DataFrame({"value": chosen, "several": several.reindex(chosen.index)})


def join_apply(
    frame: pd.DataFrame, join: Join, reduced: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """The looked-up value of each row of ``frame`` and whether its key met several candidates
    (one merge). No match: empty, and a count of 0."""
    keys = pd.DataFrame({"_key": key_text(frame[join.on])}, index=frame.index)
    merged = keys.merge(reduced, how="left", left_on="_key", right_index=True)
    merged.index = frame.index
    values = merged["value"]
    if join.rule == "count":
        values = values.fillna(0)
    several = merged["several"].astype(object).where(merged["several"].notna(), False).astype(bool)
    return values, several
