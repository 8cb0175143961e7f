"""Writes for improvement plans and coaching notes: start a plan (from a flagged result or by a
manager), check in, reply, close it with the outcome its indicator values give, or extend it;
note a one-to-one. Each checks who may do it (``plans.access``) and refuses bad input with a
``PlanRefused`` naming the field."""

import datetime as dt
import math
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import IndicatorDefinition
from org.fields import PERIOD_YEARS, in_scored_years
from org.models import Employee
from plans.access import manages, may_check_in, may_reply
from plans.errors import PlanForbidden, PlanRefused
from plans.models import (
    GOALS_MAX,
    NOTE_MAX,
    REASON_MAX,
    CheckIn,
    CoachingNote,
    ImprovementPlan,
    PlanExtension,
    PlanGoal,
    PlanOutcome,
    PlanState,
    default_end,
)
from plans.selectors import plan_progress
from scoring.models import EmployeeScore


@dataclass(frozen=True)
class GoalInput:
    indicator: IndicatorDefinition
    target: object  # as sent: checked to be a finite number here


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise PlanRefused(_("Write something."), field=field)
    if len(text) > limit:
        raise PlanRefused(_("At most %(limit)d characters.") % {"limit": limit}, field=field)
    return text


def _number(value: object, *, field: str) -> float:
    if isinstance(value, bool):
        raise PlanRefused(_("The target is a number."), field=field)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PlanRefused(_("The target is a number."), field=field) from None
    if not math.isfinite(number):
        raise PlanRefused(_("The target is a number."), field=field)
    return number


def _goals_clean(goals: list[GoalInput]) -> list[PlanGoal]:
    if not goals:
        raise PlanRefused(_("Set at least one goal."), field="goals")
    if len(goals) > GOALS_MAX:
        raise PlanRefused(_("At most %(n)d goals.") % {"n": GOALS_MAX}, field="goals")
    seen: set[int] = set()
    cleaned = []
    for position, goal in enumerate(goals):
        field = f"goals[{position}]"
        if goal.indicator.pk in seen:
            raise PlanRefused(
                _("%(indicator)s has a goal already.") % {"indicator": goal.indicator.name},
                field=f"{field}.indicator",
            )
        seen.add(goal.indicator.pk)
        cleaned.append(
            PlanGoal(
                indicator=goal.indicator,
                target=_number(goal.target, field=f"{field}.target"),
                direction=goal.indicator.direction,
            )
        )
    return cleaned


def plan_create(
    *,
    user: AbstractBaseUser,
    employee: Employee,
    mentor: Employee,
    start: dt.date,
    end: dt.date | None,
    goals: list[GoalInput],
    workload_note: str = "",
    source_score: EmployeeScore | None = None,
) -> ImprovementPlan:
    """Start a plan for ``employee`` (90 days from ``start`` unless ``end`` is given), from the
    flagged monthly result ``source_score`` if there is one."""
    if not manages(user, employee):
        raise PlanForbidden(_("Only the person's managers and HR start their plan."))
    if mentor.pk == employee.pk:
        raise PlanRefused(_("The mentor is someone other than the person."), field="mentor")
    for name, day in (("start", start), ("end", end)):
        if day is not None and not in_scored_years(day):
            first, last = PERIOD_YEARS
            raise PlanRefused(
                _("Choose a day between {first} and {last}.").format(first=first, last=last),
                field=name,
            )
    end = end or default_end(start)
    if end <= start:
        raise PlanRefused(_("The end is after the start."), field="end")
    if source_score is not None and (
        source_score.employee_id != employee.pk or not source_score.improvement_plan
    ):
        raise PlanRefused(_("This result does not flag the person for a plan."), field="score")
    cleaned_goals = _goals_clean(goals)
    note = _text(workload_note, field="workload_note", limit=NOTE_MAX, required=False)
    with transaction.atomic():
        if (
            ImprovementPlan.objects.select_for_update()
            .filter(employee=employee, state=PlanState.ACTIVE)
            .exists()
        ):
            raise PlanRefused(_("This person already has an active plan."), field="employee_id")
        plan = ImprovementPlan.objects.create(
            employee=employee,
            mentor=mentor,
            start=start,
            end=end,
            workload_note=note,
            source_score=source_score,
            flagged_period=source_score.period_start if source_score else None,
            created_by=user,
        )
        for goal in cleaned_goals:
            goal.plan = plan
            goal.save()
    return plan


def _active(plan: ImprovementPlan) -> None:
    if plan.state != PlanState.ACTIVE:
        raise PlanRefused(_("The plan is closed."), field="plan")


def check_in_add(
    *, user: AbstractBaseUser, plan: ImprovementPlan, day: dt.date, note: str
) -> CheckIn:
    if not may_check_in(user, plan):
        raise PlanForbidden(_("Only the person's managers, HR and the mentor check in."))
    _active(plan)
    if day > timezone.localdate():
        raise PlanRefused(_("A check-in is on a day that has come."), field="day")
    text = _text(note, field="note", limit=NOTE_MAX)
    return CheckIn.objects.create(plan=plan, day=day, note=text, author=user)


def check_in_reply(*, user: AbstractBaseUser, check_in: CheckIn, reply: str) -> CheckIn:
    """The person's answer to a check-in while the plan runs (the history keeps any later
    edit); a closed plan's check-ins stand as they were when it was judged."""
    if not may_reply(user, check_in.plan):
        raise PlanForbidden(_("Only the person replies to their check-ins."))
    _active(check_in.plan)
    check_in.reply = _text(reply, field="reply", limit=NOTE_MAX)
    check_in.replied_at = timezone.now()
    check_in.save(update_fields=["reply", "replied_at"])
    return check_in


def plan_close(*, user: AbstractBaseUser, plan: ImprovementPlan) -> ImprovementPlan:
    """Close the plan with the outcome its goals' values give (``plans.engine``): met, not
    met, or not measured when a goal has no published value in the plan's months."""
    if not manages(user, plan.employee):
        raise PlanForbidden(_("Only the person's managers and HR close their plan."))
    _active(plan)
    verdict = plan_progress(plan).verdict
    with transaction.atomic():
        plan.state = PlanState.CLOSED
        plan.outcome = PlanOutcome(verdict)
        plan.closed_at = timezone.now()
        plan.save(update_fields=["state", "outcome", "closed_at"])
    return plan


def plan_extend(
    *, user: AbstractBaseUser, plan: ImprovementPlan, new_end: dt.date, reason: str
) -> PlanExtension:
    """Move the plan's end at its review; its outcome so far reads "extended"."""
    if not manages(user, plan.employee):
        raise PlanForbidden(_("Only the person's managers and HR extend their plan."))
    _active(plan)
    if new_end <= plan.end:
        raise PlanRefused(_("The new end is after the current end."), field="new_end")
    text = _text(reason, field="reason", limit=REASON_MAX)
    with transaction.atomic():
        extension = PlanExtension.objects.create(
            plan=plan, previous_end=plan.end, new_end=new_end, reason=text, by=user
        )
        plan.end = new_end
        plan.outcome = PlanOutcome.EXTENDED
        plan.save(update_fields=["end", "outcome"])
    return extension


def coaching_note_add(
    *, user: AbstractBaseUser, employee: Employee, day: dt.date, note: str
) -> CoachingNote:
    if not manages(user, employee):
        raise PlanForbidden(_("Only the person's managers and HR write their coaching notes."))
    if day > timezone.localdate():
        raise PlanRefused(_("A one-to-one is on a day that has come."), field="day")
    text = _text(note, field="note", limit=NOTE_MAX)
    return CoachingNote.objects.create(employee=employee, day=day, note=text, author=user)
