"""A source's data-quality report: how many of its records carry each data-quality flag (a rule on
the order of times recorded by different parties that the record breaks, kept rather than
refused), and its latest flagged records with the rule and the two times."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from ingest.models import Source, TimeOrderRule
from ingest.record_types import RECORD_TYPES, RecordType

LATEST_FLAGGED = 20


@dataclass(frozen=True)
class FlagCount:
    record_type: RecordType
    rule: TimeOrderRule
    count: int


@dataclass(frozen=True)
class FlaggedRecord:
    """One broken rule of one record, with its two times (the earlier one may be missing)."""

    record_type: RecordType
    record_id: int
    external_id: str
    rule: TimeOrderRule
    earlier_label: str
    earlier_at: dt.datetime | None
    later_label: str
    later_at: dt.datetime | None


@dataclass(frozen=True)
class QualityReport:
    counts: list[FlagCount]
    latest: list[FlaggedRecord]

    @property
    def flagged(self) -> bool:
        return bool(self.counts)


def _checked_types(source: Source) -> list[RecordType]:
    """The record types the source maps that have rules on their times."""
    return [
        spec for key, spec in RECORD_TYPES.items() if spec.quality_rules and key in source.mappings
    ]


def source_quality_report(source: Source, *, limit: int = LATEST_FLAGGED) -> QualityReport:
    """The source's records per data-quality flag (in rule order, flags no record carries left
    out) and its ``limit`` latest flagged records, one line per broken rule. Two queries per
    record type with rules that the source maps (orders), through the flagged-records index."""
    counts, latest = [], []
    for spec in _checked_types(source):
        flagged = spec.model.objects.filter(source=source.name, quality_flags__isnull=False)
        tally = Counter(
            code for flags in flagged.values_list("quality_flags", flat=True) for code in flags
        )
        counts += [
            FlagCount(spec, rule, tally[rule.code])
            for rule in spec.quality_rules
            if tally[rule.code]
        ]
        rules = {rule.code: rule for rule in spec.quality_rules}
        times = sorted({name for rule in spec.quality_rules for name in (rule.earlier, rule.later)})
        label = {name: str(spec.model._meta.get_field(name).verbose_name) for name in times}
        records = flagged.order_by("-updated_at", "-pk").values(
            "pk", "external_id", "quality_flags", *times
        )[:limit]
        latest += [
            FlaggedRecord(
                record_type=spec,
                record_id=record["pk"],
                external_id=record["external_id"],
                rule=rule,
                earlier_label=label[rule.earlier],
                earlier_at=record[rule.earlier],
                later_label=label[rule.later],
                later_at=record[rule.later],
            )
            for record in records
            for rule in (rules[code] for code in record["quality_flags"] if code in rules)
        ]
    return QualityReport(counts=counts, latest=latest)
