"""Reads for improvement plans and coaching notes: one plan or 404, its progress against its
goals (the published indicator values of its months, read in one query and judged by
``plans.engine``), a flagged result to start a plan from, and the choices of a plan's form."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from dashboards.formatting import format_value
from indicators.models import Direction, IndicatorDefinition
from org.models import Employee
from org.periods import Period
from org.selectors import employees_visible_to
from plans.access import coaching_notes_visible_to, plans_visible_to
from plans.engine import goals_judge, plan_verdict
from plans.models import CheckIn, CoachingNote, ImprovementPlan
from scoring.models import EmployeeScore, IndicatorScore, PeriodKind


def plan_get_for_user(*, user: AbstractBaseUser, plan_id: int) -> ImprovementPlan:
    """One plan the user may see, or 404: a plan outside one's scope does not exist."""
    plan = (
        plans_visible_to(user)
        .select_related("employee__team", "employee__user", "mentor__user")
        .prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("author__employee"))
        )
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def plans_list_for_user(user: AbstractBaseUser) -> QuerySet[ImprovementPlan]:
    return (
        plans_visible_to(user)
        .select_related("employee__team", "mentor")
        .order_by("state", "-start", "pk")
    )


def coaching_notes_for(*, user: AbstractBaseUser, employee: Employee) -> QuerySet[CoachingNote]:
    return (
        coaching_notes_visible_to(user).filter(employee=employee).select_related("author__employee")
    )


def plan_values_frame(plan: ImprovementPlan, indicator_ids: list[int]) -> pd.DataFrame:
    """The person's published monthly values of ``indicator_ids`` over the plan's months: the
    months whose first day lies within start..end (a month begun before the plan is the one
    that flagged it, not its work). Columns ``indicator``, ``period_start``, ``raw`` (NaN: not
    measured that month). One query; provisional runs never count (they are never current)."""
    rows = IndicatorScore.objects.filter(
        employee_score__employee_id=plan.employee_id,
        employee_score__is_current=True,
        employee_score__run__provisional=False,
        employee_score__period_kind=PeriodKind.MONTH,
        employee_score__period_start__gte=plan.start,
        employee_score__period_start__lte=plan.end,
        indicator_id__in=indicator_ids,
    ).values_list("indicator_id", "employee_score__period_start", "raw")
    frame = pd.DataFrame(list(rows), columns=["indicator", "period_start", "raw"])
    frame["raw"] = pd.to_numeric(frame["raw"], errors="coerce").astype(float)
    return frame


@dataclass(frozen=True)
class GoalLine:
    indicator: IndicatorDefinition
    target_text: str
    direction_text: str
    average_text: str
    months: int
    verdict: str
    monthly: list[tuple[str, str]]  # (month label, value with unit)


@dataclass(frozen=True)
class PlanProgress:
    goals: list[GoalLine]
    verdict: str  # met / not_met / not_measured
    months: list[str]  # the plan's months with published values, as labels


def plan_progress(plan: ImprovementPlan) -> PlanProgress:
    """Each goal's target beside the average so far of its indicator over the plan's months,
    with the verdict the plan would get today (``plans.engine``)."""
    goals = list(plan.goals.select_related("indicator"))
    goal_frame = pd.DataFrame(
        [(goal.indicator_id, goal.target, goal.direction) for goal in goals],
        columns=["indicator", "target", "direction"],
    )
    values = plan_values_frame(plan, [goal.indicator_id for goal in goals])
    judged = goals_judge(goal_frame, values).set_index("indicator")
    lines = []
    for goal in goals:
        unit, calculator = goal.indicator.unit, goal.indicator.calculator
        row = judged.loc[goal.indicator_id]
        own = values[values["indicator"] == goal.indicator_id].sort_values("period_start")
        average = None if pd.isna(row["average"]) else float(row["average"])
        lines.append(
            GoalLine(
                indicator=goal.indicator,
                target_text=format_value(goal.target, unit, calculator),
                direction_text=str(Direction(goal.direction).label),
                average_text=format_value(average, unit, calculator),
                months=int(row["months"]),
                verdict=str(row["verdict"]),
                monthly=[
                    (
                        Period.containing(day).label,
                        format_value(None if pd.isna(raw) else float(raw), unit, calculator),
                    )
                    for day, raw in zip(own["period_start"], own["raw"], strict=True)
                ],
            )
        )
    months = sorted({Period.containing(day).label for day in values["period_start"]})
    return PlanProgress(goals=lines, verdict=plan_verdict(judged), months=months)


def flagged_score_get(*, employee: Employee, period_start: dt.date) -> EmployeeScore | None:
    """The person's published result of that month if it carries the improvement-plan flag."""
    return EmployeeScore.objects.filter(
        employee=employee,
        period_kind=PeriodKind.MONTH,
        period_start=period_start,
        is_current=True,
        improvement_plan=True,
    ).first()


def mentor_choices(*, user: AbstractBaseUser, employee: Employee) -> QuerySet[Employee]:
    """Who may mentor the person: anyone employed today but themselves whom the user starting
    the plan may see (a manager chooses among their teams; HR among everyone), so that the
    list never names people outside the user's scope."""
    return (
        employees_visible_to(user).filter(is_active=True).exclude(pk=employee.pk).order_by("name")
    )


def goal_indicators() -> QuerySet[IndicatorDefinition]:
    return IndicatorDefinition.objects.filter(is_active=True)
