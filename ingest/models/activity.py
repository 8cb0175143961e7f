"""The records of a merchandiser's work around orders and people: follow-ups, customer
feedback, exceptions, tickets, improvement suggestions, trainings and peer reviews."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ingest.models.orders import Order, SourcedRecord, not_before, requires, unique_source_key
from org.models import Customer, Employee


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")
    ONLINE_CHAT = "online_chat", _("Online chat")


class FollowUp(SourcedRecord):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("time"))
    message = models.TextField(_("message text"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at"]
        constraints = [
            unique_source_key("followup"),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values),
                name="followup_channel_valid",
                violation_error_message=_("Unknown follow-up channel."),
            ),
        ]
        indexes = [models.Index(fields=["employee", "occurred_at"], name="followup_emp_time_idx")]

    def __str__(self) -> str:
        return f"{self.employee} → {self.customer} ({self.occurred_at:%Y-%m-%d})"


class Feedback(SourcedRecord):
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="feedback"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="feedback"
    )
    csat = models.PositiveSmallIntegerField(_("CSAT (1–5)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("time"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-submitted_at"]
        constraints = [
            unique_source_key("feedback"),
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5),
                name="feedback_csat_range",
                violation_error_message=_("CSAT must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10),
                name="feedback_nps_range",
                violation_error_message=_("NPS must be between 0 and 10."),
            ),
            models.CheckConstraint(
                condition=Q(csat__isnull=False) | Q(nps__isnull=False) | ~Q(comment=""),
                name="feedback_not_empty",
                violation_error_message=_("Feedback needs a CSAT, an NPS or a comment."),
            ),
        ]
        indexes = [models.Index(fields=["employee", "submitted_at"], name="feedback_emp_time_idx")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.submitted_at:%Y-%m-%d}"


class ExceptionKind(models.TextChoices):
    LOGISTICS_DELAY = "logistics_delay", _("Logistics delay")
    QUALITY = "quality", _("Quality problem")
    STOCK_OUT = "stock_out", _("Stock-out")
    CUSTOMS = "customs", _("Customs hold")
    PAYMENT = "payment", _("Payment issue")
    OTHER = "other", _("Other")


class ExceptionCase(SourcedRecord):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="exceptions"
    )
    handler = models.ForeignKey(
        Employee,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="exception_cases",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ExceptionKind.choices)
    detected_at = models.DateTimeField(_("detected at"))
    coordination_started_at = models.DateTimeField(
        _("coordination started at"), null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exception case")
        verbose_name_plural = _("exception cases")
        ordering = ["-detected_at"]
        constraints = [
            unique_source_key("exceptioncase"),
            models.CheckConstraint(
                condition=Q(kind__in=ExceptionKind.values),
                name="exception_kind_valid",
                violation_error_message=_("Unknown exception kind."),
            ),
            models.CheckConstraint(
                condition=not_before("coordination_started_at", "detected_at"),
                name="exception_coordination_not_before_detection",
                violation_error_message=_(
                    "Coordination cannot start before the exception was detected."
                ),
            ),
            models.CheckConstraint(
                condition=not_before("resolved_at", "coordination_started_at")
                & requires("resolved_at", "coordination_started_at"),
                name="exception_resolved_after_coordination",
                violation_error_message=_(
                    "An exception can only be resolved after coordination started."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["handler", "detected_at"], name="exception_handler_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.order}"


class Ticket(SourcedRecord):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="tickets"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    contacts_until_resolved = models.PositiveSmallIntegerField(
        _("contacts until resolved"),
        null=True,
        blank=True,
        help_text=_("1 means the ticket was resolved at first contact."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at"]
        constraints = [
            unique_source_key("ticket"),
            models.CheckConstraint(
                condition=not_before("resolved_at", "opened_at"),
                name="ticket_resolved_not_before_opened",
                violation_error_message=_("A ticket cannot be resolved before it was opened."),
            ),
            models.CheckConstraint(
                condition=Q(contacts_until_resolved__isnull=True)
                | Q(contacts_until_resolved__gte=1),
                name="ticket_contacts_at_least_one",
                violation_error_message=_("A resolved ticket took at least one contact."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, contacts_until_resolved__isnull=True)
                | Q(resolved_at__isnull=False, contacts_until_resolved__isnull=False),
                name="ticket_contacts_iff_resolved",
                violation_error_message=_(
                    "The number of contacts is given exactly when the ticket is resolved."
                ),
            ),
        ]
        indexes = [models.Index(fields=["employee", "opened_at"], name="ticket_emp_opened_idx")]

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Suggestion(SourcedRecord):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="suggestions"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("improvement suggestion")
        verbose_name_plural = _("improvement suggestions")
        ordering = ["-submitted_at"]
        constraints = [
            unique_source_key("suggestion"),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values),
                name="suggestion_status_valid",
                violation_error_message=_("Unknown suggestion status."),
            ),
            models.CheckConstraint(
                condition=not_before("decided_at", "submitted_at"),
                name="suggestion_decided_not_before_submitted",
                violation_error_message=_(
                    "A suggestion cannot be decided before it was submitted."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=SuggestionStatus.PENDING) | Q(decided_at__isnull=False),
                name="suggestion_decision_has_time",
                violation_error_message=_(
                    "An accepted or rejected suggestion needs its decision time."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "submitted_at"], name="suggestion_emp_time_idx")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(SourcedRecord):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="trainings"
    )
    course = models.CharField(_("course"), max_length=200)
    is_required = models.BooleanField(_("required"), null=True, blank=True)
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-assigned_on"]
        constraints = [
            unique_source_key("trainingrecord"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("assigned_on")),
                name="training_due_not_before_assigned",
                violation_error_message=_("A training cannot be due before it was assigned."),
            ),
        ]
        indexes = [models.Index(fields=["employee", "due_on"], name="training_emp_due_idx")]

    def __str__(self) -> str:
        return f"{self.course} · {self.employee}"


class PeerReview(SourcedRecord):
    reviewer = models.ForeignKey(
        Employee,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="reviews_given",
    )
    reviewee = models.ForeignKey(
        Employee,
        verbose_name=_("reviewee"),
        on_delete=models.PROTECT,
        related_name="reviews_received",
    )
    period = models.DateField(_("period"), help_text=_("First day of the month reviewed."))
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("peer review")
        verbose_name_plural = _("peer reviews")
        ordering = ["-period"]
        constraints = [
            unique_source_key("peerreview"),
            models.UniqueConstraint(
                fields=["reviewer", "reviewee", "period"],
                name="peer_review_once_per_period",
                violation_error_message=_(
                    "This reviewer already reviewed this colleague for the period."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=F("reviewee")),
                name="peer_review_not_self",
                violation_error_message=_("Nobody reviews themselves."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="peer_review_score_range",
                violation_error_message=_("A peer review score is between 1 and 5."),
            ),
        ]
        indexes = [models.Index(fields=["reviewee", "period"], name="peer_review_reviewee_idx")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.reviewee} ({self.period:%Y-%m})"

    def clean(self) -> None:
        if self.period and self.period.day != 1:
            raise ValidationError({"period": _("A review period starts on the first of a month.")})
