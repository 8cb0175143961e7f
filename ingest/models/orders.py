"""The operational records that indicators are computed from, and orders with their nodes.

Every record type that arrives from an ERP or CRM carries ``source`` and ``external_id``: the pair
is unique, so a re-delivered row updates the record instead of duplicating it. Records entered in
perf itself have an empty ``external_id``. Time ordering that the real world guarantees (nothing
happens to an order before the customer submitted it) is enforced by the database. The order of
times that different parties record (the seller approves the payment, the carrier takes the
parcel, the carrier or the customer reports the delivery) is not: real exports break it, so such
a record is kept with data-quality flags (``quality_flags``) that the source's report lists.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.calendar import working_hours_after
from org.models import Customer, Employee

MANUAL_SOURCE = "manual"


def not_before(later: str, earlier: str) -> Q:
    """``later`` is empty or not before ``earlier``."""
    return Q(**{f"{later}__isnull": True}) | Q(**{f"{later}__gte": F(earlier)})


def requires(field: str, prerequisite: str) -> Q:
    """``field`` may only be set once ``prerequisite`` is."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{prerequisite}__isnull": False})


@dataclass(frozen=True)
class TimeOrderRule:
    """Two times recorded by different parties that normally come in this order. A record
    breaking it is kept, flagged with ``code``: when ``later`` precedes ``earlier``, or, for a
    rule ``when_missing``, when ``later`` is given and ``earlier`` is not."""

    code: str
    label: Promise
    earlier: str
    later: str
    when_missing: bool = False

    def broken(self, earlier, later):
        """Whether two instants (missing: NaT) break the rule; element-wise for two Series."""
        if self.when_missing:
            return pd.notna(later) & pd.isna(earlier)
        return (later < earlier) & pd.notna(later) & pd.notna(earlier)


def time_order_flags(rules: Sequence[TimeOrderRule], frame: pd.DataFrame) -> pd.Series:
    """Each row's broken rules (their codes, in rule order), ``None`` for a row breaking none.
    A rule about a column the frame does not have (a field its source does not map) is not
    judged."""
    broken = {
        rule.code: rule.broken(
            pd.to_datetime(frame[rule.earlier], utc=True),
            pd.to_datetime(frame[rule.later], utc=True),
        )
        for rule in rules
        if rule.earlier in frame and rule.later in frame
    }
    flags = np.full(len(frame), None, dtype=object)
    if broken:
        table = np.column_stack([mask.to_numpy(dtype=bool) for mask in broken.values()])
        codes = np.array(list(broken))
        for position in np.flatnonzero(table.any(axis=1)):  # the few flagged rows
            flags[position] = codes[table[position]].tolist()
    return pd.Series(flags, index=frame.index, dtype=object)


def unique_source_key(model_name: str) -> models.UniqueConstraint:
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


ORDER_QUALITY_RULES = (
    # Quotations and drafts exist before the customer submits; some systems also move the order
    # date to the submission (Odoo's date_order).
    TimeOrderRule(
        "created_before_submitted",
        _("Created in the source system before the customer submitted it"),
        earlier="submitted_at",
        later="source_created_at",
    ),
    # Marketplaces hand the parcel to the carrier while the payment is still being approved.
    TimeOrderRule(
        "shipped_before_confirmed",
        _("Shipped before it was confirmed"),
        earlier="confirmed_at",
        later="shipped_at",
    ),
    TimeOrderRule(
        "shipped_unconfirmed",
        _("Shipped without a confirmation time"),
        earlier="confirmed_at",
        later="shipped_at",
        when_missing=True,
    ),
    # The carrier's scan and the seller's hand-over are stamped by different systems' clocks.
    TimeOrderRule(
        "delivered_before_shipped",
        _("Delivered before it shipped"),
        earlier="shipped_at",
        later="delivered_at",
    ),
    TimeOrderRule(
        "delivered_unshipped",
        _("Delivered without a shipping time"),
        earlier="shipped_at",
        later="delivered_at",
        when_missing=True,
    ),
)


# The times the rules compare.
ORDER_TIMES = sorted({name for rule in ORDER_QUALITY_RULES for name in (rule.earlier, rule.later)})


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
    # NULL where no source says: unknown is neither a clean entry nor an error, so the
    # indicators that read these fields leave such an order out (see DESIGN, "Measured").
    entry_errors = models.PositiveSmallIntegerField(
        _("entry errors"),
        null=True,
        blank=True,
        help_text=_("Fields the merchandiser entered wrongly and that had to be corrected."),
    )
    fulfilment_error = models.BooleanField(
        _("fulfilment error"),
        null=True,
        blank=True,
        help_text=_("Wrong item, quantity, specification or address reached the customer."),
    )
    is_returned = models.BooleanField(_("returned"), null=True, blank=True)
    is_refunded = models.BooleanField(_("refunded"), null=True, blank=True)
    has_complaint = models.BooleanField(_("complaint"), null=True, blank=True)
    # Derived from the times above on every save (and by syncs), never entered.
    quality_flags = models.JSONField(
        _("data-quality flags"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The rules on the order of its times that the record breaks (kept, not refused); "
            "not set when it breaks none."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-submitted_at"]
        constraints = [
            unique_source_key("order"),
            models.CheckConstraint(
                condition=not_before("confirmed_at", "submitted_at"),
                name="order_confirmed_not_before_submitted",
                violation_error_message=_(
                    "An order cannot be confirmed before the customer submitted it."
                ),
            ),
            models.CheckConstraint(
                condition=not_before("shipped_at", "submitted_at"),
                name="order_shipped_not_before_submitted",
                violation_error_message=_("An order cannot ship before the customer submitted it."),
            ),
            models.CheckConstraint(
                condition=not_before("delivered_at", "submitted_at"),
                name="order_delivered_not_before_submitted",
                violation_error_message=_(
                    "An order cannot be delivered before the customer submitted it."
                ),
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
            # A source's data-quality report lists its latest flagged orders.
            models.Index(
                fields=["source", "-updated_at"],
                condition=Q(quality_flags__isnull=False),
                name="order_flagged_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id or f"#{self.pk}"

    def save(self, *args, **kwargs) -> None:
        times = {name: pd.Timestamp(getattr(self, name)) for name in ORDER_TIMES}
        broken = [
            rule.code
            for rule in ORDER_QUALITY_RULES
            if rule.broken(times[rule.earlier], times[rule.later])
        ]
        self.quality_flags = broken or None
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "quality_flags"}
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        """The order as pages name it (reads ``customer``): see ``order_text``."""
        return order_text(self.external_id, self.customer.name, self.submitted_at)


# No process node takes a year: longer is an entry error whatever the company (its own, shorter
# limit is PERF_NODE_MAX_HOURS, checked when records arrive).
MAX_NODE_THRESHOLD_HOURS = 8760


def order_text(number: str, customer: str, submitted_at: dt.datetime | None) -> str:
    """An order as people quote it on a page: its number, or (entered in perf, without one) its
    customer and day, never a database id."""
    if number:
        return number
    day = "" if submitted_at is None else f"{timezone.localtime(submitted_at):%Y-%m-%d}"
    return gettext("{customer}, {day} (no order number)").format(customer=customer, day=day)


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
        help_text=_(
            "Start plus threshold in working time (days off skipped): the node is late if not "
            "completed by then."
        ),
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
                condition=not_before("completed_at", "started_at"),
                name="order_node_completed_not_before_started",
                violation_error_message=_("A node cannot be completed before it started."),
            ),
            models.CheckConstraint(
                condition=Q(threshold_hours__gt=0),
                name="order_node_threshold_positive",
                violation_error_message=_("A node's threshold must be a positive number of hours."),
            ),
            models.CheckConstraint(
                condition=Q(threshold_hours__lte=MAX_NODE_THRESHOLD_HOURS),
                name="order_node_threshold_at_most_a_year",
                violation_error_message=_(
                    "A node's threshold is at most 8760 hours (a year); longer is an entry error."
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
        self.due_at = working_hours_after(self.started_at, self.threshold_hours)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "due_at"}
        super().save(*args, **kwargs)
