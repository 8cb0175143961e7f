"""The team heatmap (members × indicators of the teams a user may see) and the company
heatmap (teams × indicators, for HR), with their summaries."""

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, F
from django.http import Http404
from django.utils.translation import gettext as _

from dashboards.cache import kept
from dashboards.selectors.columns import TIERS, Column, indicator_columns
from dashboards.selectors.periods import ScoredPeriod, trend_periods
from dashboards.selectors.summaries import (
    MEANS,
    Summary,
    current_scores,
    grouped_sums,
    summary_from_groups,
)
from indicators.wording import not_measured_reason
from org.models import Role, Team
from org.periods import Period
from org.selectors import teams_visible_to, user_role
from scoring.models import EmployeeScore, IndicatorScore, ScoreState, ShowsScoreState
from scoring.selectors import scores_visible_to

SORT_KEYS = MEANS
# The visibility token of those who see every person (HR, admins).
EVERYONE = "everyone"


@dataclass(frozen=True)
class TeamChoice:
    id: int
    name: str


@dataclass(frozen=True)
class TeamScope:
    """The teams a user may pick, the one picked (``None``: all of them at once), the teams whose
    members are shown, and a token of whom the user may see individually (for cache keys)."""

    choices: list[TeamChoice]
    selected: TeamChoice | None
    team_ids: tuple[int, ...]
    visibility: str

    @property
    def empty(self) -> bool:
        return not self.team_ids

    @property
    def can_show_all(self) -> bool:
        """Whether "all my teams" is offered: to managers, never for the whole company."""
        return self.visibility != EVERYONE


def team_scope_for_user(*, user: AbstractBaseUser, team_id: int | None) -> TeamScope:
    """The scored teams the user may see by name, and the ones to show: ``team_id`` (404 when
    not visible), else a manager's only team or all of their teams at once, else (HR, admins:
    the company page is theirs) the first team by name."""
    visible = list(teams_visible_to(user).order_by("name").values_list("id", "name", "is_scored"))
    choices = [TeamChoice(team, name) for team, name, scored in visible if scored]
    if user_role(user) in (Role.HR, Role.ADMIN):
        visibility = EVERYONE
    else:
        ids = ",".join(str(team) for team in sorted(team for team, _name, _scored in visible))
        visibility = hashlib.sha256(ids.encode()).hexdigest()
    if team_id is not None:
        selected = next((choice for choice in choices if choice.id == team_id), None)
        if selected is None:
            raise Http404
        return TeamScope(choices, selected, (selected.id,), visibility)
    if (visibility == EVERYONE and choices) or len(choices) == 1:
        return TeamScope(choices, choices[0], (choices[0].id,), visibility)
    return TeamScope(choices, None, tuple(choice.id for choice in choices), visibility)


@dataclass(frozen=True)
class MemberRow(ShowsScoreState):
    """One person on a team heatmap: their score and, per indicator code, (0–100 score, raw)."""

    employee_id: int
    employee_no: str
    name: str
    team: str
    level: str
    state: str
    measured_share: float | None
    total: float | None
    grade: str
    tiers: dict[str, float | None]
    team_rank: int | None
    vetoes: tuple[str, ...]
    improvement_plan: bool
    cells: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # Why each indicator without a value was not measured (``EmployeeScore.not_measured``).
    not_measured: dict[str, dict] = field(default_factory=dict)

    def why_not_measured(self, column: Column) -> str:
        """Why the person has no score on ``column``, in words."""
        if column.code not in self.cells:
            return _("not weighed at this level")
        return not_measured_reason(self.not_measured.get(column.code, {}), column.calculator)

    def mean(self, name: str) -> float | None:
        return self.total if name == "total" else self.tiers.get(name)

    @property
    def has_activity(self) -> bool:
        """Whether the person had records in the period (and so values on the heatmap)."""
        return self.state != ScoreState.NO_ACTIVITY


@dataclass(frozen=True)
class TeamBoard:
    columns: list[Column]
    members: list[MemberRow]
    summary: Summary

    @property
    def column_names(self) -> dict[str, str]:
        """Indicator names by code, in the active language (for vetoes)."""
        return {column.code: column.name for column in self.columns}


SCORE_FIELDS = (
    "state",
    "measured_share",
    "total",
    *TIERS,
    "grade",
    "team_rank",
    "vetoes",
    "improvement_plan",
)


def team_board(*, user: AbstractBaseUser, period: ScoredPeriod, scope: TeamScope) -> TeamBoard:
    """Members of the scope's teams scored in the period, with every indicator, and the team
    summary: the scores, their indicators and the catalog in three queries, cached."""

    def build() -> TeamBoard:
        columns = indicator_columns(period.period)
        scores = list(
            scores_visible_to(user, period.period)
            .filter(team_id__in=scope.team_ids)
            .values(
                "id",
                "employee_id",
                "employee__employee_no",
                "employee__name",
                "team__name",
                "level",
                "not_measured",
                *SCORE_FIELDS,
            )
        )
        code_of = {column.id: column.code for column in columns}
        cells: dict[int, dict[str, tuple[float | None, float | None]]] = {}
        for score_id, indicator_id, normalised, raw in IndicatorScore.objects.filter(
            employee_score_id__in=[score["id"] for score in scores]
        ).values_list("employee_score_id", "indicator_id", "normalised", "raw"):
            if indicator_id in code_of:
                cells.setdefault(score_id, {})[code_of[indicator_id]] = (normalised, raw)
        members = [
            MemberRow(
                employee_id=score["employee_id"],
                employee_no=score["employee__employee_no"],
                name=score["employee__name"],
                team=score["team__name"],
                level=score["level"],
                state=score["state"],
                measured_share=score["measured_share"],
                total=score["total"],
                grade=score["grade"],
                tiers={tier: score[tier] for tier in TIERS},
                team_rank=score["team_rank"],
                vetoes=tuple(score["vetoes"] or ()),
                improvement_plan=score["improvement_plan"],
                cells=cells.get(score["id"], {}),
                not_measured=score["not_measured"] or {},
            )
            for score in scores
        ]
        return TeamBoard(columns, members, _summary_of(members))

    return kept("team-board", (period.period, scope.team_ids, scope.visibility), build)


def _summary_of(members: list[MemberRow]) -> Summary:
    groups = [
        {
            "grade": member.grade,
            "people": 1,
            "scored": int(member.is_scored),
            **{f"{name}_sum": member.mean(name) for name in MEANS},
            **{f"{name}_n": int(member.mean(name) is not None) for name in MEANS},
        }
        for member in members
    ]
    return summary_from_groups(groups)


def members_sorted(members: list[MemberRow], by: str) -> list[MemberRow]:
    """Best first by the total or a tier score; people without that score last."""
    if by not in SORT_KEYS:
        by = "total"
    return sorted(
        members,
        key=lambda member: (member.mean(by) is None, -(member.mean(by) or 0.0), member.name),
    )


@dataclass(frozen=True)
class TeamRow:
    """One team on the company heatmap: its summary and, per code, its mean 0–100 score and
    its mean raw value."""

    team_id: int
    name: str
    manager: str
    summary: Summary
    cells: dict[str, float | None]
    raw_means: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class CompanyTrendPoint:
    label: str
    people: int
    means: dict[str, float | None]


@dataclass(frozen=True)
class CompanyBoard:
    columns: list[Column]
    teams: list[TeamRow]
    summary: Summary
    trend: list[CompanyTrendPoint]


def company_board(*, period: ScoredPeriod, periods: list[ScoredPeriod]) -> CompanyBoard:
    """Every scored team of the period with its summary and indicator means, the company's
    summary and its trend: five queries, cached. Only for those who see every team (HR,
    admins), so nothing here depends on the user."""
    trend = trend_periods(period.period, periods)

    def build() -> CompanyBoard:
        columns = indicator_columns(period.period)
        code_of = {column.id: column.code for column in columns}
        groups: dict[int, list[dict]] = {}
        for row in (
            current_scores(period.period)
            .values("team_id", "grade")
            .annotate(**grouped_sums())
            .order_by()
        ):
            groups.setdefault(row["team_id"], []).append(row)
        cells: dict[int, dict[str, float | None]] = {}
        raw_means: dict[int, dict[str, float | None]] = {}
        for team_id, indicator_id, mean, raw in (
            IndicatorScore.objects.filter(
                employee_score__is_current=True,
                employee_score__period_kind=period.period.kind.value,
                employee_score__period_start=period.period.start,
            )
            .values("employee_score__team_id", "indicator_id")
            .annotate(mean=Avg("normalised"), raw=Avg("raw"))
            .order_by()
            .values_list("employee_score__team_id", "indicator_id", "mean", "raw")
        ):
            if indicator_id in code_of:
                cells.setdefault(team_id, {})[code_of[indicator_id]] = mean
                raw_means.setdefault(team_id, {})[code_of[indicator_id]] = raw
        teams = Team.objects.filter(id__in=groups).values_list("id", "name", "manager__name")
        rows = [
            TeamRow(
                team_id=team_id,
                name=name,
                manager=manager or "",
                summary=summary_from_groups(groups[team_id]),
                cells=cells.get(team_id, {}),
                raw_means=raw_means.get(team_id, {}),
            )
            for team_id, name, manager in teams
        ]
        rows.sort(key=lambda row: (row.summary.means["total"] is None, row.name))
        trend_rows = {
            row["period_start"]: row
            for row in EmployeeScore.objects.filter(
                is_current=True,
                period_kind=period.period.kind.value,
                period_start__in=[p.period.start for p in trend],
            )
            .values("period_start")
            .annotate(people=Count("id"), **{name: Avg(name) for name in MEANS})
            .order_by()
        }
        return CompanyBoard(
            columns=columns,
            teams=rows,
            summary=summary_from_groups(row for team in groups.values() for row in team),
            trend=[
                CompanyTrendPoint(
                    label=p.period.label,
                    people=trend_rows.get(p.period.start, {}).get("people", 0),
                    means={name: trend_rows.get(p.period.start, {}).get(name) for name in MEANS},
                )
                for p in trend
            ],
        )

    return kept("company-board", tuple(p.period for p in trend), build)


def company_people(period: Period) -> list[dict]:
    """Everyone's score of the period with name, number and team (for the company export):
    one query."""
    return list(
        current_scores(period)
        .order_by("team__name", F("company_rank").asc(nulls_last=True), "employee__employee_no")
        .values(
            "employee__employee_no",
            "employee__name",
            "team__name",
            "level",
            *SCORE_FIELDS,
            "team_percentile",
            "company_rank",
            "company_percentile",
        )
    )
