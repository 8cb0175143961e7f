from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators import services
from indicators.models import ComplianceRule, IndicatorDefinition, SchemeWeight, WeightScheme
from indicators.selectors import catalog_editable_by
from org.admin_mixins import ReadOnlyAdminMixin


class CatalogAdmin(SimpleHistoryAdmin):
    """Who may see and change the catalog is decided by ``catalog_editable_by``, as in the API and
    the pages, not by Django's per-model permissions."""

    def has_module_permission(self, request) -> bool:
        return catalog_editable_by(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return catalog_editable_by(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return catalog_editable_by(request.user)

    def has_add_permission(self, request) -> bool:
        return catalog_editable_by(request.user)


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(CatalogAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "tier",
        "direction",
        "normalisation",
        "baseline",
        "target",
        "floor",
        "floor_vetoes",
        "min_volume",
        "is_active",
    ]
    list_filter = ["tier", "normalisation", "floor_vetoes", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["code", "calculator", "tier"]

    def has_add_permission(self, request) -> bool:
        # An indicator needs a calculator in code; the catalog grows with releases.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Past scores refer to indicators: retire one by deactivating it.
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.indicator_update(
            indicator=obj,
            user=request.user,
            changes={field: form.cleaned_data[field] for field in form.changed_data},
        )


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(CatalogAdmin):
    list_display = ["element", "language", "kind", "pattern", "is_active"]
    list_filter = ["element", "language", "kind", "is_active"]
    search_fields = ["pattern"]
    list_editable = ["is_active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Switch a rule off instead: its history explains past compliance figures.
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.compliance_rule_save(rule=obj, user=request.user)


class SchemeWeightInline(admin.TabularInline):
    model = SchemeWeight
    fields = ["indicator", "tier_weight", "local_weight", "global_weight"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WeightScheme)
class WeightSchemeAdmin(ReadOnlyAdminMixin, CatalogAdmin):
    """Read-only here: schemes are edited in the weight editor, which checks consistency."""

    list_display = ["name", "level", "version", "status", "effective_from", "entropy_alpha"]
    list_filter = ["level", "status"]
    inlines = [SchemeWeightInline]
