"""Reads for scoring: the inputs of a run, the results people may see, and run status."""

import datetime as dt

import numpy as np
import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Max, Q, QuerySet
from django.http import Http404

from frames.read import queryset_frame
from indicators.models import ALL_LEVELS, SchemePilot, SchemeWeight
from indicators.selectors import scheme_in_force
from org.models import Employee, Level, Role, Team
from org.periods import Period
from org.selectors import (
    employed_between,
    employed_during,
    employees_visible_to,
    team_descendant_ids,
    user_role,
)
from scoring.models import (
    EmployeeScore,
    IndicatorScore,
    PeriodKind,
    PersonalTarget,
    RunStatus,
    ScoreRun,
)


def _scope(team: Team | None, period: Period) -> QuerySet[Employee]:
    return _of_team(employed_during(period), team)


def _of_team(employees: QuerySet[Employee], team: Team | None) -> QuerySet[Employee]:
    if team is not None:
        employees = employees.filter(team_id__in=team_descendant_ids({team.id}))
    return employees


def scope_employs_anyone(team: Team | None, first: Period, last: Period) -> bool:
    """Whether anybody of the company or ``team`` (with the teams below) was employed in a
    scored team at some time from ``first`` to ``last``."""
    return _of_team(employed_between(first.start, last.last_day), team).exists()


def scope_employee_ids(team: Team | None, period: Period) -> list[int]:
    """The period's roster (``org.selectors.employed_during``): all of it, or the people of
    ``team`` and the teams below."""
    return list(_scope(team, period).order_by("id").values_list("id", flat=True))


def scope_roster(team: Team | None, period: Period) -> pd.DataFrame:
    """The people of ``scope_employee_ids`` with their ``team_id`` and ``level``, index id."""
    rows = _scope(team, period).order_by("id").values_list("id", "team_id", "level")
    return pd.DataFrame.from_records(list(rows), columns=["id", "team_id", "level"]).set_index("id")


# ``ScoreRun.schemes`` keys: a level, or this prefix and a pilot's id for a team's pilot scheme.
PILOT_KEY = "pilot:"


def is_pilot_key(key: str) -> bool:
    """Whether a key of ``ScoreRun.schemes`` names a pilot (else it is a level)."""
    return key.startswith(PILOT_KEY)


def pilot_covers(entry: dict[str, object], team_id, level) -> np.ndarray:
    """Whether a pilot (as ``pilots_in_force`` records it) weighs a person of ``team_id`` at
    ``level``: its team or one below it, at its scheme's level (any, for an all-levels scheme).
    Element-wise for Series, a 0-d array for one person."""
    covered = np.isin(team_id, entry["team_ids"])
    if entry["levels"]:
        covered &= np.isin(level, entry["levels"])
    return covered


def schemes_in_force(period: Period) -> dict[str, dict[str, object]]:
    """Per level, the scheme in force on the period's last day (so a past period keeps the
    weights of its time), as a run records it: ``{"id", "name", "version", "alpha"}``; and per
    pilot in force for the period (``pilots_in_force``), under ``"pilot:<id>"``, its scheme
    with the team it weighs."""
    found = {level: scheme_in_force(level=level, on=period.last_day) for level in Level.values}
    return {
        **{
            level: {
                "id": scheme.id,
                "name": scheme.name,
                "version": scheme.version,
                "alpha": scheme.entropy_alpha,
            }
            for level, scheme in found.items()
            if scheme is not None
        },
        **pilots_in_force(period),
    }


def pilots_in_force(period: Period) -> dict[str, dict[str, object]]:
    """The pilots whose months hold the whole period (and not cancelled before it ended), as a
    run records them: per ``"pilot:<id>"`` the scheme (``"id"``, ``"name"``, ``"version"``,
    ``"alpha"``), ``"pilot_id"``, ``"team_id"``, ``"team_ids"`` (the team and the teams below
    it, whose people the scheme weighs) and ``"levels"`` (the scheme's level; empty: every
    level). One query, and one per pilot for its teams."""
    pilots = (
        SchemePilot.objects.filter(first_month__lte=period.start, ends_before__gt=period.last_day)
        .filter(Q(cancelled_at__isnull=True) | Q(cancelled_at__date__gt=period.last_day))
        .select_related("scheme")
        .order_by("id")
    )
    return {
        f"{PILOT_KEY}{pilot.id}": {
            "id": pilot.scheme.id,
            "name": pilot.scheme.name,
            "version": pilot.scheme.version,
            "alpha": pilot.scheme.entropy_alpha,
            "pilot_id": pilot.id,
            "team_id": pilot.team_id,
            "team_ids": sorted(team_descendant_ids({pilot.team_id})),
            "levels": [pilot.scheme.level] if pilot.scheme.level != ALL_LEVELS else [],
        }
        for pilot in pilots
    }


def scheme_weights(schemes: dict[str, dict[str, object]]) -> dict[str, dict[str, float]]:
    """Per level (and pilot), the global weight of each indicator code in the given schemes (as
    recorded by ``schemes_in_force``), read in one query."""
    by_scheme: dict[int, dict[str, float]] = {scheme["id"]: {} for scheme in schemes.values()}
    for scheme_id, code, weight in SchemeWeight.objects.filter(scheme_id__in=by_scheme).values_list(
        "scheme_id", "indicator__code", "global_weight"
    ):
        by_scheme[scheme_id][code] = weight
    return {level: by_scheme[scheme["id"]] for level, scheme in schemes.items()}


def personal_targets(period: Period, employee_ids: list[int] | None) -> pd.DataFrame:
    """Each person's own targets in force at the period's start: ``employee_id``, ``code``,
    ``target`` (the latest raise dated on or before the start); everybody's for ``None``."""
    targets = PersonalTarget.objects.filter(effective_from__lte=period.start)
    if employee_ids is not None:
        targets = targets.filter(employee_id__in=employee_ids)
    rows = targets.order_by("employee_id", "indicator_id", "effective_from").values_list(
        "employee_id", "indicator__code", "target"
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["employee_id", "code", "target"])
    return frame.drop_duplicates(["employee_id", "code"], keep="last")


def adaptive_history(
    period: Period, employee_ids: list[int] | None, periods: int, threshold: float
) -> pd.DataFrame:
    """The current indicator scores of at least ``threshold`` in the last ``periods`` periods up
    to ``period`` (only those can make a run of high scores): ``employee_id``, ``code``,
    ``period``, ``normalised``, ``target``; of ``employee_ids``, or everybody's for ``None``."""
    starts = [period.start]
    for _ in range(periods - 1):
        starts.append(Period(period.kind, starts[-1]).previous().start)
    scores = IndicatorScore.objects.filter(
        employee_score__is_current=True,
        employee_score__period_kind=period.kind.value,
        employee_score__period_start__in=starts,
        normalised__gte=threshold,
    )
    if employee_ids is not None:
        scores = scores.filter(employee_score__employee_id__in=employee_ids)
    columns = {
        "employee_score__employee_id": "employee_id",
        "indicator__code": "code",
        "employee_score__period_start": "period",
        "normalised": "normalised",
        "target": "target",
    }
    return queryset_frame(scores, list(columns)).rename(columns=columns)


def scores_visible_to(user: AbstractBaseUser, period: Period) -> QuerySet[EmployeeScore]:
    """Current scores of ``period`` for the people the user may see individually: a merchandiser
    only their own, a manager their teams', HR and admins everyone."""
    return (
        EmployeeScore.objects.filter(
            is_current=True,
            period_kind=period.kind.value,
            period_start=period.start,
            employee__in=employees_visible_to(user),
        )
        .select_related("employee", "team")
        # The unscored have no rank: after the ranked, on every database.
        .order_by(F("company_rank").asc(nulls_last=True), "employee_id")
    )


def scorecard_for_employee(*, user: AbstractBaseUser, employee_id: int, period: Period):
    """One person's current score of the period with every indicator, or 404 when the user may
    not see that person (or there is no score)."""
    score = (
        scores_visible_to(user, period)
        .filter(employee_id=employee_id)
        .select_related("run")
        .prefetch_related("indicators__indicator")
        .first()
    )
    if score is None:
        raise Http404
    return score


def provisional_run_latest(period: Period) -> ScoreRun | None:
    """The provisional run that holds the period so far: the period's newest finished run if it
    is provisional (results published after it are newer), else ``None``."""
    newest = (
        ScoreRun.objects.filter(
            status=RunStatus.SUCCEEDED, period_kind=period.kind.value, period_start=period.start
        )
        .order_by(F("started_at").desc(nulls_last=True), "-id")
        .first()
    )
    return newest if newest is not None and newest.provisional else None


def provisional_scorecard_for_employee(*, user: AbstractBaseUser, employee_id: int, period: Period):
    """One person's period so far (``provisional_run_latest``; no grade, rank or plan) with
    every indicator, or 404 when the user may not see that person or there is none: never mixed
    into the published results ``scores_visible_to`` reads."""
    run = provisional_run_latest(period)
    score = None
    if run is not None:
        score = (
            EmployeeScore.objects.filter(
                run=run, employee_id=employee_id, employee__in=employees_visible_to(user)
            )
            .select_related("employee", "team", "run")
            .prefetch_related("indicators__indicator")
            .first()
        )
    if score is None:
        raise Http404
    return score


def provisional_scores_visible_to(
    user: AbstractBaseUser, period: Period
) -> QuerySet[EmployeeScore]:
    """The period so far of the people the user may see: each one's row of the latest
    provisional run that scored them (a newer run, provisional or published, deletes the rows it
    replaces, so what is left is the latest). Never current, graded or ranked, and so in
    employee number order, not by total: the month so far ranks nobody."""
    return (
        EmployeeScore.objects.filter(
            run__provisional=True,
            run__status=RunStatus.SUCCEEDED,
            period_kind=period.kind.value,
            period_start=period.start,
            employee__in=employees_visible_to(user),
        )
        .select_related("employee", "team", "run")
        .order_by("employee__employee_no", "employee_id")
    )


def runs_visible_to(user: AbstractBaseUser) -> QuerySet[ScoreRun]:
    """Score runs are operational records for HR and admins."""
    if user_role(user) in (Role.HR, Role.ADMIN):
        return ScoreRun.objects.select_related("team", "triggered_by")
    return ScoreRun.objects.none()


def can_start_runs(user: AbstractBaseUser) -> bool:
    return user_role(user) in (Role.HR, Role.ADMIN)


def measured_shares(period_start: dt.date | None = None) -> dict[int, float]:
    """Per indicator id, the share (0–1) of the people weighed on it whose value was measured, in
    the monthly period starting ``period_start`` (by default the latest scored). Two queries."""
    current = EmployeeScore.objects.filter(is_current=True, period_kind=PeriodKind.MONTH)
    if period_start is None:
        period_start = current.aggregate(latest=Max("period_start"))["latest"]
        if period_start is None:
            return {}
    rows = (
        IndicatorScore.objects.filter(employee_score__in=current.filter(period_start=period_start))
        .values("indicator_id")
        .annotate(weighed=Count("id"), measured=Count("raw"))
    )
    return {row["indicator_id"]: row["measured"] / row["weighed"] for row in rows if row["weighed"]}
