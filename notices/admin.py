from django.contrib import admin

from notices.models import Notice
from org.admin_mixins import ReadOnlyAdminMixin


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Notices are raised by the job and read by their recipient, never edited."""

    list_display = ["recipient", "kind", "node", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "node__order"]
