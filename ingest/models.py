"""The operational records that indicators are computed from.

Every record type that arrives from an ERP or CRM carries ``source`` and ``external_id``: the pair
is unique, so a re-delivered row updates the record instead of duplicating it. Records entered in
perf itself have an empty ``external_id``. Time ordering that the real world guarantees (a
confirmation cannot precede the customer's submission) is enforced by the database.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Customer, Employee

MANUAL_SOURCE = "manual"


def _not_before(later: str, earlier: str) -> Q:
    """``later`` is empty or not before ``earlier``."""
    return Q(**{f"{later}__isnull": True}) | Q(**{f"{later}__gte": F(earlier)})


def _requires(field: str, prerequisite: str) -> Q:
    """``field`` may only be set once ``prerequisite`` is."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{prerequisite}__isnull": False})


def _unique_source_key(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["source", "external_id"],
        condition=~Q(external_id=""),
        name=f"{model_name}_source_external_id_uniq",
        violation_error_message=_("A record with this source and external id already exists."),
    )


class SourcedRecord(models.Model):
    source = models.CharField(
        _("source"),
        max_length=64,
        default=MANUAL_SOURCE,
        help_text=_("The system the record came from."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=128,
        blank=True,
        help_text=_("The record's id in its source system; empty for records entered in perf."),
    )
    created_at = models.DateTimeField(_("created in perf"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated in perf"), auto_now=True)

    class Meta:
        abstract = True


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(SourcedRecord):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    merchandiser = models.ForeignKey(
        Employee, verbose_name=_("merchandiser"), on_delete=models.PROTECT, related_name="orders"
    )
    submitted_at = models.DateTimeField(
        _("customer submitted at"),
        help_text=_(
            "The moment the customer clicked submit. Response time runs from here, "
            "not from the time the order was created in the source system."
        ),
    )
    source_created_at = models.DateTimeField(_("created in source system at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED
    )
    entry_errors = models.PositiveSmallIntegerField(
        _("entry errors"),
        default=0,
        help_text=_("Fields the merchandiser entered wrongly and that had to be corrected."),
    )
    fulfilment_error = models.BooleanField(
        _("fulfilment error"),
        default=False,
        help_text=_("Wrong item, quantity, specification or address reached the customer."),
    )
    is_returned = models.BooleanField(_("returned"), default=False)
    is_refunded = models.BooleanField(_("refunded"), default=False)
    has_complaint = models.BooleanField(_("complaint"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-submitted_at"]
        constraints = [
            _unique_source_key("order"),
            models.CheckConstraint(
                condition=Q(source_created_at__gte=F("submitted_at")),
                name="order_created_not_before_submitted",
                violation_error_message=_(
                    "The source system cannot have created the order before the customer "
                    "submitted it."
                ),
            ),
            models.CheckConstraint(
                condition=_not_before("confirmed_at", "submitted_at"),
                name="order_confirmed_not_before_submitted",
                violation_error_message=_(
                    "An order cannot be confirmed before the customer submitted it."
                ),
            ),
            models.CheckConstraint(
                condition=_not_before("shipped_at", "confirmed_at")
                & _requires("shipped_at", "confirmed_at"),
                name="order_shipped_after_confirmed",
                violation_error_message=_("An order can only ship after it was confirmed."),
            ),
            models.CheckConstraint(
                condition=_not_before("delivered_at", "shipped_at")
                & _requires("delivered_at", "shipped_at"),
                name="order_delivered_after_shipped",
                violation_error_message=_("An order can only be delivered after it shipped."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="order_amount_not_negative",
                violation_error_message=_("An order's amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values),
                name="order_status_valid",
                violation_error_message=_("Unknown order status."),
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="order_delivered_status_has_time",
                violation_error_message=_("A delivered order needs its delivery time."),
            ),
        ]
        indexes = [
            # Calculators read one merchandiser's (or everyone's) orders of a period.
            models.Index(fields=["submitted_at"], name="order_submitted_idx"),
            models.Index(fields=["merchandiser", "submitted_at"], name="order_merch_submitted_idx"),
            # Retention indicators look up a customer's order history.
            models.Index(fields=["customer", "submitted_at"], name="order_customer_submitted_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id or f"#{self.pk}"


MAX_NODE_THRESHOLD_HOURS = 744


class ProcessNode(models.TextChoices):
    """The eight nodes every order passes, in their order."""

    REQUIREMENT = "requirement", _("Requirement confirmation")
    STOCK_CHECK = "stock_check", _("Stock check")
    PRODUCTION = "production", _("Purchasing / production")
    QUALITY_CHECK = "quality_check", _("Quality check")
    LOGISTICS = "logistics", _("Logistics booking")
    SHIPMENT = "shipment", _("Shipment")
    TRANSIT = "transit", _("In transit / customs")
    DELIVERY = "delivery", _("Delivery confirmation")


class OrderNode(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="nodes"
    )
    node = models.CharField(_("node"), max_length=16, choices=ProcessNode.choices)
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    threshold_hours = models.DecimalField(
        _("threshold (hours)"),
        max_digits=7,
        decimal_places=2,
        help_text=_("The node is late when it takes longer than this."),
    )
    due_at = models.DateTimeField(
        _("due at"),
        editable=False,
        help_text=_("Start plus threshold: the node is late if not completed by then."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order node")
        verbose_name_plural = _("order nodes")
        ordering = ["order", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "node"],
                name="order_node_once_per_order",
                violation_error_message=_("This order already has this node."),
            ),
            models.CheckConstraint(
                condition=Q(node__in=ProcessNode.values),
                name="order_node_valid",
                violation_error_message=_("Unknown process node."),
            ),
            models.CheckConstraint(
                condition=_not_before("completed_at", "started_at"),
                name="order_node_completed_not_before_started",
                violation_error_message=_("A node cannot be completed before it started."),
            ),
            models.CheckConstraint(
                condition=Q(threshold_hours__gt=0),
                name="order_node_threshold_positive",
                violation_error_message=_("A node's threshold must be a positive number of hours."),
            ),
            # Calculators look back this far for nodes whose deadline falls in a period.
            models.CheckConstraint(
                condition=Q(threshold_hours__lte=MAX_NODE_THRESHOLD_HOURS),
                name="order_node_threshold_at_most_a_month",
                violation_error_message=_(
                    "A node's threshold is at most 744 hours (31 days); longer is an entry error."
                ),
            ),
        ]
        indexes = [
            # The node on-time rate reads the nodes due in a period.
            models.Index(fields=["due_at"], name="order_node_due_idx"),
            # The node-timeout warning lists nodes still open.
            models.Index(
                fields=["started_at"],
                condition=Q(completed_at__isnull=True),
                name="order_node_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.get_node_display()}"

    def save(self, *args, **kwargs) -> None:
        self.due_at = self.started_at + dt.timedelta(hours=float(self.threshold_hours))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "due_at"}
        super().save(*args, **kwargs)


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
            _unique_source_key("followup"),
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
            _unique_source_key("feedback"),
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
            _unique_source_key("exceptioncase"),
            models.CheckConstraint(
                condition=Q(kind__in=ExceptionKind.values),
                name="exception_kind_valid",
                violation_error_message=_("Unknown exception kind."),
            ),
            models.CheckConstraint(
                condition=_not_before("coordination_started_at", "detected_at"),
                name="exception_coordination_not_before_detection",
                violation_error_message=_(
                    "Coordination cannot start before the exception was detected."
                ),
            ),
            models.CheckConstraint(
                condition=_not_before("resolved_at", "coordination_started_at")
                & _requires("resolved_at", "coordination_started_at"),
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
            _unique_source_key("ticket"),
            models.CheckConstraint(
                condition=_not_before("resolved_at", "opened_at"),
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
            _unique_source_key("suggestion"),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values),
                name="suggestion_status_valid",
                violation_error_message=_("Unknown suggestion status."),
            ),
            models.CheckConstraint(
                condition=_not_before("decided_at", "submitted_at"),
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
    is_required = models.BooleanField(_("required"), default=True)
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-assigned_on"]
        constraints = [
            _unique_source_key("trainingrecord"),
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
            _unique_source_key("peerreview"),
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


class SourceKind(models.TextChoices):
    REST = "rest", _("REST / JSON API")
    SQL = "sql", _("SQL database")
    FILE = "file", _("CSV / XLSX file")


class Source(models.Model):
    """A system perf pulls records from, and how its rows become perf's records.

    ``config`` holds the connection (URL, database or file; see ``ingest.connectors``); secrets are
    named by environment variable (``*_env`` keys), never stored. ``mappings`` holds, per record
    type, what to fetch and how each source field becomes a perf field (see ``ingest.records``).
    ``cursors`` holds the incremental cursor of each record type, advanced only after a batch
    commits.
    """

    name = models.CharField(_("name"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=SourceKind.choices)
    config = models.JSONField(_("connection settings"), default=dict, blank=True)
    mappings = models.JSONField(_("mappings"), default=dict, blank=True)
    cursors = models.JSONField(_("cursors"), default=dict, blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    schedule = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        verbose_name=_("schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The periodic task that syncs this source; edit its timing in Periodic tasks."),
    )
    webhook_token_hash = models.CharField(
        _("webhook token (hashed)"), max_length=128, blank=True, editable=False
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values),
                name="source_kind_valid",
                violation_error_message=_("Unknown source kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SyncStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Sync now")
    UPLOAD = "upload", _("File upload")
    WEBHOOK = "webhook", _("Webhook")
    REPLAY = "replay", _("Replay of rejected rows")


class SyncRun(models.Model):
    """One pull (or push) of a source: what arrived and what became of it."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="runs"
    )
    trigger = models.CharField(
        _("trigger"), max_length=16, choices=SyncTrigger.choices, default=SyncTrigger.SCHEDULE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    fetched = models.PositiveIntegerField(_("fetched"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    batches = models.PositiveIntegerField(_("batches committed"), default=0)
    record_type = models.CharField(_("current record type"), max_length=32, blank=True)
    periods = models.JSONField(
        _("months touched"),
        default=list,
        blank=True,
        help_text=_("Months (YYYY-MM) whose records the run created or changed: rescored after."),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-created_at"]
        indexes = [
            # The sources page shows each source's latest run.
            models.Index(fields=["source", "-created_at"], name="syncrun_source_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class RejectedRow(models.Model):
    """A row that did not become a record, kept as it arrived with every reason, to be replayed
    once the mapping or the reference data (a missing employee, say) is fixed."""

    run = models.ForeignKey(
        SyncRun, verbose_name=_("sync run"), on_delete=models.CASCADE, related_name="rejected_rows"
    )
    record_type = models.CharField(_("record type"), max_length=32)
    row_number = models.PositiveIntegerField(_("row"))
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    raw = models.JSONField(_("row as received"))
    reasons = models.JSONField(
        _("reasons"), help_text=_("A list of {field, message} pairs: every problem of the row.")
    )
    replayed_by = models.ForeignKey(
        SyncRun,
        verbose_name=_("replayed in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replayed_rows",
    )
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["run", "record_type", "row_number"]
        indexes = [
            # "Replay" picks a source's unresolved rows.
            models.Index(fields=["resolved", "run"], name="rejectedrow_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.record_type} #{self.row_number}"


class LedgerAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class LedgerEntry(models.Model):
    """One append-only link of the tamper-evident chain: a record's canonical content as written,
    by whom, hashed together with the previous entry's hash. Changing a record without a new
    entry, or rewriting an entry, breaks the chain at that point (``manage.py verify_ledger``)."""

    record_type = models.CharField(_("record type"), max_length=32)
    record_id = models.BigIntegerField(_("record id"))
    action = models.CharField(_("action"), max_length=8, choices=LedgerAction.choices)
    # Text, not JSON: the exact canonical form that was hashed, stored as it was hashed.
    content = models.TextField(_("content (canonical JSON)"))
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    previous_hash = models.CharField(_("previous entry SHA-256"), max_length=64)
    entry_hash = models.CharField(_("entry SHA-256"), max_length=64, unique=True)
    actor = models.CharField(_("actor"), max_length=128)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [
            # Verification and a record's audit trail look up a record's latest entry.
            models.Index(fields=["record_type", "record_id", "-id"], name="ledger_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} #{self.record_id} · {self.action}"
