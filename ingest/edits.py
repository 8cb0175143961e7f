"""Single record edits (the admin, approved appeals): saved with history and a ledger entry,
refused in a closed period, and database rule violations turned into the rule's own words."""

import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils.translation import gettext_noop

from ingest.ledger import records_ledger
from ingest.models import (
    LedgerAction,
    LedgerEntry,
)
from ingest.record_types import RECORD_TYPE_OF_MODEL, record_period
from org.calendar import period_is_closed
from org.reasons import Reason, untranslated
from org.signals import pages_stale


def record_save(
    *,
    record: models.Model,
    actor: str,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    fields: list[str] | None = None,
) -> LedgerEntry:
    """Save one record changed by a person or a correction: its history names ``user`` and
    ``reason``, and a ledger entry names ``actor`` ("user:7", "appeal:12"). Returns the entry."""
    spec = RECORD_TYPE_OF_MODEL[type(record)]
    action = LedgerAction.UPDATED if record.pk else LedgerAction.CREATED
    record._history_user = user
    record._change_reason = reason or actor
    with transaction.atomic():
        record.save(update_fields=fields) if fields and record.pk else record.save()
        records_ledger(spec=spec, record_ids=[record.pk], action=action, actor=actor)
        pages_stale.send(sender=spec.model)  # drill-downs list the record
        return LedgerEntry.objects.filter(record_type=spec.key, record_id=record.pk).latest("id")


def record_in_closed_period(record: models.Model) -> bool:
    """Whether the record falls in a period whose appeal window has passed (locked: only an
    approved appeal changes it)."""
    period = record_period(record)
    return period is not None and period_is_closed(period)


def _lookups_of(condition: models.Q) -> list[str]:
    """The lookups (``confirmed_at__gte``…) of a condition, depth first."""
    names = []
    for child in condition.children:
        names.extend(_lookups_of(child) if isinstance(child, models.Q) else [child[0]])
    return names


def _constraint_reasons(model: type[models.Model]) -> dict[str, tuple[str, Reason]]:
    """Constraint name → (the field it is about, its message as a reason), for naming a refused
    row's problem in the user's words rather than the database's."""
    reasons = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            field_name = constraint.fields[0] if constraint.fields else ""
        else:
            names = _lookups_of(constraint.condition)
            field_name = names[0].split("__")[0] if names else ""
        message = untranslated(constraint.violation_error_message)
        reasons[constraint.name] = (field_name, Reason(message, {"name": constraint.name}))
    return reasons


def constraint_refusal(model: type[models.Model], error: Exception | str) -> tuple[str, Reason]:
    """The field and the reason of a row the database refused (its error, or the error's text):
    the broken constraint's own message, else the database's (its first line: a value too large
    for its column, a missing value), with the field its column belongs to when the database
    names one."""
    text = str(error)
    for name, refusal in _constraint_reasons(model).items():
        if name in text:
            return refusal
    named = re.search(r'\bcolumn "?(\w+)"?', text)
    columns = {f.column: f.name for f in model._meta.concrete_fields}
    return columns.get(named.group(1), "") if named else "", Reason(
        gettext_noop("the database refused the row: {error}"),
        {"error": text.splitlines()[0][:500] if text else type(error).__name__},
    )
