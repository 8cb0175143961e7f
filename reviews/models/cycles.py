"""A review cycle and what it reviews on: its templates per level, their competencies with
behaviour anchors, and the reviews people write with their ratings."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Employee, Level, Team

GRADES = ("S", "A", "B", "C", "D")  # as scoring.engine.grade.GRADES
RATINGS = range(1, 6)
# The longest texts people write (characters): kept as the fields' max_length and checked by the
# services and the API.
COMMENT_MAX = 2000
REASON_MAX = 1000
NOTE_MAX = 2000


class CycleKind(models.TextChoices):
    """How long a cycle runs, in months of the company calendar."""

    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")


CYCLE_MONTHS = {CycleKind.MONTH: 1, CycleKind.QUARTER: 3, CycleKind.HALF: 6, CycleKind.YEAR: 12}


class CycleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for reviews")
    CALIBRATING = "calibrating", _("Calibrating")
    CLOSED = "closed", _("Closed")


class ReviewCycle(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=CycleKind.choices)
    # The cycle covers the company's monthly scoring periods from the month starting
    # ``first_period`` to the one starting ``last_period`` (both included), as scoring names a
    # period by its kind and first day (``scoring.models.EmployeeScore.period_start``).
    first_period = models.DateField(_("first month"))
    last_period = models.DateField(_("last month"))
    # Empty: the whole company; otherwise these teams and the teams below them.
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="review_cycles"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CycleState.choices, default=CycleState.DRAFT
    )
    # The last days (company calendar, included) on which reviews are accepted.
    self_review_due = models.DateField(_("self-reviews due"))
    manager_review_due = models.DateField(_("manager reviews due"))
    kpi_weight = models.FloatField(
        _("KPI weight"),
        default=0.7,
        help_text=_("final = w × KPI part + (1 − w) × qualitative part; w from 0 to 1."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    results_computed_at = models.DateTimeField(_("results computed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[teams])

    class Meta:
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        ordering = ["-first_period", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kpi_weight__gte=0.0, kpi_weight__lte=1.0),
                name="review_cycle_kpi_weight_share",
                violation_error_message=_("The KPI weight is a share from 0 to 1."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CycleKind.values),
                name="review_cycle_kind_valid",
                violation_error_message=_("Unknown cycle kind."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=CycleState.values),
                name="review_cycle_state_valid",
                violation_error_message=_("Unknown cycle state."),
            ),
            models.CheckConstraint(
                condition=Q(first_period__day=1, last_period__day=1)
                & Q(first_period__lte=F("last_period")),
                name="review_cycle_months",
                violation_error_message=_("A cycle runs from the first of a month to a later one."),
            ),
            models.CheckConstraint(
                condition=Q(self_review_due__lte=F("manager_review_due")),
                name="review_cycle_self_reviews_first",
                violation_error_message=_("Self-reviews are due no later than manager reviews."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewTemplate(models.Model):
    """What people of one level are reviewed on in one cycle. Kept with the cycle, so a later
    change to next cycle's competencies never rewrites this one's reviews."""

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="templates"
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # 0–1: the self-review's share of the qualitative part. 0 (the default): the self-review is
    # shown beside the manager's but does not count.
    self_review_weight = models.FloatField(
        _("self-review weight"),
        default=0.0,
        help_text=_("Share of the self-review in the qualitative part (0: shown, not counted)."),
    )
    # NULL: the level's final takes the cycle's w.
    kpi_weight = models.FloatField(
        _("KPI weight of this level"),
        null=True,
        blank=True,
        help_text=_("w in this level's final, from 0 to 1; empty: the cycle's."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review template")
        verbose_name_plural = _("review templates")
        ordering = ["cycle", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "level"],
                name="review_template_one_per_level",
                violation_error_message=_("This cycle already has a template for this level."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values),
                name="review_template_level_valid",
                violation_error_message=_("Level must be junior, intermediate or senior."),
            ),
            models.CheckConstraint(
                condition=Q(self_review_weight__gte=0.0, self_review_weight__lte=1.0),
                name="review_template_self_weight_share",
                violation_error_message=_("The self-review weight is a share from 0 to 1."),
            ),
            models.CheckConstraint(
                condition=Q(kpi_weight__isnull=True) | Q(kpi_weight__gte=0.0, kpi_weight__lte=1.0),
                name="review_template_kpi_weight_share",
                violation_error_message=_("The KPI weight is a share from 0 to 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.get_level_display()}"


class Competency(models.Model):
    template = models.ForeignKey(
        ReviewTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="competencies",
    )
    code = models.SlugField(_("code"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # Relative: a review's score is the weighted mean of its ratings by these weights.
    weight = models.FloatField(_("weight"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["template", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"],
                name="competency_code_once_per_template",
                violation_error_message=_("This template already has a competency with this code."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0.0),
                name="competency_weight_positive",
                violation_error_message=_("A competency's weight is more than 0."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh


class Anchor(models.Model):
    """The behaviour that earns a rating on a competency (behaviourally anchored rating)."""

    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.CASCADE, related_name="anchors"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    text_zh = models.TextField(_("behaviour (Chinese)"))
    text_en = models.TextField(_("behaviour (English)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("behaviour anchor")
        verbose_name_plural = _("behaviour anchors")
        ordering = ["competency", "rating"]
        constraints = [
            models.UniqueConstraint(
                fields=["competency", "rating"],
                name="anchor_once_per_rating",
                violation_error_message=_("This competency already describes this rating."),
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="anchor_rating_range",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency} {self.rating}"


class ReviewKind(models.TextChoices):
    SELF = "self", _("Self-review")
    MANAGER = "manager", _("Manager review")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Review(models.Model):
    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="reviews"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="reviews"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReviewKind.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="reviews_written",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["cycle", "employee", "kind"]
        constraints = [
            # Several managers may review one person (their reviews are averaged); each once.
            models.UniqueConstraint(
                fields=["cycle", "employee", "kind", "reviewer"],
                name="review_once_per_reviewer",
                violation_error_message=_("This reviewer already reviewed this person."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReviewKind.values),
                name="review_kind_valid",
                violation_error_message=_("Unknown review kind."),
            ),
            models.CheckConstraint(
                condition=Q(state=ReviewState.DRAFT, submitted_at__isnull=True)
                | Q(state=ReviewState.SUBMITTED, submitted_at__isnull=False),
                name="review_submitted_has_time",
                violation_error_message=_(
                    "A submitted review has a submission time, a draft none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.employee} · {self.get_kind_display()}"


class Rating(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="ratings"
    )
    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["review", "competency"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "competency"],
                name="rating_once_per_competency",
                violation_error_message=_("This review already rates this competency."),
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="rating_range",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.competency}: {self.rating}"
