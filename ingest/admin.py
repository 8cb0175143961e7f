from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ingest.models import (
    ExceptionCase,
    Feedback,
    FollowUp,
    Order,
    OrderNode,
    PeerReview,
    Suggestion,
    Ticket,
    TrainingRecord,
)


class OrderNodeInline(admin.TabularInline):
    model = OrderNode
    extra = 0
    fields = ["node", "started_at", "completed_at", "threshold_hours"]


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
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
class OrderNodeAdmin(SimpleHistoryAdmin):
    list_display = ["order", "node", "started_at", "completed_at", "threshold_hours"]
    list_filter = ["node"]
    search_fields = ["order__external_id"]
    raw_id_fields = ["order"]
    list_select_related = ["order"]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["employee", "customer", "order", "channel", "occurred_at"]
    list_filter = ["channel", "source"]
    search_fields = ["employee__name", "customer__name", "message", "external_id"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["employee", "customer"]
    list_select_related = ["employee", "customer", "order"]
    date_hierarchy = "occurred_at"


@admin.register(Feedback)
class FeedbackAdmin(SimpleHistoryAdmin):
    list_display = ["customer", "employee", "order", "csat", "nps", "submitted_at"]
    list_filter = ["csat", "source"]
    search_fields = ["customer__name", "employee__name", "comment", "external_id"]
    raw_id_fields = ["order"]
    autocomplete_fields = ["employee", "customer"]
    list_select_related = ["employee", "customer", "order"]
    date_hierarchy = "submitted_at"


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(SimpleHistoryAdmin):
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
class TicketAdmin(SimpleHistoryAdmin):
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
class SuggestionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "employee", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["title", "description", "employee__name"]
    autocomplete_fields = ["employee"]
    list_select_related = ["employee"]
    date_hierarchy = "submitted_at"


@admin.register(TrainingRecord)
class TrainingRecordAdmin(SimpleHistoryAdmin):
    list_display = ["course", "employee", "is_required", "assigned_on", "due_on", "completed_at"]
    list_filter = ["is_required", "course"]
    search_fields = ["course", "employee__name"]
    autocomplete_fields = ["employee"]
    list_select_related = ["employee"]
    date_hierarchy = "due_on"


@admin.register(PeerReview)
class PeerReviewAdmin(SimpleHistoryAdmin):
    list_display = ["reviewer", "reviewee", "period", "score"]
    list_filter = ["score", "period"]
    search_fields = ["reviewer__name", "reviewee__name", "comment"]
    autocomplete_fields = ["reviewer", "reviewee"]
    list_select_related = ["reviewer", "reviewee"]
