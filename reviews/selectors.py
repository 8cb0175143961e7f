"""Reads for review cycles: what each user may see (the one place that decides it: pages and API
call these), who is in a cycle, the frames its results are computed from, and a result's
calibration history.

HR and admins see everything. A manager sees the cycles of their teams, the reviews, incidents
and results (once computed) of the people they manage, and what a merchandiser sees of their
own. A merchandiser sees the cycles they are in, their own self-reviews, the manager reviews of
them and their result once the cycle is closed, and the incidents noted about them. Drafts are
HR's."""

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from frames.read import queryset_frame
from org.models import Employee, Role
from org.periods import Period, PeriodKind
from org.selectors import (
    employed_between,
    employee_for_user,
    employees_visible_to,
    person_name,
    team_ancestor_ids,
    team_descendant_ids,
    teams_visible_to,
    user_role,
)
from reviews.access import runs_cycles
from reviews.engine.final import kpi_parts
from reviews.incidents import incident_lines
from reviews.models import (
    CycleResult,
    CycleState,
    Incident,
    Rating,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewState,
)
from scoring.models import EmployeeScore


def cycles_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ReviewCycle]:
    """HR and admins: every cycle. Others: the cycles past their draft whose scope holds their
    own team or a team they manage (a cycle of the whole company holds every team)."""
    cycles = ReviewCycle.objects.all()
    if runs_cycles(user):
        return cycles
    role = user_role(user)
    if role not in (Role.MANAGER, Role.MERCHANDISER):
        return cycles.none()
    own = employee_for_user(user)
    team_ids = {own.team_id} if own else set()
    if role == Role.MANAGER:
        team_ids |= set(teams_visible_to(user).values_list("id", flat=True))
    in_scope = Q(teams__isnull=True) | Q(teams__in=team_ancestor_ids(team_ids))
    return cycles.exclude(state=CycleState.DRAFT).filter(in_scope).distinct()


def cycle_get_for_user(*, user: AbstractBaseUser, cycle_id: int) -> ReviewCycle:
    """The cycle, or 404 for anyone who may not see it."""
    cycle = cycles_visible_to(user).filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    return cycle


def _managed(user: AbstractBaseUser) -> QuerySet[Employee]:
    """The people a manager manages (not themselves); nobody for other roles."""
    if user_role(user) != Role.MANAGER:
        return Employee.objects.none()
    return employees_visible_to(user).exclude(user=user)


def reviews_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Review]:
    """HR and admins: every review. Others: the reviews they wrote, the reviews of the people
    they manage, their own self-reviews, and the submitted manager reviews of them once the
    cycle is closed (a draft never submitted never counted, and is not theirs to read)."""
    reviews = Review.objects.select_related("cycle", "employee", "reviewer")
    if runs_cycles(user):
        return reviews
    if not user.is_authenticated:
        return reviews.none()
    given = Q(cycle__state=CycleState.CLOSED, state=ReviewState.SUBMITTED)
    own = Q(employee__user=user) & (Q(kind=ReviewKind.SELF) | given)
    return reviews.filter(Q(reviewer=user) | Q(employee__in=_managed(user)) | own)


def incidents_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Incident]:
    """HR and admins: every incident. Others: those about the people they manage and about
    themselves (a person may read what is noted about them)."""
    incidents = Incident.objects.select_related("employee", "author")
    if runs_cycles(user):
        return incidents
    if not user.is_authenticated:
        return incidents.none()
    return incidents.filter(Q(employee__in=_managed(user)) | Q(employee__user=user))


def results_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[CycleResult]:
    """HR and admins: every result. A manager: their people's results once computed (in
    calibration or closed). Everyone: their own result once the cycle is closed."""
    results = CycleResult.objects.select_related("cycle", "employee__team")
    if runs_cycles(user):
        return results
    if not user.is_authenticated:
        return results.none()
    computed = [CycleState.CALIBRATING, CycleState.CLOSED]
    return results.filter(
        Q(employee__in=_managed(user), cycle__state__in=computed)
        | Q(employee__user=user, cycle__state=CycleState.CLOSED)
    )


def result_get_for_user(*, user: AbstractBaseUser, result_id: int) -> CycleResult:
    result = results_visible_to(user).filter(pk=result_id).first()
    if result is None:
        raise Http404
    return result


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


def open_cycles_reviewing(
    user: AbstractBaseUser | AnonymousUser, employee: Employee
) -> list[ReviewCycle]:
    """The cycles open for reviews, among those the user sees, that review the person: one
    query, and one per open cycle (rarely more than one)."""
    cycles = cycles_visible_to(user).filter(state=CycleState.OPEN).order_by("first_period", "pk")
    return [cycle for cycle in cycles if cycle_people(cycle).filter(pk=employee.pk).exists()]


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
                    by=person_name(version.history_user),
                    at=version.calibrated_at,
                    before=before,
                    after=after,
                    reason=version.calibration_reason,
                )
            )
    return moves


@dataclass(frozen=True)
class ReviewTask:
    """A review the user is to write in a cycle, and the one written if it is done."""

    employee: Employee
    kind: str
    done: Review | None


def review_tasks(user: AbstractBaseUser, cycle: ReviewCycle) -> list[ReviewTask]:
    """The user's own self-review (if they are in the cycle) and the manager reviews of the
    people they manage in it, each with the review written so far (two queries)."""
    own = Q(user=user)
    people = list(
        cycle_people(cycle).filter(own | Q(pk__in=_managed(user))).order_by("employee_no")
    )
    written = {
        (review.employee_id, review.kind): review
        for review in Review.objects.filter(
            cycle=cycle, reviewer=user, employee__in=[person.pk for person in people]
        )
    }
    tasks = []
    for person in people:
        kind = ReviewKind.SELF if person.user_id == user.pk else ReviewKind.MANAGER
        tasks.append(ReviewTask(person, kind, written.get((person.pk, kind))))
    return tasks


@dataclass(frozen=True)
class MonthScore:
    period: Period
    total: float | None
    grade: str
    state_text: str  # why there is no total; empty for a scored month or one not published


def cycle_months(cycle: ReviewCycle, employee: Employee) -> list[MonthScore]:
    """The person's published results month by month in the cycle (``None`` totals for months
    not published or not scored). One query."""
    scores = {
        score.period_start: score
        for score in EmployeeScore.objects.filter(
            employee=employee,
            is_current=True,
            period_kind=PeriodKind.MONTH.value,
            period_start__gte=cycle.first_period,
            period_start__lte=cycle.last_period,
        )
    }
    months, period = [], Period(PeriodKind.MONTH, cycle.first_period)
    while period.start <= cycle.last_period:
        score = scores.get(period.start)
        months.append(
            MonthScore(
                period=period,
                total=score.total if score else None,
                grade=score.grade if score else "",
                state_text=score.state_text if score else "",
            )
        )
        period = period.next()
    return months


def person_cycle_summary(cycle: ReviewCycle, employee: Employee) -> dict:
    """What a reviewer sees beside the form: the person's published month by month in the
    cycle (``months``: ``cycle_months``), their KPI part so far by the engine's rule, the
    incidents noted in the cycle's months (with the records they name, one query per kind),
    and their submitted self-review. Four queries, and one per kind of record named."""
    months = cycle_months(cycle, employee)
    totals = pd.DataFrame(
        [
            (employee.pk, month.period.start, month.total)
            for month in months
            if month.total is not None
        ],
        columns=["employee_id", "period_start", "total"],
    )
    kpi = kpi_parts(totals)
    last_day = Period(PeriodKind.MONTH, cycle.last_period).last_day
    return {
        "months": months,
        "kpi_part": kpi["kpi_part"].iloc[0] if len(kpi) else None,
        "incidents": incident_lines(
            Incident.objects.filter(
                employee=employee, day__gte=cycle.first_period, day__lte=last_day
            ).select_related("author__employee")
        ),
        "self_review": Review.objects.filter(
            cycle=cycle, employee=employee, kind=ReviewKind.SELF, state=ReviewState.SUBMITTED
        )
        .prefetch_related("ratings__competency")
        .first(),
    }
