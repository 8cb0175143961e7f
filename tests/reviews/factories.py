"""factory_boy factories for review cycles, and published monthly totals to build KPI parts
from: valid by default, overridable per test."""

import datetime as dt

import factory
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from org.models import Level
from org.periods import Period
from reviews.models import (
    Anchor,
    Competency,
    CycleKind,
    CycleResult,
    CycleState,
    Incident,
    ResultBasis,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewTemplate,
)
from scoring.models import EmployeeScore, RunStatus, ScoreRun, ScoreState
from tests.clock import THIS_MONTH, months_ago
from tests.factories import EmployeeFactory, UserFactory


class ReviewCycleFactory(factory.django.DjangoModelFactory):
    """The quarter of the three months before the pinned one, open, reviews due this month."""

    class Meta:
        model = ReviewCycle

    name = factory.Sequence(lambda n: f"季度考核{n}")
    kind = CycleKind.QUARTER
    first_period = months_ago(3).start
    last_period = months_ago(1).start
    state = CycleState.OPEN
    self_review_due = THIS_MONTH.start.replace(day=24)
    manager_review_due = THIS_MONTH.start.replace(day=28)
    kpi_weight = 0.7


class ReviewTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewTemplate

    cycle = factory.SubFactory(ReviewCycleFactory)
    level = Level.INTERMEDIATE
    self_review_weight = 0.0


class CompetencyFactory(factory.django.DjangoModelFactory):
    """A competency with its five anchors."""

    class Meta:
        model = Competency
        skip_postgeneration_save = True

    template = factory.SubFactory(ReviewTemplateFactory)
    code = factory.Sequence(lambda n: f"c{n}")
    name_zh = "团队协作"
    name_en = "Teamwork"
    weight = 1.0

    @factory.post_generation
    def anchors(self, create, extracted, **kwargs):
        if create and extracted is not False:
            bulk_create_with_history(
                [
                    Anchor(
                        competency=self,
                        rating=rating,
                        text_zh=f"{self.name_zh}：表现{rating}",
                        text_en=f"{self.name_en}: behaviour {rating}",
                    )
                    for rating in range(1, 6)
                ],
                Anchor,
            )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    cycle = factory.SubFactory(ReviewCycleFactory)
    employee = factory.SubFactory(EmployeeFactory)
    kind = ReviewKind.MANAGER
    reviewer = factory.SubFactory(UserFactory)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    employee = factory.SubFactory(EmployeeFactory)
    day = months_ago(1).start.replace(day=12)
    note = "客户投诉交期延误，主动协调工厂加急，两天内解决。"
    author = factory.SubFactory(UserFactory)


class CycleResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleResult

    cycle = factory.SubFactory(ReviewCycleFactory)
    employee = factory.SubFactory(EmployeeFactory)
    kpi_part = 85.0
    kpi_periods = 3
    qualitative_part = 75.0
    final = 82.0
    basis = ResultBasis.BOTH
    grade = "A"
    computed_at = factory.LazyFunction(timezone.now)


def published_totals(employee, totals: dict[Period, float | None]) -> None:
    """Publish ``employee``'s monthly totals (``None``: the month is published, not scored), one
    finished run per month as a score run leaves them (current, not provisional)."""
    for period, total in totals.items():
        run = ScoreRun.objects.create(
            period_start=period.start, status=RunStatus.SUCCEEDED, started_at=timezone.now()
        )
        scored = total is not None
        EmployeeScore.objects.create(
            run=run,
            employee=employee,
            period_kind="month",
            period_start=period.start,
            is_current=True,
            team=employee.team,
            level=employee.level,
            state=ScoreState.SCORED if scored else ScoreState.NO_ACTIVITY,
            measured_share=1.0 if scored else None,
            total=total,
            grade="A" if scored else "",
        )


def day_in(period: Period, day: int) -> dt.date:
    return period.start.replace(day=day)
