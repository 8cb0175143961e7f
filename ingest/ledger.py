"""The tamper-evident ledger: every change of a record (a sync, upload or push, an edit, an
approved correction) and every published score row appends a chained entry: its canonical
content, the content's SHA-256, and an HMAC-SHA256 (``PERF_LEDGER_KEY``, which the database
does not hold) over the previous entry's HMAC and everything the entry states. After the
appending transaction commits, the chain's head (last id and HMAC) is also written to a file
outside the database (``PERF_LEDGER_HEAD_FILE``), so deleting the latest entries is noticed.
``ingest.ledger_verify`` walks the chain and compares it with the rows as they are.

What is ledgered is a registry of ``LedgerType``: every record type of ``ingest.record_types``, plus
the types higher layers register in their ``AppConfig.ready`` (scoring's published score rows).
"""

import fcntl
import hashlib
import hmac
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from frames.locks import advisory_lock
from frames.write import decimal_texts, frame_bulk_load, frame_bulk_update
from ingest.models import LedgerAction, LedgerEntry
from ingest.record_types import LEDGERED_RECORD_TYPES, OWN_FIELDS
from ingest.records import instant_micros, record_values

logger = logging.getLogger(__name__)

# PostgreSQL advisory lock key for appending to the ledger chain.
LEDGER_LOCK = 7_310_001
GENESIS_HASH = "0" * 64
BLOCK = 64  # SHA-256's block size in bytes, for HMAC
# JSON values (score rows' vetoes) in one form whatever their key order: one encoder for all.
CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
# Rows read, hashed and appended at a time when many are ledgered at once (adoption).
APPEND_CHUNK = 100_000


@dataclass(frozen=True)
class LedgerType:
    """A kind of row the ledger covers: its key in entries, its label, its model and the fields
    left out of its content (besides perf's own id and timestamps). By default each row has
    entries of its own; a type may instead ``verify`` and ``adopt`` its rows its own way
    (scoring's publications): ``verify(latest)`` takes its entries out of ``latest`` (row key
    → (entry id, content hash)) and returns the rows it checked and the row ids by finding kind
    (``changed``, ``unledgered``, ``gone``); ``adopt(actor=…)`` enters unledgered rows."""

    key: str
    label: object
    model: type[models.Model]
    excluded: frozenset[str] = frozenset()
    verify: Callable[[dict], tuple[int, dict[str, list[int]]]] | None = None
    adopt: Callable[..., int] | None = None

    def content_fields(self) -> list[models.Field]:
        """The fields that make up a row's canonical content, sorted by column name."""
        fields = [
            f
            for f in self.model._meta.concrete_fields
            if f.name not in OWN_FIELDS and f.attname not in self.excluded
        ]
        return sorted(fields, key=lambda f: f.attname)


LEDGER_TYPES: dict[str, LedgerType] = {
    spec.key: LedgerType(spec.key, spec.label, spec.model)
    for spec in LEDGERED_RECORD_TYPES.values()
}


def ledger_type_register(ledger_type: LedgerType) -> None:
    """Have the ledger cover a higher layer's rows too (called from its ``AppConfig.ready``)."""
    LEDGER_TYPES[ledger_type.key] = ledger_type


def ledger_type_of(model: type[models.Model]) -> LedgerType:
    return next(spec for spec in LEDGER_TYPES.values() if spec.model is model)


# --- hashes -------------------------------------------------------------------------------


def ledger_key() -> bytes:
    return settings.PERF_LEDGER_KEY.encode()


def keyed_hasher(key: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256 under ``key`` (RFC 2104, the same as ``hmac.digest``) for hashing many
    messages: the padded key's two hash states are computed once and copied per message, which
    costs a chain of 200,000 entries 0.05 s over plain SHA-256 instead of 0.3 s."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def digest(message: bytes) -> str:
        first = inner.copy()
        first.update(message)
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()

    return digest


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
    key: bytes | None,
) -> str:
    """A ledger entry's hash: an HMAC-SHA256 under ``key`` over the previous entry's hash and
    everything the entry states, so rewriting any entry (or the content it holds) breaks every
    hash after it, and only who holds the key can write one. ``key=None`` is the unkeyed
    SHA-256 of chains written before entries were keyed (read by ``ledger_rekey`` only)."""
    text = "|".join(
        [previous, record_type, str(record_id), action, content_digest, actor, recorded_at]
    ).encode()
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.digest(key, text, "sha256").hex()


# --- the head outside the database -----------------------------------------------------------


@dataclass(frozen=True)
class LedgerHead:
    database: str
    entry_id: int
    entry_hash: str


class HeadUnreadable(Exception):
    """The head file exists but cannot be read as a head."""


def head_path() -> Path:
    return Path(settings.PERF_LEDGER_HEAD_FILE)


def _database_name() -> str:
    return str(connection.settings_dict["NAME"])


def head_read() -> LedgerHead | None:
    """The head file's content; ``None`` when there is no file."""
    path = head_path()
    try:
        data = json.loads(path.read_text())
        return LedgerHead(str(data["database"]), int(data["entry_id"]), str(data["entry_hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise HeadUnreadable(f"{path}: {error}") from error


def _head_write(entry_id: int, digest: str, *, only_forward: bool = True) -> None:
    """Write the head atomically (a new file renamed over the old one), under a file lock so
    that processes appending at once leave the latest: a head never moves back unless asked
    (``only_forward=False``: the chain was rekeyed or deliberately shortened)."""
    path = head_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    database = _database_name()
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if only_forward:
            try:
                current = head_read()
            except HeadUnreadable:
                current = None
            if current and current.database == database and current.entry_id >= entry_id:
                return
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w") as out:
            json.dump({"database": database, "entry_id": entry_id, "entry_hash": digest}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)


def _head_advance(entry_id: int, digest: str) -> None:
    """After an append commits: the head moves to its last entry. The records are committed
    already, so a failure is logged rather than raised (verify then says the head is behind)."""
    try:
        _head_write(entry_id, digest)
    except OSError:
        logger.exception("the ledger head file %s could not be written", head_path())


def ledger_head_reset() -> LedgerHead | None:
    """Write the chain's present end as its head, even backwards: after ``ledger_rekey``, or
    after an operator removed the latest entries on purpose (the ingestion bench's cleanup)."""
    last = LedgerEntry.objects.order_by("-id").values_list("id", "entry_hash").first()
    if last is None:
        head_path().unlink(missing_ok=True)
        return None
    _head_write(last[0], last[1], only_forward=False)
    return LedgerHead(_database_name(), last[0], last[1])


# --- appending ----------------------------------------------------------------------------


def ledger_append(
    *,
    spec: LedgerType,
    record_ids: Sequence[int],
    contents: Sequence[str],
    actions: Sequence[str],
    actor: str,
) -> int:
    """Append one chained entry per row: its canonical content (``canonical_contents``), the
    content's SHA-256 and the entry's HMAC over the previous one. Holds the ledger lock until
    the caller's transaction commits, so the chain never forks; the head file follows once it
    has committed. ``spec`` is a ``LedgerType`` or an ``ingest.record_types.RecordType``."""
    if len(record_ids) == 0:
        return 0
    advisory_lock(LEDGER_LOCK)
    previous = (
        LedgerEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        or GENESIS_HASH
    )
    keyed = keyed_hasher(ledger_key())
    recorded_at = timezone.now().replace(microsecond=0)
    stamp = recorded_at.isoformat()
    actor = actor[:128]
    content_hashes = [hashlib.sha256(content.encode()).hexdigest() for content in contents]
    previous_hashes, entry_hashes = [], []
    for record_id, digest, action in zip(record_ids, content_hashes, actions, strict=True):
        previous_hashes.append(previous)
        previous = keyed(
            f"{previous}|{spec.key}|{int(record_id)}|{action}|{digest}|{actor}|{stamp}".encode()
        )
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
    written = frame_bulk_load(LedgerEntry, frame)
    # The lock is held: the chain's last entry is this append's last.
    last_id = LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first()
    transaction.on_commit(partial(_head_advance, last_id, previous))
    return written


def records_ledger(*, spec, record_ids: Sequence[int], action: str, actor: str) -> int:
    """Append ledger entries for rows as they now are in the database (after a change made
    through the ORM: an admin edit, a correction, rows loaded in bulk, published scores).
    ``spec`` is a ``LedgerType`` or an ``ingest.record_types.RecordType``. A few queries per
    ``APPEND_CHUNK`` rows."""
    written = 0
    ids = list(record_ids)
    for start in range(0, len(ids), APPEND_CHUNK):
        chunk = ids[start : start + APPEND_CHUNK]
        rows = record_values(spec, spec.model.objects.filter(pk__in=chunk).order_by("pk"))
        rows = rows.sort_index()
        written += ledger_append(
            spec=spec,
            record_ids=rows["id"].tolist(),
            contents=canonical_contents(spec, rows).tolist(),
            actions=[action] * len(rows),
            actor=actor,
        )
    return written


def ledger_adopt(*, actor: str) -> dict[str, int]:
    """Enter every row that has no ledger entry (written before the ledger covered its type,
    or by a bulk load that skips it) as it now is, with the action "adopted". An operator's
    decision: whatever such a row holds becomes what the ledger vouches for. Returns the
    counts by type."""
    adopted = {}
    with transaction.atomic():
        advisory_lock(LEDGER_LOCK)
        for spec in LEDGER_TYPES.values():
            if spec.adopt is not None:
                if count := spec.adopt(actor=actor):
                    adopted[spec.key] = count
                continue
            entered = LedgerEntry.objects.filter(record_type=spec.key).values("record_id")
            ids = list(
                spec.model.objects.exclude(pk__in=entered)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if ids:
                adopted[spec.key] = records_ledger(
                    spec=spec, record_ids=ids, action=LedgerAction.ADOPTED, actor=actor
                )
    return adopted


class RekeyRefused(Exception):
    """The chain does not verify under the previous key: rekeying would launder it."""


def ledger_rekey(*, previous_key: bytes | None) -> int:
    """Re-hash the whole chain under ``PERF_LEDGER_KEY`` (after setting it on an install whose
    chain was unkeyed, ``previous_key=None``, or to rotate it). The chain must first verify
    entry by entry under ``previous_key`` (or, for entries appended since, the new key), else
    ``RekeyRefused`` names the first entry that does not. Then the head file is rewritten.
    Returns the number of entries."""
    key = ledger_key()
    with transaction.atomic():
        advisory_lock(LEDGER_LOCK)
        columns = ["id", "record_type", "record_id", "action", "content_hash", "actor"]
        rows = list(
            LedgerEntry.objects.order_by("id").values_list(
                *columns, "content", "previous_hash", "entry_hash", "recorded_at"
            )
        )
        old = new = GENESIS_HASH
        ids, previous_hashes, entry_hashes = [], [], []
        for pk, record_type, record_id, action, digest, actor, content, before, stated, at in rows:
            fields = dict(
                record_type=record_type,
                record_id=record_id,
                action=action,
                content_digest=digest,
                actor=actor,
                recorded_at=at.isoformat(),
            )
            # Entries appended since the new key was set (before the rekey) are under it.
            expected = {
                entry_hash(previous=old, key=previous_key, **fields),
                entry_hash(previous=old, key=key, **fields),
            }
            if before != old or stated not in expected or content_hash(content) != digest:
                raise RekeyRefused(pk)
            old = stated
            ids.append(pk)
            previous_hashes.append(new)
            new = entry_hash(previous=new, key=key, **fields)
            entry_hashes.append(new)
        frame = pd.DataFrame(
            {"id": ids, "previous_hash": previous_hashes, "entry_hash": entry_hashes}
        )
        frame_bulk_update(LedgerEntry, frame)
        transaction.on_commit(ledger_head_reset)
    return len(ids)


# --- canonical content --------------------------------------------------------------------


def canonical_column(model_field: models.Field, values: pd.Series) -> pd.Series:
    """One field's values as JSON literals, the same whatever Python or pandas type they came in:
    instants as UTC epoch microseconds (what PostgreSQL keeps), dates as ISO text, decimals as
    the text the database holds (the field's places), floats as their shortest round-trip form,
    JSON with sorted keys."""
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
        # The text the database holds: a batch's floats and stored Decimals read alike.
        text = '"' + decimal_texts(values, model_field.decimal_places) + '"'
    elif isinstance(model_field, models.FloatField):
        text = pd.Series([repr(float(number)) for number in values.tolist()], index=values.index)
    elif isinstance(model_field, models.JSONField):
        text = pd.Series([CANONICAL_JSON(value) for value in values.tolist()], index=values.index)
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


def canonical_contents(spec, frame: pd.DataFrame) -> pd.Series:
    """Each row's canonical content: compact JSON with sorted keys (what ``json.dumps(…,
    sort_keys=True)`` gives), so the same row reads the same from a sync batch, a database
    row or a stored ledger entry. ``spec`` is a ``LedgerType`` or a ``RecordType``."""
    fields = spec.content_fields()
    if frame.empty:
        return pd.Series([], dtype=object, index=frame.index)
    # One C-level formatting per row (attnames hold no "%"), not a pandas concatenation per field.
    template = "{" + ",".join(f'"{f.attname}":%s' for f in fields) + "}"
    columns = [canonical_column(f, frame[f.attname]).tolist() for f in fields]
    rows = zip(*columns, strict=True)
    return pd.Series([template % row for row in rows], index=frame.index, dtype=object)
