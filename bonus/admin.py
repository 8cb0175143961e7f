from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from bonus.models import BonusLine, BonusPool, CoefficientOverride, LevelCoefficient
from org.admin_mixins import ReadOnlyAdminMixin


@admin.register(BonusPool)
class BonusPoolAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Pools, coefficients and lines change through their services (pages and API) only."""

    list_display = ["name", "cycle", "amount", "kpi_share", "state", "computed_at"]
    list_filter = ["state", "basis"]
    search_fields = ["name", "cycle__name"]


@admin.register(LevelCoefficient)
class LevelCoefficientAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["pool", "level", "coefficient"]


@admin.register(CoefficientOverride)
class CoefficientOverrideAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["pool", "employee", "coefficient", "set_by", "set_at"]
    search_fields = ["employee__name", "employee__employee_no", "reason"]


@admin.register(BonusLine)
class BonusLineAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["pool", "employee", "rule", "final", "coefficient", "bonus"]
    list_filter = ["rule"]
    search_fields = ["employee__name", "employee__employee_no"]
