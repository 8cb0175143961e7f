"""The bonus pool of a review cycle: how much there is, how it is divided, and each person's
part with its arithmetic.

HR states a pool for a cycle (for the cycle's whole scope or some of its teams): a fixed amount,
or a percentage of a revenue figure. The pool is divided by position coefficients (one per
level, overridden per person with a written reason); a share of each person's bonus (the
KPI-linked share) is paid by their final score through a payout curve
(``reviews.engine.bonus``). Computing the pool writes one ``BonusLine`` per person holding every
step, so a sheet can show the arithmetic without computing it again. Locking freezes it for
payroll. Every model keeps its history.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Employee, Level, Team
from reviews.models import REASON_MAX, ReviewCycle

NAME_MAX = 100
# Money in the currency unit with cents; the steps of a line keep six decimals (the engine's
# amounts are exact fractions; the sheet shows them to the cent).
MONEY = {"max_digits": 14, "decimal_places": 2}
STEP = {"max_digits": 20, "decimal_places": 6}
COEFFICIENT = {"max_digits": 6, "decimal_places": 3}


class PoolState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPUTED = "computed", _("Computed")
    LOCKED = "locked", _("Locked for payroll")


class AmountBasis(models.TextChoices):
    FIXED = "fixed", _("A fixed amount")
    REVENUE = "revenue", _("A percentage of revenue")


class UnscoredRule(models.TextChoices):
    """What people without a final score in the cycle get (``reviews.engine.bonus``)."""

    FIXED_ONLY = "fixed_only", _("The fixed part only")
    AT_TARGET = "at_target", _("Paid as if at target")
    EXCLUDED = "excluded", _("No bonus, not counted")


class LineRule(models.TextChoices):
    """How a person's line was worked out: by their final score, or by the unscored rule."""

    SCORED = "scored", _("By the final score")
    FIXED_ONLY = "fixed_only", _("Not scored: the fixed part only")
    AT_TARGET = "at_target", _("Not scored: paid as if at target")
    EXCLUDED = "excluded", _("Not scored: excluded")


class BonusPool(models.Model):
    cycle = models.ForeignKey(
        ReviewCycle,
        verbose_name=_("review cycle"),
        on_delete=models.PROTECT,
        related_name="bonus_pools",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    # Empty: everyone the cycle reviews; otherwise these teams and the teams below them.
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="bonus_pools"
    )
    basis = models.CharField(_("amount given as"), max_length=8, choices=AmountBasis.choices)
    # The pool to divide, in the currency unit; with a revenue basis, revenue × percent / 100
    # rounded half up to the cent (``reviews.engine.bonus.pool_from_revenue``).
    amount = models.DecimalField(_("pool"), **MONEY)
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=2, null=True)
    percent = models.DecimalField(
        _("percentage of revenue"), max_digits=7, decimal_places=4, null=True
    )
    kpi_share = models.DecimalField(
        _("KPI-linked share"),
        max_digits=5,
        decimal_places=4,
        default="0.2000",
        help_text=_("The share of each bonus paid by the final score, from 0 to 1."),
    )
    # The payout curve (final score → factor of the KPI-linked part): nothing at or below
    # ``curve_zero_at``, the full part at ``curve_full_at``, ``curve_top_factor`` at
    # ``curve_top_at`` and above, linear between.
    curve_zero_at = models.DecimalField(
        _("no KPI part at or below"), max_digits=5, decimal_places=2, default="60.00"
    )
    curve_full_at = models.DecimalField(
        _("full KPI part at"), max_digits=5, decimal_places=2, default="80.00"
    )
    curve_top_at = models.DecimalField(
        _("highest KPI part from"), max_digits=5, decimal_places=2, default="100.00"
    )
    curve_top_factor = models.DecimalField(
        _("highest KPI part"), max_digits=5, decimal_places=3, default="1.200"
    )
    unscored_rule = models.CharField(
        _("people not scored"),
        max_length=10,
        choices=UnscoredRule.choices,
        default=UnscoredRule.FIXED_ONLY,
    )
    state = models.CharField(
        _("state"), max_length=8, choices=PoolState.choices, default=PoolState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    # From the last computation: the sum of the counted coefficients, and the KPI-linked money
    # nobody earned (everyone at or below the curve's start), which stays unpaid.
    coefficient_sum = models.DecimalField(
        _("sum of coefficients"), max_digits=12, decimal_places=3, null=True
    )
    unallocated = models.DecimalField(_("not allocated"), null=True, **MONEY)
    # Σ coefficient × payout factor of the people paid a KPI-linked part: each one's part is
    # the pool's KPI-linked money × their coefficient × factor ÷ this.
    kpi_weight_sum = models.DecimalField(_("sum of KPI weights"), null=True, **STEP)
    history = HistoricalRecords(m2m_fields=[teams])

    class Meta:
        verbose_name = _("bonus pool")
        verbose_name_plural = _("bonus pools")
        ordering = ["cycle", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="bonus_pool_amount_not_negative",
                violation_error_message=_("The bonus pool cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(basis=AmountBasis.FIXED, revenue__isnull=True, percent__isnull=True)
                | Q(
                    basis=AmountBasis.REVENUE,
                    revenue__gte=0,
                    percent__gt=0,
                    percent__lte=100,
                ),
                name="bonus_pool_basis_matches_revenue",
                violation_error_message=_(
                    "A pool from revenue has a revenue of 0 or more and a percentage above 0 "
                    "and at most 100; a fixed pool has neither."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kpi_share__gte=0, kpi_share__lte=1),
                name="bonus_pool_kpi_share_range",
                violation_error_message=_("The KPI-linked share must be between 0 and 1."),
            ),
            models.CheckConstraint(
                condition=Q(curve_zero_at__gte=0, curve_top_at__lte=100)
                & Q(curve_zero_at__lt=F("curve_full_at"), curve_full_at__lt=F("curve_top_at"))
                & Q(curve_top_factor__gte=1),
                name="bonus_pool_curve_rises",
                violation_error_message=_(
                    "The payout curve's scores rise from 0 to 100 and its highest part is at "
                    "least the full part."
                ),
            ),
            models.CheckConstraint(
                condition=Q(unscored_rule__in=UnscoredRule.values),
                name="bonus_pool_unscored_rule_valid",
                violation_error_message=_("Unknown rule for people not scored."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=PoolState.values),
                name="bonus_pool_state_valid",
                violation_error_message=_("Unknown pool state."),
            ),
            models.CheckConstraint(
                condition=Q(state=PoolState.DRAFT) | Q(computed_at__isnull=False),
                name="bonus_pool_computed_has_time",
                violation_error_message=_("A computed pool has a computation time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.name}"

    @property
    def curve(self) -> tuple[tuple, ...]:
        """The curve's points as ``reviews.engine.bonus`` takes them."""
        return (
            (self.curve_zero_at, Decimal(0)),
            (self.curve_full_at, Decimal(1)),
            (self.curve_top_at, self.curve_top_factor),
        )


class LevelCoefficient(models.Model):
    """The position coefficient of everyone of one level in a pool."""

    pool = models.ForeignKey(
        BonusPool,
        verbose_name=_("bonus pool"),
        on_delete=models.CASCADE,
        related_name="coefficients",
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    coefficient = models.DecimalField(_("coefficient"), **COEFFICIENT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("level coefficient")
        verbose_name_plural = _("level coefficients")
        ordering = ["pool", "coefficient", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "level"],
                name="bonus_coefficient_once_per_level",
                violation_error_message=_("This pool already has a coefficient for this level."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values),
                name="bonus_coefficient_level_valid",
                violation_error_message=_("Level must be junior, intermediate or senior."),
            ),
            models.CheckConstraint(
                condition=Q(coefficient__gt=0),
                name="bonus_coefficient_positive",
                violation_error_message=_("A coefficient must be above 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} · {self.get_level_display()}: {self.coefficient}"


class CoefficientOverride(models.Model):
    """One person's coefficient in a pool instead of their level's, with the reason why."""

    pool = models.ForeignKey(
        BonusPool, verbose_name=_("bonus pool"), on_delete=models.CASCADE, related_name="overrides"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="+"
    )
    coefficient = models.DecimalField(_("coefficient"), **COEFFICIENT)
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coefficient override")
        verbose_name_plural = _("coefficient overrides")
        ordering = ["pool", "employee"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "employee"],
                name="bonus_override_once_per_person",
                violation_error_message=_("This person already has a coefficient in this pool."),
            ),
            models.CheckConstraint(
                condition=Q(coefficient__gt=0),
                name="bonus_override_positive",
                violation_error_message=_("A coefficient must be above 0."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="bonus_override_reason_given",
                violation_error_message=_("Say why this person's coefficient differs."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} · {self.employee}: {self.coefficient}"


class BonusLine(models.Model):
    """One person's bonus from the pool's last computation, step by step (amounts in the
    currency unit): target = base × coefficient; fixed part = (1 − share) × target; KPI-linked
    target = share × target; the paid KPI part is their share of the pool's KPI-linked money by
    coefficient × payout factor; bonus = fixed + KPI part, to the cent by largest remainder."""

    pool = models.ForeignKey(
        BonusPool, verbose_name=_("bonus pool"), on_delete=models.CASCADE, related_name="lines"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="bonus_lines"
    )
    # The person's team and level when computed: the payroll sheet's, whatever moves later.
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    rule = models.CharField(_("rule applied"), max_length=10, choices=LineRule.choices)
    # The final score of the cycle's result; NULL: not scored.
    final = models.FloatField(_("final score"), null=True)
    coefficient = models.DecimalField(_("coefficient"), **COEFFICIENT)
    overridden = models.BooleanField(_("coefficient set for this person"))
    base = models.DecimalField(_("base"), **STEP)
    target_bonus = models.DecimalField(_("bonus at target"), **STEP)
    fixed_part = models.DecimalField(_("fixed part"), **STEP)
    kpi_target = models.DecimalField(_("KPI-linked part at target"), **STEP)
    # NULL: no KPI-linked part (not scored under the fixed-part rule, or excluded).
    payout_factor = models.DecimalField(
        _("payout factor"), max_digits=10, decimal_places=6, null=True
    )
    kpi_part = models.DecimalField(_("KPI-linked part paid"), **STEP)
    bonus = models.DecimalField(_("bonus"), **MONEY)
    extra_cent = models.BooleanField(_("received a leftover cent"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bonus line")
        verbose_name_plural = _("bonus lines")
        ordering = ["pool", "employee"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "employee"],
                name="bonus_line_once_per_person",
                violation_error_message=_("This person already has a line in this pool."),
            ),
            models.CheckConstraint(
                condition=Q(rule__in=LineRule.values),
                name="bonus_line_rule_valid",
                violation_error_message=_("Unknown rule."),
            ),
            models.CheckConstraint(
                condition=Q(bonus__gte=0, coefficient__gt=0),
                name="bonus_line_amounts_positive",
                violation_error_message=_("A bonus is 0 or more and a coefficient above 0."),
            ),
            # A final score is what the scored rule reads; the others apply to nobody scored.
            models.CheckConstraint(
                condition=Q(rule=LineRule.SCORED, final__isnull=False, payout_factor__isnull=False)
                | Q(rule=LineRule.AT_TARGET, final__isnull=True, payout_factor=1)
                | Q(rule=LineRule.FIXED_ONLY, final__isnull=True, payout_factor__isnull=True)
                | Q(
                    rule=LineRule.EXCLUDED,
                    final__isnull=True,
                    payout_factor__isnull=True,
                    bonus=0,
                ),
                name="bonus_line_rule_matches_score",
                violation_error_message=_("The rule does not match the final score."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} · {self.employee}: {self.bonus}"
