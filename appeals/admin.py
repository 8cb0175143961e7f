from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from appeals.models import Appeal, Correction
from org.admin_mixins import ReadOnlyAdminMixin


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Appeals move through their workflow (pages and API), never by editing."""

    list_display = ["id", "employee", "subject_kind", "field_name", "state", "due_at"]
    list_filter = ["state", "category", "subject_kind"]
    search_fields = ["employee__name", "employee__employee_no", "description"]


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["appeal", "record_type", "record_id", "field_name", "old_value", "new_value"]
