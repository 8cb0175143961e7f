"""Reads for review cycles: who is in a cycle, the frames its results are computed from, and a
result's calibration history."""

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd
from django.db.models import QuerySet

from frames.read import queryset_frame
from org.models import Employee
from org.periods import Period, PeriodKind
from org.selectors import employed_between, team_descendant_ids, user_display_name
from reviews.models import CycleResult, Rating, ReviewCycle, ReviewState
from scoring.models import EmployeeScore


def cycle_months(cycle: ReviewCycle) -> list[Period]:
    """The monthly periods the cycle covers, in order."""
    months, period = [], Period(PeriodKind.MONTH, cycle.first_period)
    while period.start <= cycle.last_period:
        months.append(period)
        period = period.next()
    return months


def cycle_people(cycle: ReviewCycle) -> QuerySet[Employee]:
    """Who the cycle reviews: the people of scored teams employed at some time in its months
    (``org.selectors.employed_between``, the scoring roster's rule), of the whole company or of
    the cycle's teams and the teams below them."""
    last_day = Period(PeriodKind.MONTH, cycle.last_period).last_day
    people = employed_between(cycle.first_period, last_day)
    team_ids = set(cycle.teams.values_list("id", flat=True))
    if team_ids:
        people = people.filter(team_id__in=team_descendant_ids(team_ids))
    return people


def cycle_roster(cycle: ReviewCycle) -> pd.DataFrame:
    """``cycle_people`` as a frame: index employee id, ``level``."""
    return queryset_frame(cycle_people(cycle), ["id", "level"], index="id").rename_axis(
        "employee_id"
    )


def cycle_totals(cycle: ReviewCycle, employee_ids: list[int]) -> pd.DataFrame:
    """The published monthly results of the cycle's months for these people, in one query:
    ``employee_id``, ``period_start``, ``total`` (NaN for a month they were not scored).
    Published means current: a provisional run's rows never are."""
    scores = EmployeeScore.objects.filter(
        is_current=True,
        period_kind=PeriodKind.MONTH.value,
        period_start__gte=cycle.first_period,
        period_start__lte=cycle.last_period,
        employee_id__in=employee_ids,
    )
    return queryset_frame(scores, ["employee_id", "period_start", "total"])


def cycle_ratings(cycle: ReviewCycle) -> pd.DataFrame:
    """Every rating of the cycle's submitted reviews, in one query: ``review_id``,
    ``employee_id``, ``kind``, ``weight`` (the competency's), ``rating``."""
    ratings = Rating.objects.filter(review__cycle=cycle, review__state=ReviewState.SUBMITTED)
    columns = {
        "review_id": "review_id",
        "review__employee_id": "employee_id",
        "review__kind": "kind",
        "competency__weight": "weight",
        "rating": "rating",
    }
    return queryset_frame(ratings, list(columns)).rename(columns=columns)


def _person_name(user) -> str:
    """Who did something, as pages name people: their employee name, else the account's."""
    employee = getattr(user, "employee", None)
    return employee.name if employee else user_display_name(user)


@dataclass(frozen=True)
class CalibrationMove:
    """One change of a result's standing grade: who, when, from what to what, and why."""

    by: str
    at: dt.datetime
    before: str
    after: str
    reason: str


def calibration_moves(result: CycleResult) -> list[CalibrationMove]:
    """The result's calibrations, oldest first, from its history (one query)."""
    versions = list(
        result.history.select_related("history_user__employee").order_by(
            "history_date", "history_id"
        )
    )
    moves = []
    for previous, version in pairwise(versions):
        before = previous.calibrated_grade or previous.grade
        after = version.calibrated_grade or version.grade
        if version.calibrated_at != previous.calibrated_at and version.calibrated_at:
            moves.append(
                CalibrationMove(
                    by=_person_name(version.history_user),
                    at=version.calibrated_at,
                    before=before,
                    after=after,
                    reason=version.history_change_reason or version.calibration_reason,
                )
            )
    return moves
