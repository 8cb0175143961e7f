"""Fields held at a corrected value, and the source values that disagreed with them.

An approved appeal corrects one field of one record; from then on a sync (pull, push, upload or
replay) does not write a different source value into that field: the record keeps the corrected
value and the source's value is kept as a ``CorrectionConflict`` for HR to accept or dismiss.
The appeal is named by its number only: ingest sits below appeals and never refers to its
models (see docs/architecture.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ingest.models.sources import SyncRun


class HoldEnd(models.TextChoices):
    # The source sent the corrected value itself (it was fixed there): nothing left to hold.
    SOURCE_AGREED = "source_agreed", _("The source now sends the corrected value")
    # HR or an admin accepted a source value over the correction.
    SOURCE_ACCEPTED = "source_accepted", _("A source value was accepted")
    # A later approved appeal corrected the same field again and holds it now.
    REPLACED = "replaced", _("Replaced by a later correction")


class FieldHold(models.Model):
    """One field of one record held at the value an approved appeal corrected it to."""

    record_type = models.CharField(_("record type"), max_length=32)
    record_id = models.BigIntegerField(_("record id"))
    field_name = models.CharField(_("field"), max_length=64)
    # As the ledger writes it (``ingest.ledger.canonical_column``), so a batch compares it with
    # the source's values exactly, whatever their Python type.
    value = models.TextField(_("held value (canonical JSON)"))
    value_text = models.CharField(_("corrected value"), max_length=200, blank=True)
    appeal_number = models.BigIntegerField(_("appeal"))
    created_at = models.DateTimeField(_("held since"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end = models.CharField(_("how it ended"), max_length=16, choices=HoldEnd.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("held correction")
        verbose_name_plural = _("held corrections")
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "field_name"],
                condition=Q(ended_at__isnull=True),
                name="field_hold_one_per_field",
                violation_error_message=_("This field is already held at a corrected value."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end="")
                | Q(ended_at__isnull=False, end__in=HoldEnd.values),
                name="field_hold_end_stated",
                violation_error_message=_("An ended hold says how it ended."),
            ),
        ]
        indexes = [
            # Each sync batch looks up the held fields of its records (one query per batch).
            models.Index(
                fields=["record_type", "record_id"],
                condition=Q(ended_at__isnull=True),
                name="field_hold_active_idx",
            ),
            # An appeal's page lists the conflicts of its correction.
            models.Index(fields=["appeal_number"], name="field_hold_appeal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} #{self.record_id}.{self.field_name}"


class ConflictState(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Source value accepted")
    DISMISSED = "dismissed", _("Correction kept")
    RESOLVED = "resolved", _("Resolved by the source")
    SUPERSEDED = "superseded", _("Replaced by a later correction")


DECIDED_STATES = [ConflictState.ACCEPTED, ConflictState.DISMISSED]


class CorrectionConflict(models.Model):
    """A source value a sync brought for a held field that differs from the corrected value:
    not written, kept here until HR or an admin accepts it (the record takes it) or dismisses
    it (the correction stays)."""

    hold = models.ForeignKey(
        FieldHold,
        verbose_name=_("held correction"),
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    run = models.ForeignKey(
        SyncRun,
        verbose_name=_("sync run"),
        on_delete=models.CASCADE,
        related_name="correction_conflicts",
    )
    source_value = models.TextField(_("source value (canonical JSON)"))
    source_text = models.CharField(_("source value"), max_length=200, blank=True)
    detected_at = models.DateTimeField(_("found at"))
    state = models.CharField(
        _("state"), max_length=16, choices=ConflictState.choices, default=ConflictState.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conflict with a correction")
        verbose_name_plural = _("conflicts with corrections")
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["hold"],
                condition=Q(state=ConflictState.OPEN),
                name="correction_conflict_one_open_per_hold",
                violation_error_message=_("This correction already has an open conflict."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=ConflictState.values),
                name="correction_conflict_state_valid",
                violation_error_message=_("Unknown conflict state."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=DECIDED_STATES)
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="correction_conflict_decision_named",
                violation_error_message=_("A decided conflict names who decided it and when."),
            ),
        ]
        indexes = [
            # The sources page lists the open conflicts, newest first.
            models.Index(
                fields=["-detected_at"],
                condition=Q(state=ConflictState.OPEN),
                name="correction_conflict_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hold} · {self.source_text}"
