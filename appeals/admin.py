from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from appeals.models import Appeal, Correction


@admin.register(Appeal)
class AppealAdmin(SimpleHistoryAdmin):
    """Read-only: appeals move through their workflow (pages and API), never by editing."""

    list_display = ["id", "employee", "subject_kind", "field_name", "state", "due_at"]
    list_filter = ["state", "category", "subject_kind"]
    search_fields = ["employee__name", "employee__employee_no", "description"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["appeal", "record_type", "record_id", "field_name", "old_value", "new_value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
