"""In-app notices to a person about their own work: a process node of one of their orders about
to time out, or timed out. Raised by a scheduled job (``notices.services``), each kind at most
once per node and person."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ingest.models import OrderNode


class NoticeKind(models.TextChoices):
    NODE_DUE_SOON = "node_due_soon", _("Node about to time out")
    NODE_OVERDUE = "node_overdue", _("Node timed out")


class Notice(models.Model):
    """A notice is a message derived from a node and the clock, written in bulk by the job: no
    history rows (``bulk_create`` writes none, and the row itself records when it was raised and
    read), as appeals' notifications."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    node = models.ForeignKey(
        OrderNode, verbose_name=_("order node"), on_delete=models.CASCADE, related_name="notices"
    )
    # Set by the job to the instant it looked (the same for every notice of one run).
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The job runs every few minutes over every open node: a node raises each kind once.
            models.UniqueConstraint(
                fields=["recipient", "node", "kind"], name="notice_once_per_node_and_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
        ]
        indexes = [
            # The header counts a user's unread notices on every page.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notice_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_kind_display()} · {self.node}"
