from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from indicators import services
from indicators.models import (
    VERSIONED_FIELDS,
    ComplianceRule,
    IndicatorDefinition,
    IndicatorSetting,
    SchemePilot,
    SchemeWeight,
    WeightScheme,
)
from indicators.selectors import catalog_editable_by, indicator_settings_on
from org.admin_mixins import ReadOnlyAdminMixin
from org.models import Level


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


class IndicatorForm(forms.ModelForm):
    """The definition plus when its changed scoring settings take effect, and why (the admin
    adds the model's fields)."""

    effective_from = forms.DateField(
        label=_("Scoring changes take effect from"),
        required=False,
        widget=AdminDateWidget,
        help_text=_(
            "Changes to whether the indicator is active and to how it is scored (direction, "
            "normalisation, baseline, target, step, floor, veto) apply to the periods from this "
            "date on; earlier periods keep the settings of their time. Names and texts change "
            "at once."
        ),
    )
    change_reason = forms.CharField(
        label=_("Reason for the change"), required=False, max_length=300
    )
    # A box per level instead of the model's JSON list; the errors name the field, as the
    # admin shows a form's errors at the top too.
    levels = forms.MultipleChoiceField(
        label=_("Applies to levels"),
        choices=Level.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=IndicatorDefinition._meta.get_field("levels").help_text,
        error_messages={
            "required": _("Applies to levels: choose at least one level."),
            "invalid_choice": _("Applies to levels: %(value)s is not a level."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = services.catalog_first_open_day()

    def clean_levels(self) -> list[str]:
        chosen = set(self.cleaned_data["levels"])
        return [level for level in Level.values if level in chosen]  # juniors first, as stored

    def clean(self) -> dict:
        cleaned = super().clean()
        day = cleaned.get("effective_from")
        if day and set(self.changed_data) & set(VERSIONED_FIELDS):
            try:
                services.catalog_change_date_check(day)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class IndicatorSettingInline(admin.TabularInline):
    """The indicator's dated settings: what changed from when, who changed it and why."""

    model = IndicatorSetting
    fields = ["effective_from", *VERSIONED_FIELDS, "reason", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-effective_from"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("Scoring settings by date")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(CatalogAdmin):
    form = IndicatorForm
    inlines = [IndicatorSettingInline]
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

    def get_object(self, request, object_id, from_field=None):
        indicator = super().get_object(request, object_id, from_field)
        if indicator is not None:
            # The form shows, and a change is compared with, the settings in force from the
            # default date (the definition holds its latest version's, maybe still to come);
            # every dated version is listed below the form.
            in_force = indicator_settings_on(indicator, services.catalog_first_open_day())
            for name, value in in_force.items():
                setattr(indicator, name, value)
        return indicator

    def save_model(self, request, obj, form, change) -> None:
        extra = ("effective_from", "change_reason")
        services.indicator_update(
            indicator=obj,
            user=request.user,
            changes={
                field: form.cleaned_data[field] for field in form.changed_data if field not in extra
            },
            effective_from=form.cleaned_data.get("effective_from"),
            reason=form.cleaned_data.get("change_reason", ""),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checks the date; carrying a change into later dated versions can still break
        # one of them (its target would fall behind its baseline): say so instead of a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(CatalogAdmin):
    list_display = ["element", "language", "kind", "pattern", "description_zh", "is_active"]
    list_filter = ["element", "language", "kind", "is_active"]
    search_fields = ["pattern", "description_zh", "description_en"]
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

    list_display = ["__str__", "level", "version", "status", "effective_from", "entropy_alpha"]
    list_filter = ["level", "status"]
    inlines = [SchemeWeightInline]


@admin.register(SchemePilot)
class SchemePilotAdmin(ReadOnlyAdminMixin, CatalogAdmin):
    """Read-only here: pilots are started and cancelled in the weight lab, which refuses an
    inconsistent scheme, a month already begun and a pilot overlapping another."""

    list_display = ["team", "scheme", "first_month", "months", "created_at", "cancelled_at"]
    list_filter = ["team"]
