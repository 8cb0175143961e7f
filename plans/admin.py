from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from org.admin_mixins import ReadOnlyAdminMixin
from plans.models import CheckIn, CoachingNote, ImprovementPlan


# Read-only, for their history: plans and notes change through their services (pages and API).
@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["employee", "mentor", "start", "end", "state", "outcome"]
    list_filter = ["state", "outcome"]
    search_fields = ["employee__name", "employee__employee_no"]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["plan", "day", "author"]


@admin.register(CoachingNote)
class CoachingNoteAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["employee", "day", "author"]
    search_fields = ["employee__name", "employee__employee_no"]
