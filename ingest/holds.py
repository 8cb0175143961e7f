"""Corrections that stick: a field an approved appeal corrected is held at the corrected value.

A sync batch (pull, push, upload or replay: all go through ``ingest.batches``) that brings a
different value for a held field does not write it: the record keeps the corrected value, the
rest of its fields update as usual, and the source's value is kept as a ``CorrectionConflict``
for HR or an admin to accept (the record takes it, the hold ends, the periods are rescored) or
dismiss (the correction stays held). Each decision is a ledger entry with the deciding user as
actor. A source that sends the corrected value itself was fixed there: the hold ends quietly.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frames.lookups import AnyOf
from ingest.edits import constraint_refusal, record_save
from ingest.ledger import canonical_column, records_ledger
from ingest.models import (
    ConflictState,
    CorrectionConflict,
    FieldHold,
    HoldEnd,
    LedgerAction,
    SyncRun,
    time_order_flags,
)
from ingest.record_types import RECORD_TYPE_OF_MODEL, RECORD_TYPES, RecordType, record_period
from ingest.records import record_values
from ingest.signals import source_value_accepted
from ingest.values import value_texts

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def canonical_value(model_field: models.Field, literal: str):
    """A value as ``canonical_column`` wrote it, back as the field's Python value (a relation's
    id for a foreign key)."""
    value = json.loads(literal)
    if value is None:
        return None
    if isinstance(model_field, models.DateTimeField):
        return EPOCH + dt.timedelta(microseconds=int(value))  # exact: no float on the way
    return model_field.to_python(value)


def field_hold(
    *, record: models.Model, field_name: str, appeal_number: int, value_text: str
) -> FieldHold:
    """Hold ``field_name`` of ``record`` at the value it now has in the database (an approved
    appeal's correction, just saved): from now on syncs keep it and list a different source
    value as a conflict. A hold an earlier appeal put on the same field is replaced, its open
    conflict closed as superseded."""
    spec = RECORD_TYPE_OF_MODEL[type(record)]
    model_field = spec.model._meta.get_field(field_name)
    stored = record_values(spec, spec.model.objects.filter(pk=record.pk))
    now = timezone.now()
    earlier = FieldHold.objects.filter(
        record_type=spec.key, record_id=record.pk, field_name=field_name, ended_at__isnull=True
    )
    CorrectionConflict.objects.filter(hold__in=earlier, state=ConflictState.OPEN).update(
        state=ConflictState.SUPERSEDED, decided_at=now
    )
    earlier.update(ended_at=now, end=HoldEnd.REPLACED)
    return FieldHold.objects.create(
        record_type=spec.key,
        record_id=record.pk,
        field_name=field_name,
        value=canonical_column(model_field, stored[model_field.attname]).iloc[0],
        value_text=value_text[:200],
        appeal_number=appeal_number,
    )


# --- in a sync batch -------------------------------------------------------------------------

CONFLICT_COLUMNS = ["position", "hold", "value", "text"]


@dataclass
class Held:
    """What the holds did to one batch, by record position: the source values kept out of held
    fields (``conflicts``: the hold, the value as canonical JSON and as people read it) and the
    holds whose corrected value the source now sends itself (``agreed``: the hold)."""

    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONFLICT_COLUMNS))
    agreed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["position", "hold"]))


def _active_holds(spec: RecordType, record_ids: pd.Series) -> pd.DataFrame:
    """The held fields of these records: hold id, record id, field name, held value. One
    query."""
    rows = FieldHold.objects.filter(
        AnyOf("record_id", record_ids.unique()), record_type=spec.key, ended_at__isnull=True
    ).values_list("pk", "record_id", "field_name", "value")
    return pd.DataFrame.from_records(list(rows), columns=["hold", "record_id", "field", "value"])


def holds_keep(
    spec: RecordType, incoming: pd.DataFrame, stored: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, Held]:
    """``incoming``: a batch's rows for records already stored (with their ``id``), indexed by
    record position; ``stored``: those records as stored, same index; ``columns``: the columns
    the batch writes. Returns ``incoming`` with the stored value put back wherever a held
    field's incoming value differs from the corrected one (derived fields and data-quality
    flags following the values kept), and what the holds did. One query for the whole batch
    (and one for people's numbers when a held relation disagrees)."""
    held = Held()
    if incoming.empty:
        return incoming, held
    holds = _active_holds(spec, incoming["id"])
    if holds.empty:
        return incoming, held
    kept = incoming.copy()
    conflicts, agreed = [held.conflicts], [held.agreed]
    for field_name, of_field in holds.groupby("field"):
        model_field = spec.model._meta.get_field(field_name)
        column = model_field.attname
        if column not in columns:
            continue  # the source does not send this field: nothing to hold against
        by_record = of_field.set_index("record_id")
        rows = kept.index[kept["id"].isin(by_record.index)]
        record_ids = kept.loc[rows, "id"]
        source = canonical_column(model_field, kept.loc[rows, column])
        differs = (source != record_ids.map(by_record["value"])).to_numpy()
        hold_ids = record_ids.map(by_record["hold"]).to_numpy()
        agreed.append(pd.DataFrame({"position": rows[~differs], "hold": hold_ids[~differs]}))
        differing = rows[differs]
        conflicts.append(
            pd.DataFrame(
                {
                    "position": differing,
                    "hold": hold_ids[differs],
                    "value": source[differs].to_numpy(),
                    "text": value_texts(model_field, kept.loc[differing, column]).to_numpy(),
                }
            )
        )
        kept[column] = kept[column].where(~kept.index.isin(differing), stored[column])
    held = Held(
        conflicts=pd.concat(conflicts, ignore_index=True),
        agreed=pd.concat(agreed, ignore_index=True),
    )
    if len(held.conflicts):
        if spec.derive is not None:
            kept = spec.derive(kept)
        if spec.quality_rules and "quality_flags" in kept:
            kept["quality_flags"] = time_order_flags(spec.quality_rules, kept)
    return kept, held


def _holds_end(hold_ids: list[int], *, end: str, user: AbstractBaseUser | None = None) -> None:
    """End these holds; a conflict of theirs still open is closed as resolved by the source
    (the one HR accepts is decided before)."""
    now = timezone.now()
    CorrectionConflict.objects.filter(hold_id__in=hold_ids, state=ConflictState.OPEN).update(
        state=ConflictState.RESOLVED, decided_at=now
    )
    FieldHold.objects.filter(pk__in=hold_ids, ended_at__isnull=True).update(
        ended_at=now, end=end, ended_by=user
    )


def conflicts_keep(*, run: SyncRun, held: Held, refused: set[int]) -> int:
    """Keep what the holds did to a batch the run wrote (leaving out the records the database
    refused): a source value not yet waiting for a decision becomes an open conflict (or
    replaces the value of the hold's open one), unless HR already dismissed that same value for
    that hold; holds the source agrees with end quietly. Returns how many source values were
    held back. A few queries per batch, whatever its size."""
    conflicts = held.conflicts[~held.conflicts["position"].isin(refused)]
    agreed = held.agreed[~held.agreed["position"].isin(refused)]
    if len(agreed):
        # The source was fixed: the correction is the source's value now, nothing to hold.
        _holds_end(agreed["hold"].astype(int).tolist(), end=HoldEnd.SOURCE_AGREED)
    if conflicts.empty:
        return 0
    known = list(
        CorrectionConflict.objects.filter(
            hold_id__in=conflicts["hold"].astype(int).tolist(),
            state__in=[ConflictState.OPEN, ConflictState.DISMISSED],
        ).values_list("pk", "hold_id", "state", "source_value")
    )
    seen = {(hold, value) for _pk, hold, _state, value in known}
    waiting = {hold: pk for pk, hold, state, _value in known if state == ConflictState.OPEN}
    now = timezone.now()
    new, renewed = [], []
    for hold, value, text in conflicts[["hold", "value", "text"]].itertuples(index=False):
        if (int(hold), value) in seen:
            continue  # waiting for a decision already, or dismissed for this very value
        conflict = CorrectionConflict(
            pk=waiting.get(int(hold)),
            hold_id=int(hold),
            run=run,
            source_value=value,
            source_text=text[:200],
            detected_at=now,
        )
        (renewed if conflict.pk else new).append(conflict)
    CorrectionConflict.objects.bulk_create(new)
    CorrectionConflict.objects.bulk_update(
        renewed, ["run", "source_value", "source_text", "detected_at"]
    )
    return len(conflicts)


# --- HR's decision ---------------------------------------------------------------------------


class ConflictRefused(Exception):
    """The decision cannot be taken; the message says why, in the user's words."""


def _open_locked(conflict: CorrectionConflict) -> CorrectionConflict:
    """The conflict, locked for the decision, if it still waits for one."""
    locked = (
        CorrectionConflict.objects.select_for_update().select_related("hold").get(pk=conflict.pk)
    )
    if locked.state != ConflictState.OPEN:
        raise ConflictRefused(
            _("This conflict is closed already: {state}.").format(state=locked.get_state_display())
        )
    return locked


def _decided(conflict: CorrectionConflict, *, state: str, user: AbstractBaseUser) -> None:
    conflict.state = state
    conflict.decided_by = user
    conflict.decided_at = timezone.now()
    conflict.save(update_fields=["state", "decided_by", "decided_at"])


def conflict_accept(*, conflict: CorrectionConflict, user: AbstractBaseUser) -> CorrectionConflict:
    """The record takes the source's value (history and a ledger entry naming ``user``), the
    hold ends, and the months the record falls in before and after are rescored through
    ``source_value_accepted`` (appeals rescores them as it rescored the correction)."""
    with transaction.atomic():
        locked = _open_locked(conflict)
        hold = locked.hold
        spec = RECORD_TYPES[hold.record_type]
        record = spec.model.objects.select_for_update().get(pk=hold.record_id)
        model_field = spec.model._meta.get_field(hold.field_name)
        before = record_period(record)
        reason = _("Source value accepted over the correction of appeal #{number}").format(
            number=hold.appeal_number
        )
        setattr(record, model_field.attname, canonical_value(model_field, locked.source_value))
        try:
            with transaction.atomic():
                record_save(
                    record=record,
                    actor=f"user:{user.pk}",
                    user=user,
                    reason=reason,
                    fields=[model_field.name],
                )
        except IntegrityError as error:
            raise ConflictRefused(str(constraint_refusal(spec.model, error)[1])) from error
        _decided(locked, state=ConflictState.ACCEPTED, user=user)
        _holds_end([hold.pk], end=HoldEnd.SOURCE_ACCEPTED, user=user)
        periods = {period for period in (before, record_period(record)) if period is not None}
        source_value_accepted.send(
            sender=CorrectionConflict, periods=sorted(periods), reason=reason, user=user
        )
    return locked


def conflict_dismiss(*, conflict: CorrectionConflict, user: AbstractBaseUser) -> CorrectionConflict:
    """The corrected value stays held; the decision is a ledger entry of the record as it
    stands ("correction kept", naming ``user``). The same source value is not listed again."""
    with transaction.atomic():
        locked = _open_locked(conflict)
        _decided(locked, state=ConflictState.DISMISSED, user=user)
        records_ledger(
            spec=RECORD_TYPES[locked.hold.record_type],
            record_ids=[locked.hold.record_id],
            action=LedgerAction.KEPT,
            actor=f"user:{user.pk}",
        )
    return locked
