"""Where records come from and what became of them: sources (connection settings, field
mappings, cursors), their sync runs, the rows they refused, and the tamper-evident ledger."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


# A run not finished yet, and the triggers of a pull (the source read from its cursors).
ACTIVE_SYNC_STATUSES = [SyncStatus.QUEUED.value, SyncStatus.RUNNING.value]
PULL_TRIGGERS = [SyncTrigger.SCHEDULE.value, SyncTrigger.MANUAL.value]


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
    skipped = models.PositiveIntegerField(
        _("skipped"),
        default=0,
        help_text=_("Source rows the mapping's filter left out: neither written nor rejected."),
    )
    several_responsible = models.PositiveIntegerField(
        _("with several responsible people"),
        default=0,
        help_text=_(
            "Records whose responsible person the mapping's rule picked among several "
            "candidates (an order whose item lines have two sellers)."
        ),
    )
    batches = models.PositiveIntegerField(_("batches committed"), default=0)
    flagged = models.PositiveIntegerField(
        _("kept with data-quality flags"),
        default=0,
        help_text=_("Records taken although their times broke a rule on their order."),
    )
    local_times_resolved = models.PositiveIntegerField(
        _("local times resolved (daylight saving)"),
        default=0,
        help_text=_(
            "Local times the time zone repeats or skips, read by the stated rule: a repeated "
            "time as its first occurrence, a skipped time shifted forward by the gap."
        ),
    )
    held = models.PositiveIntegerField(
        _("held at corrected values"),
        default=0,
        help_text=_(
            "Source values not written because an approved appeal corrected the field: each is "
            "listed as a conflict with the correction for HR to accept or dismiss."
        ),
    )
    record_type = models.CharField(_("current record type"), max_length=32, blank=True)
    periods = models.JSONField(
        _("months touched"),
        default=list,
        blank=True,
        help_text=_("Months (YYYY-MM) whose records the run created or changed: rescored after."),
    )
    error = models.TextField(_("error"), blank=True)
    warning = models.TextField(
        _("warning"),
        blank=True,
        help_text=_(
            "What failed after the records were committed (rescoring the months, say): the run "
            "still succeeded."
        ),
    )
    # Written as the run works (each batch; frames.heartbeat): the sweep takes a run whose
    # heartbeat stopped for dead (ingest.stalls).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(
        _("times queued again"),
        default=0,
        help_text=_("A pull whose worker stopped is queued again once, then failed."),
    )

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-created_at"]
        constraints = [
            # One active pull per source: "Sync now" or the schedule while one runs joins it
            # (ingest.services.sync_run_open). Pushes, uploads and replays run beside pulls.
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=ACTIVE_SYNC_STATUSES, trigger__in=PULL_TRIGGERS),
                name="syncrun_one_active_pull",
                violation_error_message=_("A sync of this source is under way."),
            ),
        ]
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
    # Each a message code and its parameters, worded when read (``org.reasons``); rows kept
    # before codes hold the message as it was worded then.
    reasons = models.JSONField(
        _("reasons"), help_text=_("Every problem of the row: the field at fault and why.")
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
    # Rows written before the ledger covered them, entered by ``verify_ledger --adopt``.
    ADOPTED = "adopted", _("Adopted")
    # A score row as a run published it (or re-ranked it).
    PUBLISHED = "published", _("Published")
    # HR kept an appeal's correction over a different value the source sent (the record as
    # it stands, with the deciding user as actor).
    KEPT = "kept", _("Correction kept")


class LedgerEntry(models.Model):
    """One append-only link of the tamper-evident chain: a record's (or published score row's)
    canonical content as written, by whom, with an HMAC (``PERF_LEDGER_KEY``) over the previous
    entry's. Changing a row without a new entry, or rewriting, adding or deleting entries, is
    found by ``manage.py verify_ledger`` (the chain's head is also kept outside the database)."""

    record_type = models.CharField(_("record type"), max_length=32)
    record_id = models.BigIntegerField(_("record id"))
    action = models.CharField(_("action"), max_length=16, choices=LedgerAction.choices)
    # Text, not JSON: the exact canonical form that was hashed, stored as it was hashed.
    content = models.TextField(_("content (canonical JSON)"))
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    previous_hash = models.CharField(_("previous entry HMAC-SHA256"), max_length=64)
    # Not indexed: nothing looks an entry up by its HMAC, and a unique index on random 64-character
    # keys (and Django's pattern index beside it) took four fifths of the time a sync spent
    # writing its entries. A repeated or forked entry breaks the chain, which verification walks.
    entry_hash = models.CharField(_("entry HMAC-SHA256"), max_length=64)
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
