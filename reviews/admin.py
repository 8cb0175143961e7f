from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from org.admin_mixins import ReadOnlyAdminMixin
from reviews.models import CycleResult, Incident, Review, ReviewCycle, ReviewTemplate


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Cycles, reviews and results change through their services (pages and API) only."""

    list_display = ["name", "kind", "first_period", "last_period", "state"]
    list_filter = ["state", "kind"]


@admin.register(ReviewTemplate)
class ReviewTemplateAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["cycle", "level", "self_review_weight"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["cycle", "employee", "kind", "reviewer", "state", "submitted_at"]
    list_filter = ["kind", "state"]
    search_fields = ["employee__name", "employee__employee_no"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["employee", "day", "author"]
    search_fields = ["employee__name", "employee__employee_no", "note"]


@admin.register(CycleResult)
class CycleResultAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["cycle", "employee", "final", "grade", "calibrated_grade", "acknowledged_at"]
    list_filter = ["grade", "calibrated_grade"]
    search_fields = ["employee__name", "employee__employee_no"]
