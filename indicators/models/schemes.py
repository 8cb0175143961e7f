"""AHP weight schemes: one employee level's experts' pairwise judgments and the weights they
imply, versioned and in force from a date."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models.catalog import IndicatorDefinition, Tier
from indicators.weights import TIERS_MATRIX
from org.models import Level


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


ALL_LEVELS = ""


class WeightScheme(models.Model):
    # Empty: named after its level in the viewer's language (``display_name``), as perf's
    # built-in schemes and drafts created without a name are.
    name = models.CharField(_("name"), max_length=100, blank=True)
    level = models.CharField(
        _("level"),
        max_length=16,
        blank=True,
        choices=[(ALL_LEVELS, _("All levels")), *Level.choices],
        help_text=_("Empty: applies to every level without a scheme of its own."),
    )
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    status = models.CharField(
        _("status"), max_length=8, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    entropy_alpha = models.FloatField(
        _("AHP share α"),
        default=1.0,
        help_text=_(
            "Final weight = α · AHP weight + (1 − α) · entropy weight from the period's data. "
            "1 uses the experts' weights alone."
        ),
    )
    consistency = models.JSONField(
        _("consistency"),
        default=dict,
        blank=True,
        help_text=_("Per matrix: λmax, CI, CR and whether it is consistent."),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weight scheme")
        verbose_name_plural = _("weight schemes")
        ordering = ["level", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "version"],
                name="weight_scheme_version_unique",
                violation_error_message=_("This level already has a scheme of this version."),
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(status=SchemeStatus.ACTIVE),
                name="weight_scheme_one_active_per_level",
                violation_error_message=_("Only one scheme per level can be active."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SchemeStatus.values),
                name="weight_scheme_status_valid",
                violation_error_message=_("Unknown scheme status."),
            ),
            models.CheckConstraint(
                condition=Q(entropy_alpha__gte=0, entropy_alpha__lte=1),
                name="weight_scheme_alpha_range",
                violation_error_message=_("α is between 0 and 1."),
            ),
        ]
        indexes = [
            # scheme_in_force: the latest effective scheme of a level on a date.
            models.Index(fields=["level", "status", "effective_from"], name="scheme_in_force_idx")
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"

    @property
    def display_name(self) -> str:
        """The name given to the scheme, else one in the active language from its level (the
        built-in first version, created by no one, is the level's default)."""
        if self.name:
            return self.name
        level = self.get_level_display()
        if self.version == 1 and self.created_by_id is None:
            return gettext("Default weights · %(level)s") % {"level": level}
        return gettext("%(level)s weights") % {"level": level}

    @property
    def is_editable(self) -> bool:
        return self.status == SchemeStatus.DRAFT

    @property
    def is_consistent(self) -> bool:
        """Every matrix has CR < 0.10 (as last computed from the judgments)."""
        return bool(self.consistency) and all(
            figures["consistent"] for figures in self.consistency.values()
        )


# The expert whose judgments perf's built-in schemes carry: the key their matrices are stored
# under (experts are told apart by name), shown in the viewer's language by ``expert_label``.
BUILTIN_EXPERT = "perf 默认 default"


def expert_label(expert: str) -> str:
    """An expert as pages name them: people by their name, perf's built-in judgments as such."""
    return gettext("perf's defaults") if expert == BUILTIN_EXPERT else expert


class SchemeMatrix(models.Model):
    """One expert's pairwise judgments for one matrix of a scheme: the tiers, or the indicators
    of one tier. ``judgments`` is the full square matrix over ``items`` (tier or indicator
    codes)."""

    scheme = models.ForeignKey(
        WeightScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="matrices"
    )
    matrix = models.CharField(
        _("matrix"),
        max_length=16,
        choices=[(TIERS_MATRIX, _("Tiers")), *Tier.choices],
    )
    expert = models.CharField(_("expert"), max_length=100)
    items = models.JSONField(_("items"))
    judgments = models.JSONField(_("judgments"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("judgment matrix")
        verbose_name_plural = _("judgment matrices")
        ordering = ["scheme", "matrix", "expert"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "matrix", "expert"],
                name="scheme_matrix_once_per_expert",
                violation_error_message=_("This expert already has judgments for this matrix."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.get_matrix_display()} · {expert_label(self.expert)}"


class SchemeWeight(models.Model):
    """An indicator's weight in a scheme, derived from the judgments (the scheme's history and
    its matrices' history record how it came about)."""

    scheme = models.ForeignKey(
        WeightScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="weights"
    )
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="scheme_weights",
    )
    tier_weight = models.FloatField(_("tier weight"))
    local_weight = models.FloatField(_("weight within tier"))
    global_weight = models.FloatField(_("global weight"))

    class Meta:
        verbose_name = _("scheme weight")
        verbose_name_plural = _("scheme weights")
        ordering = ["scheme", "-global_weight"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "indicator"],
                name="scheme_weight_once_per_indicator",
                violation_error_message=_("The scheme already weighs this indicator."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.indicator}: {self.global_weight:.3f}"
