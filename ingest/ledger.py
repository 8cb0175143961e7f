"""The tamper-evident ledger: every ingested change of a record appends a chained entry (its
canonical content, the content's hash and a hash over the entry before it); ``ledger_verify``
walks the chain and compares it with the records as they are."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from frames.locks import advisory_lock
from frames.write import frame_bulk_load
from ingest.models import (
    LedgerEntry,
)
from ingest.records import RECORD_TYPES, RecordType, instant_micros, record_values

# PostgreSQL advisory lock key for appending to the ledger chain.
LEDGER_LOCK = 7_310_001


def ledger_append(
    *,
    spec: RecordType,
    record_ids: Sequence[int],
    contents: Sequence[str],
    actions: Sequence[str],
    actor: str,
) -> int:
    """Append one chained entry per record: its canonical content (``canonical_contents``), the
    content's SHA-256 and the entry's hash over the previous one. Holds the ledger lock until
    the caller's transaction commits, so the chain never forks."""
    if len(record_ids) == 0:
        return 0
    advisory_lock(LEDGER_LOCK)
    previous = (
        LedgerEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        or GENESIS_HASH
    )
    recorded_at = timezone.now().replace(microsecond=0)
    stamp = recorded_at.isoformat()
    actor = actor[:128]
    previous_hashes, content_hashes, entry_hashes = [], [], []
    for record_id, content, action in zip(record_ids, contents, actions, strict=True):
        digest = content_hash(content)
        previous_hashes.append(previous)
        previous = entry_hash(
            previous=previous,
            record_type=spec.key,
            record_id=int(record_id),
            action=action,
            content_digest=digest,
            actor=actor,
            recorded_at=stamp,
        )
        content_hashes.append(digest)
        entry_hashes.append(previous)
    frame = pd.DataFrame(
        {
            "record_type": spec.key,
            "record_id": np.asarray(record_ids, dtype=np.int64),
            "action": list(actions),
            "content": list(contents),
            "content_hash": content_hashes,
            "previous_hash": previous_hashes,
            "entry_hash": entry_hashes,
            "actor": actor,
            "recorded_at": recorded_at.timestamp(),
        }
    )
    return frame_bulk_load(LedgerEntry, frame)


def records_ledger(*, spec: RecordType, record_ids: Sequence[int], action: str, actor: str) -> int:
    """Append ledger entries for records as they now are in the database (after a change made
    through the ORM: an admin edit, a correction, records loaded in bulk)."""
    rows = record_values(spec, spec.model.objects.filter(pk__in=list(record_ids)).order_by("pk"))
    contents = canonical_contents(spec, rows)
    return ledger_append(
        spec=spec,
        record_ids=rows["id"].tolist(),
        contents=contents.tolist(),
        actions=[action] * len(rows),
        actor=actor,
    )


def _json_column(model_field: models.Field, values: pd.Series) -> pd.Series:
    """One field's values as JSON literals, the same whatever Python or pandas type they came in:
    instants as UTC epoch microseconds, dates as ISO text, decimals as text with the field's
    places."""
    missing = values.isna().to_numpy()
    if missing.all():
        return pd.Series("null", index=values.index)
    if isinstance(model_field, models.DateTimeField):
        text = instant_micros(values.where(~missing, None))
    elif isinstance(model_field, models.DateField):
        text = pd.to_datetime(values.where(~missing, None)).dt.strftime('"%Y-%m-%d"')
    elif isinstance(model_field, models.BooleanField):
        text = values.map(lambda value: "true" if value else "false")
    elif isinstance(model_field, models.DecimalField):
        places = model_field.decimal_places
        text = pd.to_numeric(values.where(~missing, None)).map(
            lambda number: f'"{number:.{places}f}"'
        )
    elif isinstance(model_field, (models.IntegerField, models.ForeignKey, models.AutoField)):
        text = pd.to_numeric(values.where(~missing, None)).astype("Int64").astype(str)
    else:
        text = values.astype(str)
        # Most text needs no escaping: quote it directly, json.dumps only what needs it.
        needs_escaping = text.str.contains(r'["\\\x00-\x1f]', regex=True)
        text = '"' + text + '"'
        if needs_escaping.any():
            text[needs_escaping] = values[needs_escaping].map(
                lambda value: json.dumps(str(value), ensure_ascii=False)
            )
    return text.astype(object).where(~missing, "null")


def canonical_contents(spec: RecordType, frame: pd.DataFrame) -> pd.Series:
    """Each row's canonical content: compact JSON with sorted keys (what ``json.dumps(…,
    sort_keys=True)`` gives), so the same record reads the same from a sync batch, a database
    row or a stored ledger entry."""
    fields = spec.content_fields()
    if frame.empty:
        return pd.Series([], dtype=object, index=frame.index)
    parts = [f'"{f.attname}":' + _json_column(f, frame[f.attname]) for f in fields]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "," + part
    return "{" + joined + "}"


GENESIS_HASH = "0" * 64


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def entry_hash(
    *,
    previous: str,
    record_type: str,
    record_id: int,
    action: str,
    content_digest: str,
    actor: str,
    recorded_at: str,
) -> str:
    """A ledger entry's hash: over the previous entry's hash and everything the entry states,
    so rewriting any entry (or the content it holds) breaks every hash after it."""
    text = "|".join(
        [previous, record_type, str(record_id), action, content_digest, actor, recorded_at]
    )
    return hashlib.sha256(text.encode()).hexdigest()


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
