"""What a cycle leads to: the critical incidents managers note during it and each person's
result (the KPI and qualitative parts, the final, its grade, calibration and acknowledgement)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Employee
from reviews.models.cycles import COMMENT_MAX, GRADES, NOTE_MAX, REASON_MAX, ReviewCycle


class Incident(models.Model):
    """A critical incident a manager noted about a person during the period: a dated note,
    optionally naming the record it concerns (a record type of ``ingest.record_types`` and an
    id, as appeals name records). Review forms show them."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="incidents"
    )
    day = models.DateField(_("date"))
    note = models.TextField(_("note"), max_length=NOTE_MAX)
    record_type = models.CharField(_("record type"), max_length=32, blank=True)
    record_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("noted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("critical incident")
        verbose_name_plural = _("critical incidents")
        ordering = ["employee", "-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note=""),
                name="incident_note_given",
                violation_error_message=_("Say what happened."),
            ),
            models.CheckConstraint(
                condition=Q(record_type="", record_id__isnull=True)
                | (~Q(record_type="") & Q(record_id__isnull=False)),
                name="incident_record_whole",
                violation_error_message=_("A linked record has both a type and an id."),
            ),
        ]
        indexes = [
            # The review form lists a person's incidents of the cycle's months.
            models.Index(fields=["employee", "day"], name="incident_employee_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.day:%Y-%m-%d}"


class ResultBasis(models.TextChoices):
    """Which parts a final score rests on (``reviews.engine.final``): a missing part is left out
    and the other counts in full, never a silent 0."""

    BOTH = "both", _("KPI and manager review")
    KPI_ONLY = "kpi_only", _("KPI only: no manager review")
    QUALITATIVE_ONLY = "qualitative_only", _("Manager review only: no published KPI score")
    NOT_SCORED = "not_scored", _("Not scored: no published KPI score and no manager review")


class CycleResult(models.Model):
    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="results"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="cycle_results"
    )
    # The w the final was computed with (the level's, else the cycle's).
    kpi_weight = models.FloatField(_("KPI weight"), null=True, blank=True)
    # 0–100 each; NULL: unknown (no published total in the cycle's months; no manager review).
    kpi_part = models.FloatField(_("KPI part"), null=True, blank=True)
    kpi_periods = models.PositiveSmallIntegerField(_("months with a published score"))
    self_part = models.FloatField(_("self-review"), null=True, blank=True)
    qualitative_part = models.FloatField(_("qualitative part"), null=True, blank=True)
    final = models.FloatField(_("final score"), null=True, blank=True)
    basis = models.CharField(_("basis"), max_length=16, choices=ResultBasis.choices)
    # Empty: not scored (no final).
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    # Empty: not calibrated. Set only by calibration, with a reason; the computed grade stays.
    calibrated_grade = models.CharField(_("calibrated grade"), max_length=1, blank=True)
    calibration_reason = models.TextField(
        _("calibration reason"), blank=True, max_length=REASON_MAX
    )
    calibrated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("calibrated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    calibrated_at = models.DateTimeField(_("calibrated at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    employee_comment = models.TextField(_("employee's comment"), blank=True, max_length=COMMENT_MAX)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cycle result")
        verbose_name_plural = _("cycle results")
        ordering = ["cycle", "employee"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "employee"],
                name="cycle_result_once",
                violation_error_message=_("This person already has a result in this cycle."),
            ),
            models.CheckConstraint(
                condition=Q(basis__in=ResultBasis.values),
                name="cycle_result_basis_valid",
                violation_error_message=_("Unknown basis."),
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["", *GRADES], calibrated_grade__in=["", *GRADES]),
                name="cycle_result_grades_valid",
                violation_error_message=_("A grade is S, A, B, C or D."),
            ),
            models.CheckConstraint(
                condition=(Q(kpi_part__isnull=True) | Q(kpi_part__gte=0.0, kpi_part__lte=100.0))
                & (Q(self_part__isnull=True) | Q(self_part__gte=0.0, self_part__lte=100.0))
                & (
                    Q(qualitative_part__isnull=True)
                    | Q(qualitative_part__gte=0.0, qualitative_part__lte=100.0)
                )
                & (Q(final__isnull=True) | Q(final__gte=0.0, final__lte=100.0)),
                name="cycle_result_parts_range",
                violation_error_message=_("Scores run from 0 to 100."),
            ),
            # The basis says which parts there are; a final and a grade come with a part.
            models.CheckConstraint(
                condition=Q(
                    basis=ResultBasis.BOTH, kpi_part__isnull=False, qualitative_part__isnull=False
                )
                | Q(
                    basis=ResultBasis.KPI_ONLY,
                    kpi_part__isnull=False,
                    qualitative_part__isnull=True,
                )
                | Q(
                    basis=ResultBasis.QUALITATIVE_ONLY,
                    kpi_part__isnull=True,
                    qualitative_part__isnull=False,
                )
                | Q(
                    basis=ResultBasis.NOT_SCORED,
                    kpi_part__isnull=True,
                    qualitative_part__isnull=True,
                    final__isnull=True,
                ),
                name="cycle_result_basis_matches_parts",
                violation_error_message=_("The basis does not match the parts."),
            ),
            models.CheckConstraint(
                condition=Q(final__isnull=True, grade="") | Q(final__isnull=False) & ~Q(grade=""),
                name="cycle_result_final_has_grade",
                violation_error_message=_("A final score has a grade; no final, no grade."),
            ),
            models.CheckConstraint(
                condition=Q(kpi_part__isnull=True, kpi_periods=0)
                | Q(kpi_part__isnull=False, kpi_periods__gt=0),
                name="cycle_result_kpi_has_months",
                violation_error_message=_("A KPI part comes from at least one scored month."),
            ),
            # A calibrated grade moves a computed one, with a written reason, by someone, then.
            models.CheckConstraint(
                condition=Q(calibrated_grade="")
                | (~Q(grade="") & ~Q(calibration_reason="") & Q(calibrated_at__isnull=False)),
                name="cycle_result_calibration_explained",
                violation_error_message=_(
                    "A calibrated grade needs a computed grade and a reason."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.employee}"

    @property
    def grade_shown(self) -> str:
        """The grade that stands: the calibrated one if HR moved it, else the computed one."""
        return self.calibrated_grade or self.grade
