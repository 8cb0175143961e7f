"""Improvement plans behind the scorecard's "improvement plan" flag, and managers' coaching notes.

A plan names a person, a mentor, a period (90 days by default), goals tied to indicators and a
reduced-workload note; check-ins record how it goes; at its end it is judged against the
published indicator values of its months (``plans.engine``) and closed, or extended. Who may
see and do what is decided in ``plans.access``.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import Direction, IndicatorDefinition
from org.models import Employee
from scoring.models import EmployeeScore

PLAN_DAYS = 90  # the B2B guide's improvement period, the default length of a plan
NOTE_MAX = 4000
REASON_MAX = 300
GOALS_MAX = 10


def default_end(start: dt.date) -> dt.date:
    """The last day of a plan of ``PLAN_DAYS`` days starting on ``start``."""
    return start + dt.timedelta(days=PLAN_DAYS - 1)


class PlanState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class PlanOutcome(models.TextChoices):
    """How a plan ended (or, for ``EXTENDED``, stands after its review moved the end)."""

    MET = "met", _("Goals met")
    EXTENDED = "extended", _("Extended")
    NOT_MET = "not_met", _("Goals not met")
    NOT_MEASURED = "not_measured", _("Not measured")


class ImprovementPlan(models.Model):
    employee = models.ForeignKey(
        Employee, verbose_name=_("person"), on_delete=models.PROTECT, related_name="plans"
    )
    mentor = models.ForeignKey(
        Employee, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="mentored_plans"
    )
    # The flagged monthly result the plan answers; empty for a plan a manager started. The
    # month is kept as a date too: a later run of that month replaces the score row.
    source_score = models.ForeignKey(
        EmployeeScore,
        verbose_name=_("flagged result"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    flagged_period = models.DateField(_("flagged month"), null=True, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    workload_note = models.TextField(_("reduced workload"), max_length=NOTE_MAX, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=PlanState.choices, default=PlanState.ACTIVE
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=PlanOutcome.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="plan_ends_after_start",
                violation_error_message=_("A plan ends after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(mentor=F("employee")),
                name="plan_mentor_is_another_person",
                violation_error_message=_("The mentor is someone other than the person."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=PlanState.values) & Q(outcome__in=[*PlanOutcome.values, ""]),
                name="plan_state_and_outcome_valid",
                violation_error_message=_("Unknown plan state or outcome."),
            ),
            # A closed plan says how it ended; an open one at most that it was extended.
            models.CheckConstraint(
                condition=Q(state=PlanState.CLOSED, closed_at__isnull=False)
                & ~Q(outcome__in=["", PlanOutcome.EXTENDED])
                | Q(state=PlanState.ACTIVE, closed_at__isnull=True)
                & Q(outcome__in=["", PlanOutcome.EXTENDED]),
                name="plan_closed_has_outcome",
                violation_error_message=_("A closed plan has its outcome; an active one not."),
            ),
            # One active plan per person: the flag of the next month adds to it, not a second.
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(state=PlanState.ACTIVE),
                name="plan_one_active_per_person",
                violation_error_message=_("This person already has an active plan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


class PlanGoal(models.Model):
    """A target value for one indicator, in the indicator's unit, with its direction copied from
    the indicator when the goal was set (so a later catalog change does not turn a met goal)."""

    plan = models.ForeignKey(
        ImprovementPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="goals"
    )
    indicator = models.ForeignKey(
        IndicatorDefinition,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    target = models.FloatField(_("target value"))
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator"],
                name="plan_goal_once_per_indicator",
                violation_error_message=_("The plan already has a goal for this indicator."),
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values),
                name="plan_goal_direction_valid",
                violation_error_message=_("Unknown direction."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.indicator_id} {self.direction} {self.target}"


class PlanExtension(models.Model):
    """A plan's end moved at its review, with why."""

    plan = models.ForeignKey(
        ImprovementPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    previous_end = models.DateField(_("previous end"))
    new_end = models.DateField(_("new end"))
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extended by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("extended at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan extension")
        verbose_name_plural = _("plan extensions")
        ordering = ["plan", "at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end__gt=F("previous_end")) & ~Q(reason=""),
                name="plan_extension_later_with_reason",
                violation_error_message=_("An extension ends later, and says why."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} → {self.new_end:%Y-%m-%d}"


class CheckIn(models.Model):
    """A dated note by the manager or the mentor, and the person's reply."""

    plan = models.ForeignKey(
        ImprovementPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    day = models.DateField(_("day"))
    note = models.TextField(_("note"), max_length=NOTE_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply = models.TextField(_("reply"), max_length=NOTE_MAX, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["plan", "day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note=""),
                name="check_in_has_note",
                violation_error_message=_("A check-in says something."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.day:%Y-%m-%d}"


class CoachingNote(models.Model):
    """A manager's note of a one-to-one with a person: seen by the person, their managers and
    HR only."""

    employee = models.ForeignKey(
        Employee,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="coaching_notes",
    )
    day = models.DateField(_("day"))
    note = models.TextField(_("note"), max_length=NOTE_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")
        ordering = ["employee", "-day", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note=""),
                name="coaching_note_has_note",
                violation_error_message=_("A coaching note says something."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.day:%Y-%m-%d}"
