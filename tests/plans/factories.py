"""Published monthly indicator values to judge plans on, and plans set up through the service."""

import datetime as dt

from django.utils import timezone

from indicators.models import IndicatorDefinition
from org.periods import Period
from plans.models import ImprovementPlan
from plans.services import GoalInput, plan_create
from scoring.models import EmployeeScore, IndicatorScore, RunStatus, ScoreRun, ScoreState


def indicator(code: str) -> IndicatorDefinition:
    return IndicatorDefinition.objects.get(code=code)


def published_values(
    employee, values: dict[Period, dict[str, float | None]], *, flagged: bool = False
) -> list[EmployeeScore]:
    """Publish ``employee``'s monthly raw values per indicator code (``None``: not measured
    that month), one finished run per month as a score run leaves them."""
    scores = []
    for period, raws in values.items():
        run = ScoreRun.objects.create(
            period_start=period.start, status=RunStatus.SUCCEEDED, started_at=timezone.now()
        )
        score = EmployeeScore.objects.create(
            run=run,
            employee=employee,
            period_kind="month",
            period_start=period.start,
            is_current=True,
            team=employee.team,
            level=employee.level,
            state=ScoreState.SCORED,
            measured_share=1.0,
            total=55.0 if flagged else 80.0,
            grade="D" if flagged else "B",
            improvement_plan=flagged,
        )
        IndicatorScore.objects.bulk_create(
            IndicatorScore(employee_score=score, indicator=indicator(code), raw=raw)
            for code, raw in raws.items()
        )
        scores.append(score)
    return scores


def plan_for(org_chart, *, start: dt.date, end: dt.date | None = None, goals=None, **kwargs):
    """王芳's plan, started by her manager 陈主管, mentored by 李强."""
    goals = goals or [
        GoalInput(indicator=indicator("first_contact_resolution"), target=70),
        GoalInput(indicator=indicator("order_response_time"), target=4),
    ]
    kwargs.setdefault("user", org_chart["east_manager"].user)
    kwargs.setdefault("mentor", org_chart["east_b"])
    return plan_create(
        employee=org_chart["east_a"],
        start=start,
        end=end,
        goals=goals,
        **kwargs,
    )


__all__ = ["ImprovementPlan", "indicator", "plan_for", "published_values"]
