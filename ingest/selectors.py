"""Reads of operational records: the ledger check."""

import json
from dataclasses import dataclass

from django.utils.translation import gettext

from ingest.models import LedgerEntry
from ingest.records import (
    GENESIS_HASH,
    RECORD_TYPES,
    canonical_contents,
    content_hash,
    entry_hash,
    record_values,
)


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
