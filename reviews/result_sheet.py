"""Reads for one cycle result's page: the final with its arithmetic in words, the months' KPI
totals (each with its appeal window: an appeal is on a month's data, never on the grade), the
ratings per competency with the behaviour anchor of each rating given, the calibration history,
and what the viewer may do (acknowledge, calibrate). Also the results a person has still to
acknowledge, flagged on their pages."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from org.calendar import appeal_window_end
from reviews.access import may_calibrate
from reviews.forms import in_language
from reviews.models import (
    Anchor,
    Competency,
    CycleResult,
    CycleState,
    ReviewKind,
    ReviewState,
)
from reviews.selectors import (
    CalibrationMove,
    MonthScore,
    calibration_moves,
    cycle_months,
    reviews_visible_to,
)
from reviews.wording import final_explanation, grade_explanation, kpi_explanation
from scoring.runs import scoring_config


@dataclass(frozen=True)
class ResultMonth:
    score: MonthScore
    # The moment the month's appeal window closes; None once it has (no appeal any more).
    appeal_closes: dt.datetime | None
    closed_on: dt.datetime  # when the window closes or closed


@dataclass(frozen=True)
class GivenRating:
    rating: int
    anchor: str  # the behaviour of that rating, in the active language
    comment: str


@dataclass(frozen=True)
class CompetencyLine:
    name: str
    weight: float
    own: GivenRating | None  # the self-review's
    managers: list[GivenRating]  # one per manager review


@dataclass(frozen=True)
class ResultSheet:
    result: CycleResult
    explanation: str
    kpi_explanation: str
    grade_explanation: str
    months: list[ResultMonth]
    competencies: list[CompetencyLine]
    moves: list[CalibrationMove]
    is_own: bool
    may_acknowledge: bool
    may_calibrate: bool  # the viewer moves this grade on the calibration page


def _ratings(user: AbstractBaseUser, result: CycleResult) -> list[CompetencyLine]:
    """The person's template's competencies with the ratings of the submitted reviews the user
    may read (three queries)."""
    competencies = list(
        Competency.objects.filter(
            template__cycle=result.cycle_id, template__level=result.employee.level
        ).order_by("position", "code")
    )
    anchors = {
        (anchor.competency_id, anchor.rating): in_language(anchor.text_zh, anchor.text_en)
        for anchor in Anchor.objects.filter(competency__in=competencies)
    }
    reviews = (
        reviews_visible_to(user)
        .filter(cycle=result.cycle_id, employee=result.employee_id, state=ReviewState.SUBMITTED)
        .prefetch_related("ratings")
        .order_by("kind", "submitted_at")
    )
    own, managers = {}, {}
    for review in reviews:
        for rating in review.ratings.all():
            anchor = anchors.get((rating.competency_id, rating.rating), "")
            given = GivenRating(rating.rating, anchor, rating.comment)
            if review.kind == ReviewKind.SELF:
                own[rating.competency_id] = given
            else:
                managers.setdefault(rating.competency_id, []).append(given)
    return [
        CompetencyLine(
            name=in_language(competency.name_zh, competency.name_en),
            weight=competency.weight,
            own=own.get(competency.pk),
            managers=managers.get(competency.pk, []),
        )
        for competency in competencies
    ]


def result_sheet(*, user: AbstractBaseUser, result: CycleResult) -> ResultSheet:
    """The page of a result the user may see (``reviews.selectors.result_get_for_user``)."""
    now = timezone.now()
    months = []
    for score in cycle_months(result.cycle, result.employee):
        closes = appeal_window_end(score.period)
        months.append(ResultMonth(score, closes if now < closes else None, closes))
    is_own = result.employee.user_id == user.pk
    return ResultSheet(
        result=result,
        explanation=final_explanation(result),
        kpi_explanation=kpi_explanation(
            result, [month.score.total for month in months if month.score.total is not None]
        ),
        grade_explanation=(
            grade_explanation(result.grade, scoring_config().thresholds) if result.grade else ""
        ),
        months=months,
        competencies=_ratings(user, result),
        moves=calibration_moves(result),
        is_own=is_own,
        may_acknowledge=is_own
        and result.cycle.state == CycleState.CLOSED
        and result.acknowledged_at is None,
        may_calibrate=result.cycle.state == CycleState.CALIBRATING
        and may_calibrate(user, result.employee),
    )


def results_to_acknowledge(user: AbstractBaseUser | AnonymousUser) -> QuerySet[CycleResult]:
    """The user's own results of closed cycles they have not acknowledged yet."""
    if not user.is_authenticated:
        return CycleResult.objects.none()
    return CycleResult.objects.filter(
        employee__user=user, cycle__state=CycleState.CLOSED, acknowledged_at__isnull=True
    ).select_related("cycle")
