from django.contrib import admin

from org.admin_mixins import ReadOnlyAdminMixin
from scoring.models import PeriodReopening


@admin.register(PeriodReopening)
class PeriodReopeningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reopenings are made and closed on the score runs page, which checks them; here they are
    the record."""

    list_display = ["period_start", "period_kind", "reason", "reopened_by", "reopened_at"]
    list_filter = ["period_kind"]
    search_fields = ["reason"]
    date_hierarchy = "reopened_at"
