"""Data-correction appeals: a person contests one field of one record (or one indicator score of
a period) with evidence; HR reviews; an approved appeal changes the data through a Correction,
visibly and with a ledger entry, and the period is rescored."""

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from indicators.models import IndicatorDefinition
from org.models import Employee


def evidence_storage() -> Storage:
    """Evidence is kept outside MEDIA_ROOT (the "evidence" storage of settings): never served by
    the static/media server, only by a view that checks who asks. A callable, so migrations name
    this function and never a machine's path."""
    return storages["evidence"]


class AppealState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("appeal state", "Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The longest texts people write on an appeal (characters): a description, a comment, a
# decision's reason. Checked by the forms, the API and the services; kept as the fields' max_length.
DESCRIPTION_MAX = 4000
COMMENT_MAX = 2000
DECISION_REASON_MAX = 2000
CLAIMED_VALUE_MAX = 200

OPEN_STATES = [AppealState.DRAFT, AppealState.SUBMITTED, AppealState.IN_REVIEW]


class ReasonCategory(models.TextChoices):
    SYSTEM_FAILURE = "system_failure", _("System or network failure")
    WRONG_ATTRIBUTION = "wrong_attribution", _("Wrong attribution")
    CUSTOMER_ERROR = "customer_error", _("Customer error")
    OTHER = "other", _("Other")


class SubjectKind(models.TextChoices):
    RECORD_FIELD = "record_field", _("A field of a record")
    INDICATOR_SCORE = "indicator_score", _("An indicator score of a period")


class Appeal(models.Model):
    subject_kind = models.CharField(_("subject"), max_length=16, choices=SubjectKind.choices)
    # The one thing contested, as text ("order:12:confirmed_at", "indicator:5:csat:2026-10"):
    # at most one open appeal per subject.
    subject_key = models.CharField(_("subject key"), max_length=128, editable=False)
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee concerned"),
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    record_type = models.CharField(_("record type"), max_length=32, blank=True)
    record_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    field_name = models.CharField(_("field"), max_length=64, blank=True)
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField(_("period"))
    current_value = models.CharField(_("value when filed"), max_length=200, blank=True)
    claimed_value = models.CharField(_("claimed correct value"), max_length=CLAIMED_VALUE_MAX)
    category = models.CharField(_("reason"), max_length=32, choices=ReasonCategory.choices)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    state = models.CharField(
        _("state"), max_length=16, choices=AppealState.choices, default=AppealState.DRAFT
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="appeals_filed",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_reviewed",
    )
    # The HR person handling it (set when taken into review, alone or in bulk, or handed to a
    # colleague); ``reviewer`` stays who last moved it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_assigned",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(
        _("decision reason"), blank=True, max_length=DECISION_REASON_MAX
    )
    score_before = models.FloatField(_("total before"), null=True, blank=True)
    score_after = models.FloatField(_("total after"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key"],
                condition=Q(state__in=OPEN_STATES),
                name="appeal_one_open_per_subject",
                violation_error_message=_("There is already an open appeal on this."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=AppealState.values),
                name="appeal_state_valid",
                violation_error_message=_("Unknown appeal state."),
            ),
            models.CheckConstraint(
                condition=~Q(state=AppealState.REJECTED) | ~Q(decision_reason=""),
                name="appeal_rejection_has_reason",
                violation_error_message=_("A rejection needs a written reason."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_kind=SubjectKind.RECORD_FIELD, record_id__isnull=False)
                    & ~Q(field_name="")
                )
                | Q(subject_kind=SubjectKind.INDICATOR_SCORE, indicator__isnull=False),
                name="appeal_subject_complete",
                violation_error_message=_("An appeal names a record and field, or an indicator."),
            ),
        ]
        indexes = [
            # The HR queue lists open appeals by state and due date.
            models.Index(fields=["state", "due_at"], name="appeal_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.pk])


def _evidence_path(instance: "Evidence", filename: str) -> str:
    # Stored under a generated name: the uploaded name is kept only as data, never as a path.
    return f"{instance.appeal_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=_evidence_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Comment(models.Model):
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    text = models.TextField(pgettext_lazy("appeal", "comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class Correction(models.Model):
    """The change an approved appeal made: the field's value before and after, and the ledger
    entry that records the new version of the record."""

    appeal = models.OneToOneField(
        Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="correction"
    )
    record_type = models.CharField(_("record type"), max_length=32)
    record_id = models.BigIntegerField(_("record id"))
    field_name = models.CharField(_("field"), max_length=64)
    old_value = models.CharField(_("old value"), max_length=200, blank=True)
    new_value = models.CharField(_("new value"), max_length=200)
    ledger_entry = models.ForeignKey(
        "ingest.LedgerEntry",
        verbose_name=_("ledger entry"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applied by"), on_delete=models.PROTECT
    )
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.record_type} #{self.record_id}.{self.field_name}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="appeal_notifications",
    )
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="notifications"
    )
    state = models.CharField(_("new state"), max_length=16, choices=AppealState.choices)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # The header shows a user's unread count.
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · #{self.appeal_id} {self.state}"
