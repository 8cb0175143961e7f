from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from org.models import CompanyDay, Employee, Team


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "parent", "manager", "is_scored"]
    list_filter = ["is_scored", "parent"]
    search_fields = ["name", "manager__name"]
    autocomplete_fields = ["parent", "manager"]


@admin.register(Employee)
class EmployeeAdmin(SimpleHistoryAdmin):
    list_display = [
        "employee_no", "name", "team", "level", "hire_date", "leave_date", "is_active", "user",
    ]  # fmt: skip
    list_filter = ["level", "is_active", "team"]
    search_fields = ["employee_no", "name", "user__username"]
    autocomplete_fields = ["team", "user", "manager"]
    list_select_related = ["team", "user"]
    date_hierarchy = "hire_date"


@admin.register(CompanyDay)
class CompanyDayAdmin(SimpleHistoryAdmin):
    """The company's own holidays and working days, on top of its week and public holidays."""

    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "day"
