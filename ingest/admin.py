from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask
from simple_history.admin import SimpleHistoryAdmin

from frames.queue import QueueUnavailable
from ingest.access import rejected_row_reasons
from ingest.edits import record_in_closed_period, record_save
from ingest.forms import SourceAdminForm
from ingest.models import (
    CorrectionConflict,
    ExceptionCase,
    Feedback,
    FieldHold,
    FollowUp,
    LedgerEntry,
    Order,
    OrderNode,
    PeerReview,
    RejectedRow,
    Source,
    Suggestion,
    SyncRun,
    Ticket,
    TrainingRecord,
)
from ingest.schedules import schedule_describe
from ingest.services import source_sync_now
from ingest.sources import webhook_token_set
from org.admin_mixins import ReadOnlyAdminMixin
from org.models import Customer


class LedgeredRecordAdmin(SimpleHistoryAdmin):
    """An edit in the admin is saved through ``record_save``: its history names the user and
    the ledger gets an entry. A record in a closed period is read-only here: only an approved
    appeal corrects it."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        record_save(
            record=obj,
            actor=f"user:{request.user.pk}",
            user=request.user,
            reason=gettext("Edited in the administration"),
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and record_in_closed_period(obj):
            return False
        return super().has_change_permission(request, obj)


class OrderNodeInline(admin.TabularInline):
    """Shown for reading; nodes are edited on their own page, where edits reach the ledger."""

    model = OrderNode
    extra = 0
    fields = ["node", "started_at", "completed_at", "threshold_hours"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(LedgeredRecordAdmin):
    list_display = [
        "external_id",
        "source",
        "customer",
        "merchandiser",
        "submitted_at",
        "confirmed_at",
        "status",
        "amount",
        "currency",
        "entry_errors",
        "has_complaint",
        "is_returned",
    ]
    list_filter = ["status", "source", "has_complaint", "is_returned", "is_refunded", "currency"]
    search_fields = ["external_id", "customer__name", "merchandiser__name"]
    autocomplete_fields = ["customer", "merchandiser"]
    list_select_related = ["customer", "merchandiser"]
    date_hierarchy = "submitted_at"
    inlines = [OrderNodeInline]


@admin.register(OrderNode)
class OrderNodeAdmin(LedgeredRecordAdmin):
    list_display = ["order", "node", "started_at", "completed_at", "threshold_hours"]
    list_filter = ["node"]
    search_fields = ["order__external_id"]
    raw_id_fields = ["order"]
    list_select_related = ["order"]


@admin.register(FollowUp)
class FollowUpAdmin(LedgeredRecordAdmin):
    list_display = ["employee", "customer", "order", "channel", "occurred_at"]
    list_filter = ["channel", "source"]
    search_fields = ["employee__name", "customer__name", "message", "external_id"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["employee", "customer"]
    list_select_related = ["employee", "customer", "order"]
    date_hierarchy = "occurred_at"


@admin.register(Feedback)
class FeedbackAdmin(LedgeredRecordAdmin):
    list_display = ["customer", "employee", "order", "csat", "nps", "submitted_at"]
    list_filter = ["csat", "source"]
    search_fields = ["customer__name", "employee__name", "comment", "external_id"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["employee", "customer"]
    list_select_related = ["employee", "customer", "order"]
    date_hierarchy = "submitted_at"


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(LedgeredRecordAdmin):
    list_display = [
        "order",
        "kind",
        "handler",
        "detected_at",
        "coordination_started_at",
        "resolved_at",
    ]
    list_filter = ["kind", "source"]
    search_fields = ["order__external_id", "handler__name", "external_id"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["handler"]
    list_select_related = ["order", "handler"]
    date_hierarchy = "detected_at"


@admin.register(Ticket)
class TicketAdmin(LedgeredRecordAdmin):
    list_display = [
        "subject",
        "employee",
        "customer",
        "opened_at",
        "resolved_at",
        "contacts_until_resolved",
    ]
    list_filter = ["contacts_until_resolved", "source"]
    search_fields = ["subject", "employee__name", "customer__name", "external_id"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["employee", "customer"]
    list_select_related = ["employee", "customer"]
    date_hierarchy = "opened_at"


@admin.register(Suggestion)
class SuggestionAdmin(LedgeredRecordAdmin):
    list_display = ["title", "employee", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["title", "description", "employee__name"]
    autocomplete_fields = ["employee"]
    list_select_related = ["employee"]
    date_hierarchy = "submitted_at"


@admin.register(TrainingRecord)
class TrainingRecordAdmin(LedgeredRecordAdmin):
    list_display = ["course", "employee", "is_required", "assigned_on", "due_on", "completed_at"]
    list_filter = ["is_required", "course"]
    search_fields = ["course", "employee__name"]
    autocomplete_fields = ["employee"]
    list_select_related = ["employee"]
    date_hierarchy = "due_on"


@admin.register(PeerReview)
class PeerReviewAdmin(LedgeredRecordAdmin):
    list_display = ["reviewer", "reviewee", "period", "score"]
    list_filter = ["score", "period"]
    search_fields = ["reviewer__name", "reviewee__name", "comment"]
    autocomplete_fields = ["reviewer", "reviewee"]
    list_select_related = ["reviewer", "reviewee"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    form = SourceAdminForm
    list_display = ["name", "kind", "enabled", "schedule_words", "has_webhook_token"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    list_select_related = ["schedule__crontab", "schedule__interval"]
    raw_id_fields = ["schedule"]
    readonly_fields = ["cursors", "has_webhook_token"]
    actions = ["sync_now", "new_webhook_token"]

    def save_model(self, request: HttpRequest, obj: Source, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for note in getattr(form, "sample_notes", []):
            self.message_user(request, note, messages.WARNING)

    @admin.display(description=_("schedule"))
    def schedule_words(self, source: Source) -> str:
        """When the source syncs, in words (not the periodic task's key and crontab)."""
        if source.schedule is None:
            return "—"
        return schedule_describe(source.schedule, source_names={}, now=timezone.now()).when

    @admin.display(boolean=True, description=_("webhook token"))
    def has_webhook_token(self, source: Source) -> bool:
        return bool(source.webhook_token_hash)

    @admin.action(description=_("Sync the selected sources now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset:
            if not source.enabled:
                self.message_user(
                    request,
                    gettext("%(source)s is disabled: enable it first.") % {"source": source},
                    messages.WARNING,
                )
                continue
            try:
                run = source_sync_now(source=source, user=request.user)
            except QueueUnavailable:
                self.message_user(
                    request,
                    gettext(
                        "%(source)s: the task queue cannot be reached right now, so the sync "
                        "was not started. Try again in a few minutes."
                    )
                    % {"source": source},
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                format_html(
                    '{}: <a href="{}">{}</a>',
                    source,
                    reverse("ingest:run_detail", kwargs={"run_id": run.pk}),
                    gettext("sync run %(id)s") % {"id": run.pk},
                ),
            )

    @admin.action(description=_("Give the selected sources a new webhook token"))
    def new_webhook_token(self, request: HttpRequest, queryset: QuerySet[Source]):
        """Replace the tokens and show the new ones on a page of their own, once: only their
        hashes are kept, and a message would carry them through the session or a cookie."""
        tokens = [
            (
                source,
                webhook_token_set(source=source),
                request.build_absolute_uri(
                    reverse("api-source-webhook", kwargs={"source_id": source.pk})
                ),
            )
            for source in queryset
        ]
        return TemplateResponse(
            request,
            "ingest/webhook_tokens.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("New webhook tokens"),
                "tokens": tokens,
            },
        )


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What syncs wrote is a record of what happened: viewed, never changed here."""


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "source",
        "trigger",
        "status",
        "created_at",
        "finished_at",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "skipped",
        "several_responsible",
        "held",
    ]
    list_filter = ["status", "trigger", "source"]
    search_fields = ["source__name", "error", "warning"]
    list_select_related = ["source"]
    date_hierarchy = "created_at"


@admin.register(RejectedRow)
class RejectedRowAdmin(ReadOnlyAdmin):
    list_display = ["run", "record_type", "row_number", "external_id", "why", "resolved"]
    list_filter = ["resolved", "record_type"]
    search_fields = ["external_id", "run__source__name"]
    list_select_related = ["run__source"]

    @admin.display(description=_("reasons"))
    def why(self, row: RejectedRow) -> str:
        """The reasons worded in the reader's language (they are stored as codes)."""
        return "; ".join(
            f"{reason['field_label']}: {reason['message']}"
            if reason["field"]
            else reason["message"]
            for reason in rejected_row_reasons(row)
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "record_type", "record_id", "action", "actor", "recorded_at"]
    list_filter = ["record_type", "action"]
    search_fields = ["actor", "entry_hash", "content_hash"]
    date_hierarchy = "recorded_at"
    # The chain grows with every record written: no full count on each page.
    show_full_result_count = False


@admin.register(FieldHold)
class FieldHoldAdmin(ReadOnlyAdmin):
    """Held by approved appeals, ended by syncs and HR's decisions on the sources pages."""

    list_display = [
        "record_type",
        "record_id",
        "field_name",
        "value_text",
        "appeal_number",
        "created_at",
        "ended_at",
        "end",
    ]
    list_filter = ["record_type", "end"]
    search_fields = ["value_text"]


@admin.register(CorrectionConflict)
class CorrectionConflictAdmin(ReadOnlyAdmin):
    """Decided on the sources pages and through the API, where accepting rescores."""

    list_display = ["hold", "source_text", "run", "detected_at", "state", "decided_by"]
    list_filter = ["state"]
    search_fields = ["source_text", "hold__value_text"]
    list_select_related = ["hold", "run__source", "decided_by"]


# Customers are org's, but arrive through sources and are ledgered like any record.
@admin.register(Customer)
class CustomerAdmin(LedgeredRecordAdmin):
    list_display = ["external_id", "name", "tier", "customer_since"]
    list_filter = ["tier"]
    search_fields = ["external_id", "name"]
    date_hierarchy = "customer_since"


# The admin's list of periodic tasks reads as the admin home does: each task described in the
# active language, with its next run, instead of its stored key and a raw crontab.
admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    list_display = ("described", "enabled", "last_run_at", "next_run", "one_off")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PeriodicTask]:
        # The synced source's name with each task, for its description (no query per row).
        source = Source.objects.filter(schedule=OuterRef("pk")).values("name")[:1]
        return super().get_queryset(request).annotate(source_name=Subquery(source))

    def _schedule(self, task: PeriodicTask):
        names = {task.pk: task.source_name} if getattr(task, "source_name", None) else {}
        return schedule_describe(task, source_names=names, now=timezone.now())

    @admin.display(description=_("What runs, and when"), ordering="name")
    def described(self, task: PeriodicTask) -> str:
        return self._schedule(task).description

    @admin.display(description=_("Next run"))
    def next_run(self, task: PeriodicTask):
        return self._schedule(task).next_run_at or "—"
