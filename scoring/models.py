"""Score runs and their results: each employee's explained score per period, and per indicator.

A run writes its rows hidden (``is_current`` false) and, when everything is written, swaps them in
for the previous ones in one transaction: readers see either the old or the new results, never
half a run. A provisional run (a period still under way) never swaps its rows in: they stay the
period so far, without grades, ranks or plans. The run row is the record of how results came
about (who, when, which schemes).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import IndicatorDefinition
from org.models import Employee, Team


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")
    QUARTER = "quarter", _("Quarter")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# A run not finished yet: queued, or running on a worker.
ACTIVE_RUN_STATUSES = [RunStatus.QUEUED.value, RunStatus.RUNNING.value]


class ScoreState(models.TextChoices):
    """What a person's result of a period is (``scoring.engine.score``): only the scored have a
    total, tier scores, a grade, ranks and a plan."""

    SCORED = "scored", _("Scored")
    NO_ACTIVITY = "no_activity", _("Not scored: no activity this period")
    NOT_ENOUGH_DATA = "not_enough_data", _("Not enough data")


def score_state_text(state: str, measured_share: float | None) -> str:
    """A result's state in words, for pages, exports and the API: empty for a scored person
    (their total and grade speak), otherwise why there is no total."""
    if state == ScoreState.NO_ACTIVITY:
        return str(ScoreState.NO_ACTIVITY.label)
    if state == ScoreState.NOT_ENOUGH_DATA:
        return _("Not enough data (measured %(measured)s%% of the weight, %(needed)s%% needed)") % {
            "measured": round(100 * (measured_share or 0.0)),
            "needed": round(100 * settings.PERF_SCORING["min_measured_weight"]),
        }
    return ""


class ShowsScoreState:
    """A result with a ``state`` and a ``measured_share``: whether it is scored and why not, in
    words (the stored score and the rows pages build from it)."""

    state: str
    measured_share: float | None

    @property
    def is_scored(self) -> bool:
        return self.state == ScoreState.SCORED

    @property
    def state_text(self) -> str:
        return score_state_text(self.state, self.measured_share)


class ScoreRun(models.Model):
    period_kind = models.CharField(
        _("period kind"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    period_start = models.DateField(_("period start"))
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Empty: the whole company."),
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    chunks_total = models.PositiveIntegerField(_("parts"), default=0)
    chunks_done = models.PositiveIntegerField(_("parts done"), default=0)
    # Each written chunk once (by its first team), however often its task was delivered.
    chunks_written = models.JSONField(_("parts written"), default=list, blank=True)
    employees = models.PositiveIntegerField(_("employees scored"), default=0)
    schemes = models.JSONField(
        _("schemes used"), default=dict, blank=True, help_text=_("Per level: the scheme version.")
    )
    error = models.TextField(_("error"), blank=True)
    reason = models.CharField(
        _("reason"), max_length=300, blank=True, help_text=_("Why the period was scored again.")
    )
    # A run of a period still under way (the nightly job's, a sync's): its rows are the period
    # so far, kept beside the published results and never current, graded, ranked or paid. Only
    # an explicit request of HR or an admin publishes a period before it ends.
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Scored before the period ended: not published, graded, ranked or paid."),
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A run of a range scored in order waits for the one before it (so it is not "stuck" while
    # that one runs).
    follows = models.ForeignKey(
        "self",
        verbose_name=_("after run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written as the run works (each chunk, the finalisation; frames.heartbeat): the sweep takes
    # a run whose heartbeat stopped for dead (scoring.stalls).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(
        _("times queued again"),
        default=0,
        help_text=_("A run whose worker stopped is queued again once, then failed."),
    )
    # A request joined the run after it had read its records (records changed meanwhile): the
    # period is scored once more when it succeeds (scoring.runs.run_succeeded).
    again = models.BooleanField(
        _("asked for again while running"),
        default=False,
        help_text=_("Records changed while it ran: the period is scored once more after it."),
    )

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="score_run_progress_range",
                violation_error_message=_("Progress is a percentage."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values),
                name="score_run_status_valid",
                violation_error_message=_("Unknown run status."),
            ),
            # One active run per period and scope (the company: team 0) and kind: a second
            # request joins it (scoring.services.score_run_open). Also serves the sweep's and
            # the join's look-up of the active run.
            models.UniqueConstraint(
                "period_kind",
                "period_start",
                Coalesce("team", Value(0)),
                "provisional",
                condition=Q(status__in=ACTIVE_RUN_STATUSES),
                name="score_run_one_active",
                violation_error_message=_("A run of this period and scope is under way."),
            ),
        ]
        indexes = [
            # The latest runs of a period, for the status page and the scorecard's "as of".
            models.Index(
                fields=["period_kind", "period_start", "-created_at"], name="run_period_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.period_start:%Y-%m-%d} #{self.pk}"


class PeriodReopening(models.Model):
    """HR or an admin reopening a closed period (past its appeal window) so that it may be scored
    again, and why. The rows are the period's history: closing it again fills ``closed_again_at``
    and the row stays."""

    period_kind = models.CharField(
        _("period kind"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    period_start = models.DateField(_("period start"))
    reason = models.CharField(_("reason"), max_length=500)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), auto_now_add=True)
    closed_again_at = models.DateTimeField(_("closed again at"), null=True, blank=True)
    closed_again_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed again by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("period reopening")
        verbose_name_plural = _("period reopenings")
        ordering = ["-reopened_at"]
        constraints = [
            # Also serves "is this period reopened now?" (periods_closed_check).
            models.UniqueConstraint(
                fields=["period_kind", "period_start"],
                condition=Q(closed_again_at__isnull=True),
                name="period_reopening_one_open",
                violation_error_message=_("This period is already reopened."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="period_reopening_reason_given",
                violation_error_message=_("Say why the period is reopened."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.period_start:%Y-%m-%d}"


class EmployeeScore(ShowsScoreState, models.Model):
    # Like indicator scores, these rows are derived data written 10,000 at a time by the scoring
    # service only: no database foreign keys (Django still cascades deletions), and no index
    # that another one already covers (the run's rows are found through the unique (run,
    # employee) constraint, a person's current rows through the one-current-per-period one).
    run = models.ForeignKey(
        ScoreRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="scores",
        db_index=False,
        db_constraint=False,
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="scores",
        db_constraint=False,
    )
    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    is_current = models.BooleanField(
        _("current"), default=False, help_text=_("Part of the latest finished run.")
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    level = models.CharField(_("level"), max_length=16)
    state = models.CharField(_("state"), max_length=16, choices=ScoreState.choices)
    # 0–1: the share of the person's scheme weight carried by indicators with data (before the
    # weight of the others was re-shared); NULL when the scheme weighs nothing for them.
    measured_share = models.FloatField(_("share of the weight measured"), null=True)
    total = models.FloatField(_("total"), null=True)
    uncapped_total = models.FloatField(_("total before veto"), null=True)
    basic = models.FloatField(_("basic"), null=True)
    efficiency = models.FloatField(_("efficiency"), null=True)
    quality = models.FloatField(_("quality"), null=True)
    innovation = models.FloatField(_("innovation"), null=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    team_rank = models.PositiveIntegerField(_("rank in team"), null=True)
    team_percentile = models.FloatField(_("percentile in team"), null=True)
    company_rank = models.PositiveIntegerField(_("rank in company"), null=True)
    company_percentile = models.FloatField(_("percentile in company"), null=True)
    vetoes = models.JSONField(_("vetoes"), default=list)
    missing = models.JSONField(_("indicators without data"), default=list)
    # The missing indicators with why each was not measured: {code: {"reason": …, "counted": n}}.
    not_measured = models.JSONField(_("not measured"), default=dict)
    explanation = models.JSONField(_("explanation"), default=dict)
    suggestions = models.JSONField(_("suggestions"), default=dict)
    improvement_plan = models.BooleanField(_("improvement plan"), default=False)

    class Meta:
        verbose_name = _("employee score")
        verbose_name_plural = _("employee scores")
        ordering = ["period_start", "company_rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "employee"],
                name="employee_score_once_per_run",
                violation_error_message=_("This run already scored this employee."),
            ),
            # Also the index of a person's trend: their current scores over periods.
            models.UniqueConstraint(
                fields=["employee", "period_kind", "period_start"],
                condition=Q(is_current=True),
                name="employee_score_one_current_per_period",
                violation_error_message=_("An employee has one current score per period."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=ScoreState.values),
                name="employee_score_state_valid",
                violation_error_message=_("Unknown score state."),
            ),
            # Not scored means no total, grade, rank or plan, whatever writes the row.
            models.CheckConstraint(
                condition=Q(state=ScoreState.SCORED)
                | Q(
                    total__isnull=True,
                    grade="",
                    team_rank__isnull=True,
                    company_rank__isnull=True,
                    improvement_plan=False,
                ),
                name="employee_score_unscored_has_no_result",
                violation_error_message=_(
                    "A person who is not scored has no total, grade, rank or plan."
                ),
            ),
        ]
        indexes = [
            # Scorecards and heatmaps read the current scores of a period (by team).
            models.Index(
                fields=["period_kind", "period_start", "team"],
                condition=Q(is_current=True),
                name="score_current_period_team_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.period_start:%Y-%m} · {self.total}"


class IndicatorScore(models.Model):
    # No separate index on either key: the unique (employee score, indicator) constraint serves
    # reading a score's indicators, and each index would slow the 170,000-row writes of a run.
    # No database foreign keys either: their checks at commit cost a run 1–2 seconds, and the
    # rows are only written by the scoring service, with ids it drew or read in the same
    # transaction, and deleted with their employee score (``_scores_delete``); indicators are
    # never deleted.
    employee_score = models.ForeignKey(
        EmployeeScore,
        verbose_name=_("employee score"),
        on_delete=models.CASCADE,
        related_name="indicators",
        db_index=False,
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    raw = models.FloatField(_("raw value"), null=True)
    target = models.FloatField(_("target used"), null=True)
    normalised = models.FloatField(_("score (0–100)"), null=True)
    weight = models.FloatField(_("weight applied"), null=True)
    contribution = models.FloatField(_("contribution"), null=True)
    team_average = models.FloatField(_("team average"), null=True)
    team_percentile = models.FloatField(_("percentile in team"), null=True)

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        constraints = [
            models.UniqueConstraint(
                fields=["employee_score", "indicator"],
                name="indicator_score_once",
                violation_error_message=_("This score already has this indicator."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee_score} · {self.indicator_id}: {self.normalised}"


class PersonalTarget(models.Model):
    """A person's own target for an indicator, from a date: raised after several periods far
    above the previous one (adaptive targets)."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="personal_targets",
    )
    target = models.FloatField(_("target"))
    effective_from = models.DateField(_("effective from"))
    raised_by = models.ForeignKey(
        ScoreRun,
        verbose_name=_("raised by run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personal target")
        verbose_name_plural = _("personal targets")
        ordering = ["employee", "indicator", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "indicator", "effective_from"],
                name="personal_target_once_per_date",
                violation_error_message=_("This person already has a target from this date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.indicator_id} → {self.target:g}"
