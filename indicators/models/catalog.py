"""The indicator catalog and the reply checklist: what is measured and how, its dated scoring
settings, and the rules a reply is checked against."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.calculators import CALCULATORS
from org.models import Level


class ChangeReason(models.TextChoices):
    """Why a catalog or scheme row changed, as stored in its history (shown translated)."""

    BUILT_IN = "built in", _("built in")
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    JUDGMENTS = "judgments", _("judgments changed")
    ACTIVATED = "activated", _("activated")
    RETIRED = "retired", _("retired by a newer version")


class Tier(models.TextChoices):
    BASIC = "basic", _("Basic")
    EFFICIENCY = "efficiency", _("Efficiency")
    QUALITY = "quality", _("Quality")
    INNOVATION = "innovation", _("Innovation")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Normalisation(models.TextChoices):
    LINEAR = "linear", _("Linear from baseline to target")
    PERCENTILE = "percentile", _("Percentile among peers")


class Unit(models.TextChoices):
    COUNT = "count", _("count")
    PERCENT = "percent", _("%")
    HOURS = "hours", _("hours")
    POINTS = "points", _("points (1–5)")
    INDEX = "index", _("index (0–100)")


def validate_calculator(key: str) -> None:
    if key not in CALCULATORS:
        raise ValidationError(
            _("Unknown calculator %(key)s."), code="unknown_calculator", params={"key": key}
        )


def validate_levels(levels: object) -> None:
    if not isinstance(levels, list) or not levels or not set(levels) <= set(Level.values):
        raise ValidationError(
            _("Choose one or more of the levels: %(levels)s."),
            code="bad_levels",
            params={"levels": ", ".join(Level.values)},
        )


def all_levels() -> list[str]:
    return list(Level.values)


class Localised:
    """Fields kept as ``<name>_zh`` / ``<name>_en`` read in the active language."""

    def localised(self, name: str) -> str:
        language = (get_language() or "zh-hans").lower()
        chinese = getattr(self, f"{name}_zh")
        english = getattr(self, f"{name}_en")
        return (chinese or english) if language.startswith("zh") else (english or chinese)


class IndicatorDefinition(Localised, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order within the tier.")
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    calculator = models.CharField(_("calculator"), max_length=40, validators=[validate_calculator])
    normalisation = models.CharField(
        _("normalisation"), max_length=16, choices=Normalisation.choices
    )
    baseline = models.FloatField(
        _("baseline"),
        null=True,
        blank=True,
        help_text=_("Raw value that scores 0 under linear normalisation."),
    )
    target = models.FloatField(
        _("target"),
        null=True,
        blank=True,
        help_text=_("Raw value that scores 100 under linear normalisation."),
    )
    target_step = models.FloatField(
        _("adaptive target step"),
        default=0.05,
        help_text=_("Share by which a person's target is raised after three periods far above it."),
    )
    floor = models.FloatField(
        _("floor"),
        null=True,
        blank=True,
        help_text=_(
            "The worst acceptable raw value: below it when higher is better, above it when "
            "lower is better."
        ),
    )
    floor_vetoes = models.BooleanField(
        _("floor vetoes"),
        default=False,
        help_text=_("Falling past the floor caps the total score and the grade."),
    )
    min_volume = models.PositiveSmallIntegerField(
        _("minimum volume"),
        null=True,
        blank=True,
        default=5,
        help_text=_(
            "Fewest records a person's rate or average must rest on to be measured (below it: "
            "not measured, its weight shared by the others). Empty for counts."
        ),
    )
    levels = models.JSONField(
        _("levels"),
        default=all_levels,
        validators=[validate_levels],
        help_text=_("Employee levels this indicator applies to."),
    )
    definition_zh = models.TextField(_("definition (Chinese)"))
    definition_en = models.TextField(_("definition (English)"))
    formula_zh = models.TextField(_("formula (Chinese)"))
    formula_en = models.TextField(_("formula (English)"))
    data_source_zh = models.TextField(_("data source (Chinese)"))
    data_source_en = models.TextField(_("data source (English)"))
    counting_rules_zh = models.TextField(_("what counts (Chinese)"))
    counting_rules_en = models.TextField(_("what counts (English)"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["tier", "position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__in=Tier.values),
                name="indicator_tier_valid",
                violation_error_message=_("Unknown tier."),
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values),
                name="indicator_direction_valid",
                violation_error_message=_("Direction must be higher or lower is better."),
            ),
            models.CheckConstraint(
                condition=Q(normalisation__in=Normalisation.values),
                name="indicator_normalisation_valid",
                violation_error_message=_("Unknown normalisation."),
            ),
            models.CheckConstraint(
                condition=~Q(normalisation=Normalisation.LINEAR)
                | (
                    Q(direction=Direction.HIGHER, target__gt=models.F("baseline"))
                    | Q(direction=Direction.LOWER, target__lt=models.F("baseline"))
                ),
                name="indicator_linear_target_beyond_baseline",
                violation_error_message=_(
                    "Linear normalisation needs a baseline and a target, with the target on the "
                    "better side of the baseline."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(floor_vetoes=True) | Q(floor__isnull=False),
                name="indicator_veto_needs_floor",
                violation_error_message=_("An indicator can only veto when it has a floor."),
            ),
            models.CheckConstraint(
                condition=Q(target_step__gte=0, target_step__lte=1),
                name="indicator_target_step_range",
                violation_error_message=_("The adaptive target step is between 0 and 1."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.localised("name")


# The first version of every indicator (its built-in settings) is in force from this date, long
# before any data a company could import.
BUILT_IN_FROM = dt.date(2000, 1, 1)
# What an indicator's settings version holds: how it is scored, and whether at all. A change to
# one of these takes effect from a date (``IndicatorSetting``), so a past period keeps the
# catalog of its time; names and manual text are not dated. Adding a field here (and running
# makemigrations) versions it.
VERSIONED_FIELDS = (
    "is_active",
    "direction",
    "normalisation",
    "baseline",
    "target",
    "target_step",
    "floor",
    "floor_vetoes",
    "min_volume",
)


class IndicatorSetting(models.Model):
    """One dated version of an indicator's scoring settings: in force from ``effective_from``
    until the indicator's next version. Each version holds every versioned field (a snapshot),
    so a period reads one row per indicator."""

    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    effective_from = models.DateField(_("effective from"))
    # The versioned fields, exactly as the definition declares them (same type, default, help).
    for _name in VERSIONED_FIELDS:
        locals()[_name] = IndicatorDefinition._meta.get_field(_name).clone()
    del _name
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator settings version")
        verbose_name_plural = _("indicator settings versions")
        ordering = ["indicator", "effective_from"]
        constraints = [
            # Also serves the catalog's read: an indicator's versions up to a date.
            models.UniqueConstraint(
                fields=["indicator", "effective_from"],
                name="indicator_setting_once_per_date",
                violation_error_message=_("The indicator already has a version from this date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.effective_from:%Y-%m-%d}"

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in VERSIONED_FIELDS}


class ChecklistElement(models.TextChoices):
    GREETING = "greeting", _("Greeting")
    ORDER_NUMBER = "order_number", _("Order number")
    DELIVERY_DATE = "delivery_date", _("Delivery date")
    CLOSING = "closing", _("Closing")


class RuleKind(models.TextChoices):
    KEYWORD = "keyword", _("Keyword")
    REGEX = "regex", _("Pattern (regular expression)")


class RuleLanguage(models.TextChoices):
    CHINESE = "zh", _("Chinese")
    ENGLISH = "en", _("English")


class ComplianceRule(Localised, models.Model):
    """One way a standard reply may show one required element. A message has an element when any
    active rule for it matches (in either language); it is compliant when it has them all. The
    manual shows a keyword as it is and a pattern by its description in words."""

    element = models.CharField(_("element"), max_length=16, choices=ChecklistElement.choices)
    language = models.CharField(_("language"), max_length=2, choices=RuleLanguage.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=RuleKind.choices)
    pattern = models.CharField(
        _("keyword or pattern"),
        max_length=200,
        help_text=_("Matched without regard to case."),
    )
    description_zh = models.CharField(
        _("in words (Chinese)"),
        max_length=200,
        blank=True,
        help_text=_("What the rule accepts, as the manual says it; a pattern needs it."),
    )
    description_en = models.CharField(
        _("in words (English)"),
        max_length=200,
        blank=True,
        help_text=_("What the rule accepts, as the manual says it; a pattern needs it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reply checklist rule")
        verbose_name_plural = _("reply checklist rules")
        ordering = ["element", "language", "pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["element", "language", "kind", "pattern"],
                name="compliance_rule_unique",
                violation_error_message=_("This rule already exists."),
            ),
            models.CheckConstraint(
                condition=Q(element__in=ChecklistElement.values),
                name="compliance_rule_element_valid",
                violation_error_message=_("Unknown checklist element."),
            ),
            models.CheckConstraint(
                condition=~Q(pattern=""),
                name="compliance_rule_pattern_not_empty",
                violation_error_message=_("A rule needs a keyword or pattern."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_element_display()} · {self.pattern}"

    @property
    def in_words(self) -> str:
        """What the rule accepts, in the active language: a keyword quoted, a pattern by its
        description (a regular expression is no sentence for the people it checks)."""
        if self.kind == RuleKind.KEYWORD:
            return gettext("contains “%(keyword)s”") % {"keyword": self.pattern}
        return self.localised("description") or gettext("a pattern an administrator set")

    def clean(self) -> None:
        if self.kind == RuleKind.REGEX and self.pattern:
            try:
                # Compiled as the compliance calculator joins rules, so a rule that works alone
                # but not among others (an inline flag, say) is refused here.
                re.compile(f"(?:{self.pattern})|(?:x)")
            except re.error as exc:
                raise ValidationError(
                    {"pattern": _("Not a valid pattern: %(error)s") % {"error": exc}}
                ) from exc
