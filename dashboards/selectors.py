"""Reads behind the dashboards: scorecards, team heatmaps and the company overview.

Scores come from the current results of a period, in a fixed number of queries whatever the size
of the team, and are cached per period and team. Every cache key carries the latest finished
score run of each period it reads, so a new run is seen on the next request instead of after an
expiry. Who may see whom is decided by ``org.selectors`` before anything is read or cached; keys
of anything scoped carry what the user may see.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Avg, Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import get_language

from indicators.models import IndicatorDefinition, Tier
from ingest.models import OrderNode, ProcessNode, Source, SyncRun, SyncStatus
from org.models import Employee, Role, Team
from org.periods import Period, PeriodKind
from org.selectors import employee_get_for_user, teams_visible_to, user_role
from scoring.models import EmployeeScore, IndicatorScore, RunStatus, ScoreRun
from scoring.selectors import scores_visible_to

# Keys change with every run; the timeout only bounds how long unused entries take up memory.
CACHE_SECONDS = 24 * 60 * 60
# Bump when a cached shape below changes, so a deploy never unpickles the old one.
CACHE_VERSION = 1
TREND_PERIODS = 6
TIERS: tuple[str, ...] = tuple(Tier.values)
GRADES = ("S", "A", "B", "C", "D")
MEANS = ("total", *TIERS)
SORT_KEYS = MEANS
# A source synced daily, with two hours of slack, is fresh; older than this it is flagged.
STALE_AFTER = dt.timedelta(hours=26)
OVERDUE_LISTED = 20
# Nodes past their deadline change by the minute, not by the score run: reading them costs a
# scan of every open node, so the warning may be this many seconds old.
OVERDUE_CACHE_SECONDS = 60
# The visibility token of those who see every person (HR, admins).
EVERYONE = "everyone"

T = TypeVar("T")


def _chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def _cached(parts: tuple, build: Callable[[], T], seconds: int = CACHE_SECONDS) -> T:
    """``build()``'s value, kept in the cache under ``parts`` (which say everything it depends
    on: periods with their runs, teams, what the user may see)."""
    digest = hashlib.sha256(repr((CACHE_VERSION, *parts)).encode()).hexdigest()
    key = f"dashboards:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value


@dataclass(frozen=True)
class Column:
    """An indicator as the dashboards show it; the name follows the active language."""

    id: int
    code: str
    calculator: str
    tier: str
    unit: str
    direction: str
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return (self.name_zh or self.name_en) if _chinese() else (self.name_en or self.name_zh)


def indicator_columns() -> list[Column]:
    """Active indicators, tier by tier (basic, efficiency, quality, innovation), in one query."""
    rows = IndicatorDefinition.objects.filter(is_active=True).values_list(
        "id", "code", "calculator", "tier", "unit", "direction", "name_zh", "name_en", "position"
    )
    ordered = sorted(rows, key=lambda row: (TIERS.index(row[3]), row[8], row[1]))
    return [Column(*row[:8]) for row in ordered]


# ---------------------------------------------------------------------------------------------
# Periods and their runs


@dataclass(frozen=True)
class ScoredPeriod:
    """A period and a stamp of its published results: the newest finished run and when the
    latest one finished. Either changes when a run of the period is published."""

    period: Period
    stamp: str

    @property
    def scored(self) -> bool:
        return bool(self.stamp)


def scored_periods() -> list[ScoredPeriod]:
    """Periods with published scores, newest first, with their stamps (one query over runs)."""
    rows = (
        ScoreRun.objects.filter(status=RunStatus.SUCCEEDED)
        .values("period_kind", "period_start")
        .annotate(newest=Max("id"), finished=Max("finished_at"))
        .order_by("-period_start", "period_kind")
    )
    return [
        ScoredPeriod(
            Period(PeriodKind(row["period_kind"]), row["period_start"]),
            f"{row['newest']}@{row['finished'].timestamp() if row['finished'] else ''}",
        )
        for row in rows
    ]


def _stamp(period: Period, periods: Iterable[ScoredPeriod]) -> ScoredPeriod:
    """``period`` with its stamp among ``periods``; an empty stamp when nothing scored it."""
    return next((p for p in periods if p.period == period), ScoredPeriod(period, ""))


def period_pick(requested: str, periods: list[ScoredPeriod]) -> ScoredPeriod | None:
    """The period asked for (``2026-10``, ``2026-Q4``), else the latest scored month (else the
    latest scored period); ``None`` when nothing was ever scored. Malformed text is a 404."""
    if requested:
        try:
            return _stamp(Period.parse(requested), periods)
        except ValueError as exc:
            raise Http404 from exc
    months = [p for p in periods if p.period.kind is PeriodKind.MONTH]
    return (months or periods or [None])[0]


def trend_periods(period: Period, periods: list[ScoredPeriod]) -> list[ScoredPeriod]:
    """The ``TREND_PERIODS`` periods of the same kind ending with ``period``, oldest first."""
    found = [period]
    while len(found) < TREND_PERIODS:
        found.append(found[-1].previous())
    return [_stamp(p, periods) for p in reversed(found)]


# ---------------------------------------------------------------------------------------------
# Summaries


@dataclass(frozen=True)
class Summary:
    """How a group's scores spread: how many people, how many per grade, and the mean total
    and tier scores (``None`` where nobody has one)."""

    people: int
    grades: dict[str, int]
    means: dict[str, float | None]


def _summary_from_groups(groups: Iterable[dict]) -> Summary:
    """A summary from rows grouped by grade, each with ``people`` and, per mean, ``<name>_sum``
    and ``<name>_n`` (so groups can be added up without re-reading the scores)."""
    people, grades = 0, dict.fromkeys(GRADES, 0)
    sums, counts = dict.fromkeys(MEANS, 0.0), dict.fromkeys(MEANS, 0)
    for group in groups:
        people += group["people"]
        if group["grade"] in grades:
            grades[group["grade"]] += group["people"]
        for name in MEANS:
            sums[name] += group[f"{name}_sum"] or 0.0
            counts[name] += group[f"{name}_n"]
    means = {name: (sums[name] / counts[name] if counts[name] else None) for name in MEANS}
    return Summary(people=people, grades=grades, means=means)


def _grouped_sums() -> dict:
    """Aggregates that let ``_summary_from_groups`` add groups up."""
    sums = {f"{name}_sum": Sum(name) for name in MEANS}
    counts = {f"{name}_n": Count(name) for name in MEANS}
    return {"people": Count("id"), **sums, **counts}


def _current_scores(period: Period):
    return EmployeeScore.objects.filter(
        is_current=True, period_kind=period.kind.value, period_start=period.start
    )


def company_summary(period: ScoredPeriod) -> Summary:
    """Grades and mean scores of everyone scored in the period (one query, cached)."""

    def build() -> Summary:
        groups = _current_scores(period.period).values("grade").annotate(**_grouped_sums())
        return _summary_from_groups(groups.order_by())

    return _cached(("company-summary", period), build)


# ---------------------------------------------------------------------------------------------
# Teams: who a user may look at, and the heatmap of their members


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
class MemberRow:
    """One person on a team heatmap: their score and, per indicator code, (0–100 score, raw)."""

    employee_id: int
    employee_no: str
    name: str
    team: str
    level: str
    total: float | None
    grade: str
    tiers: dict[str, float | None]
    team_rank: int | None
    vetoes: tuple[str, ...]
    improvement_plan: bool
    cells: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def mean(self, name: str) -> float | None:
        return self.total if name == "total" else self.tiers.get(name)


@dataclass(frozen=True)
class TeamBoard:
    columns: list[Column]
    members: list[MemberRow]
    summary: Summary

    @property
    def column_names(self) -> dict[str, str]:
        """Indicator names by code, in the active language (for vetoes)."""
        return {column.code: column.name for column in self.columns}


SCORE_FIELDS = ("total", *TIERS, "grade", "team_rank", "vetoes", "improvement_plan")


def team_board(*, user: AbstractBaseUser, period: ScoredPeriod, scope: TeamScope) -> TeamBoard:
    """Members of the scope's teams scored in the period, with every indicator, and the team
    summary: the scores, their indicators and the catalog in three queries, cached."""

    def build() -> TeamBoard:
        columns = indicator_columns()
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
                total=score["total"],
                grade=score["grade"],
                tiers={tier: score[tier] for tier in TIERS},
                team_rank=score["team_rank"],
                vetoes=tuple(score["vetoes"] or ()),
                improvement_plan=score["improvement_plan"],
                cells=cells.get(score["id"], {}),
            )
            for score in scores
        ]
        return TeamBoard(columns, members, _summary_of(members))

    return _cached(("team-board", period, scope.team_ids, scope.visibility), build)


def _summary_of(members: list[MemberRow]) -> Summary:
    groups = [
        {
            "grade": member.grade,
            "people": 1,
            **{f"{name}_sum": member.mean(name) for name in MEANS},
            **{f"{name}_n": int(member.mean(name) is not None) for name in MEANS},
        }
        for member in members
    ]
    return _summary_from_groups(groups)


def members_sorted(members: list[MemberRow], by: str) -> list[MemberRow]:
    """Best first by the total or a tier score; people without that score last."""
    if by not in SORT_KEYS:
        by = "total"
    return sorted(
        members,
        key=lambda member: (member.mean(by) is None, -(member.mean(by) or 0.0), member.name),
    )


# ---------------------------------------------------------------------------------------------
# One person's scorecard


def scorecard_employee_get(*, user: AbstractBaseUser, employee_id: int) -> Employee:
    """The person whose scorecard is asked for: oneself always, anyone else only within the
    user's scope (``employee_get_for_user``: 404 otherwise)."""
    own = Employee.objects.select_related("team").filter(user=user, pk=employee_id).first()
    return own or employee_get_for_user(user=user, employee_id=employee_id)


@dataclass(frozen=True)
class Line:
    """One indicator of a scorecard. ``team_score`` is the team's mean 0–100 score on it (the
    radar's comparison); ``previous_*`` are last period's values."""

    column: Column
    raw: float | None
    target: float | None
    team_average: float | None
    normalised: float | None
    weight: float | None
    contribution: float | None
    team_percentile: float | None
    team_score: float | None
    previous_raw: float | None
    previous_normalised: float | None

    @property
    def change(self) -> float | None:
        """Points of 0–100 score gained (or lost) since last period."""
        if self.normalised is None or self.previous_normalised is None:
            return None
        return self.normalised - self.previous_normalised


@dataclass(frozen=True)
class TrendPoint:
    label: str
    total: float | None
    team_average: float | None


@dataclass(frozen=True)
class Scorecard:
    employee_id: int
    employee_no: str
    name: str
    team_id: int
    team: str
    level: str
    period: Period
    total: float | None
    uncapped_total: float | None
    grade: str
    tiers: dict[str, float | None]
    team_means: dict[str, float | None]  # the team's mean total and tier scores
    team_rank: int | None
    team_size: int
    team_percentile: float | None
    company_rank: int | None
    company_size: int
    company_percentile: float | None
    vetoes: tuple[str, ...]
    missing: tuple[str, ...]
    explanation: dict[str, list[str]]
    suggestions: dict[str, list[str]]
    improvement_plan: bool
    lines: list[Line]
    trend: list[TrendPoint]

    @property
    def explanation_lines(self) -> list[str]:
        return self.explanation.get("zh" if _chinese() else "en", [])

    @property
    def suggestion_lines(self) -> list[str]:
        return self.suggestions.get("zh" if _chinese() else "en", [])

    @property
    def veto_names(self) -> list[str]:
        return [line.column.name for line in self.lines if line.column.code in self.vetoes]

    @property
    def missing_names(self) -> list[str]:
        return [line.column.name for line in self.lines if line.column.code in self.missing]


CARD_FIELDS = (
    "id",
    "period_start",
    "team_id",
    "team__name",
    "level",
    "total",
    "uncapped_total",
    "grade",
    *TIERS,
    "team_rank",
    "team_percentile",
    "company_rank",
    "company_percentile",
    "vetoes",
    "missing",
    "explanation",
    "suggestions",
    "improvement_plan",
)
LINE_FIELDS = (
    "raw",
    "target",
    "team_average",
    "normalised",
    "weight",
    "contribution",
    "team_percentile",
)


def scorecard_read(
    *, employee: Employee, period: ScoredPeriod, periods: list[ScoredPeriod]
) -> Scorecard | None:
    """``employee``'s scorecard of the period (``None`` without a score), with last period's
    values and a trend; the caller has decided the user may see this person. Six queries on a
    miss, shared team figures cached per team."""
    trend = trend_periods(period.period, periods)

    def build() -> Scorecard | None:
        rows = {
            row["period_start"]: row
            for row in EmployeeScore.objects.filter(
                employee=employee,
                is_current=True,
                period_kind=period.period.kind.value,
                period_start__in=[p.period.start for p in trend],
            ).values(*CARD_FIELDS)
        }
        score = rows.get(period.period.start)
        if score is None:
            return None
        previous = rows.get(period.period.previous().start)
        columns = indicator_columns()
        values: dict[tuple[int, int], dict] = {}
        for row in IndicatorScore.objects.filter(
            employee_score_id__in=[score["id"], *([previous["id"]] if previous else [])]
        ).values("employee_score_id", "indicator_id", *LINE_FIELDS):
            values[(row["employee_score_id"], row["indicator_id"])] = row
        team = team_figures(team_id=score["team_id"], trend=trend)
        lines = []
        for column in columns:
            now = values.get((score["id"], column.id))
            if now is None:
                continue  # not measured for this person's level
            before = values.get((previous["id"], column.id), {}) if previous else {}
            lines.append(
                Line(
                    column=column,
                    **{name: now[name] for name in LINE_FIELDS},
                    team_score=team.indicator_means.get(column.id),
                    previous_raw=before.get("raw"),
                    previous_normalised=before.get("normalised"),
                )
            )
        return Scorecard(
            employee_id=employee.id,
            employee_no=employee.employee_no,
            name=employee.name,
            team_id=score["team_id"],
            team=score["team__name"],
            level=score["level"],
            period=period.period,
            total=score["total"],
            uncapped_total=score["uncapped_total"],
            grade=score["grade"],
            tiers={tier: score[tier] for tier in TIERS},
            team_means=team.means,
            team_rank=score["team_rank"],
            team_size=team.people,
            team_percentile=score["team_percentile"],
            company_rank=score["company_rank"],
            company_size=company_summary(period).people,
            company_percentile=score["company_percentile"],
            vetoes=tuple(score["vetoes"] or ()),
            missing=tuple(score["missing"] or ()),
            explanation=score["explanation"] or {},
            suggestions=score["suggestions"] or {},
            improvement_plan=score["improvement_plan"],
            lines=lines,
            trend=[
                TrendPoint(
                    label=p.period.label,
                    total=rows[p.period.start]["total"] if p.period.start in rows else None,
                    team_average=team.trend.get(p.period.start),
                )
                for p in trend
            ],
        )

    return _cached(("scorecard", employee.id, employee.team_id, period, tuple(trend)), build)


@dataclass(frozen=True)
class TeamFigures:
    """A team's aggregates in a period, as a member's scorecard compares against: how many were
    scored, the mean total and tier scores, the mean 0–100 score per indicator id, and the mean
    total of each trend period (by period start)."""

    people: int
    means: dict[str, float | None]
    indicator_means: dict[int, float | None]
    trend: dict[dt.date, float | None]


def team_figures(*, team_id: int, trend: list[ScoredPeriod]) -> TeamFigures:
    """Aggregates of a team over the trend periods (the last is the period shown): two queries,
    cached per team, so every member's scorecard shares them."""
    period = trend[-1].period

    def build() -> TeamFigures:
        per_period = {
            row["period_start"]: row
            for row in EmployeeScore.objects.filter(
                team_id=team_id,
                is_current=True,
                period_kind=period.kind.value,
                period_start__in=[p.period.start for p in trend],
            )
            .values("period_start")
            .annotate(people=Count("id"), **{name: Avg(name) for name in MEANS})
            .order_by()
        }
        now = per_period.get(period.start, {})
        indicator_means = dict(
            IndicatorScore.objects.filter(
                employee_score__team_id=team_id,
                employee_score__is_current=True,
                employee_score__period_kind=period.kind.value,
                employee_score__period_start=period.start,
            )
            .values("indicator_id")
            .annotate(mean=Avg("normalised"))
            .order_by()
            .values_list("indicator_id", "mean")
        )
        return TeamFigures(
            people=now.get("people", 0),
            means={name: now.get(name) for name in MEANS},
            indicator_means=indicator_means,
            trend={start: row["total"] for start, row in per_period.items()},
        )

    return _cached(("team-figures", team_id, tuple(trend)), build)


# ---------------------------------------------------------------------------------------------
# The company, for HR


@dataclass(frozen=True)
class TeamRow:
    """One team on the company heatmap: its summary and its mean 0–100 score per code."""

    team_id: int
    name: str
    manager: str
    summary: Summary
    cells: dict[str, float | None]


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
        columns = indicator_columns()
        code_of = {column.id: column.code for column in columns}
        groups: dict[int, list[dict]] = {}
        for row in (
            _current_scores(period.period)
            .values("team_id", "grade")
            .annotate(**_grouped_sums())
            .order_by()
        ):
            groups.setdefault(row["team_id"], []).append(row)
        cells: dict[int, dict[str, float | None]] = {}
        for team_id, indicator_id, mean in (
            IndicatorScore.objects.filter(
                employee_score__is_current=True,
                employee_score__period_kind=period.period.kind.value,
                employee_score__period_start=period.period.start,
            )
            .values("employee_score__team_id", "indicator_id")
            .annotate(mean=Avg("normalised"))
            .order_by()
            .values_list("employee_score__team_id", "indicator_id", "mean")
        ):
            if indicator_id in code_of:
                cells.setdefault(team_id, {})[code_of[indicator_id]] = mean
        teams = Team.objects.filter(id__in=groups).values_list("id", "name", "manager__name")
        rows = [
            TeamRow(
                team_id=team_id,
                name=name,
                manager=manager or "",
                summary=_summary_from_groups(groups[team_id]),
                cells=cells.get(team_id, {}),
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
            summary=_summary_from_groups(row for team in groups.values() for row in team),
            trend=[
                CompanyTrendPoint(
                    label=p.period.label,
                    people=trend_rows.get(p.period.start, {}).get("people", 0),
                    means={name: trend_rows.get(p.period.start, {}).get(name) for name in MEANS},
                )
                for p in trend
            ],
        )

    return _cached(("company-board", tuple(trend)), build)


def company_people(period: Period) -> list[dict]:
    """Everyone's score of the period with name, number and team (for the company export):
    one query."""
    return list(
        _current_scores(period)
        .order_by("team__name", "company_rank", "employee__employee_no")
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


# ---------------------------------------------------------------------------------------------
# Operations: nodes past their threshold, data freshness, appeals


@dataclass(frozen=True)
class OverdueNode:
    order_no: str
    node: str  # the ProcessNode value; its label follows the active language
    merchandiser: str
    team: str
    due_at: dt.datetime
    hours_overdue: float

    @property
    def node_label(self) -> str:
        return str(ProcessNode(self.node).label) if self.node in ProcessNode.values else self.node


@dataclass(frozen=True)
class OverdueNodes:
    """Open process nodes whose deadline has passed (the node-timeout warning): how many, on how
    many orders, and the longest overdue."""

    nodes: int
    orders: int
    oldest: list[OverdueNode]


def overdue_nodes(*, now: dt.datetime, limit: int = OVERDUE_LISTED) -> OverdueNodes:
    """Nodes still open past their ``due_at``: how many, on how many orders, and the ``limit``
    longest overdue. Two queries, cached for ``OVERDUE_CACHE_SECONDS``."""

    def build() -> OverdueNodes:
        # A node is due after it starts, so ``started_at < now`` adds nothing to the meaning;
        # stating it lets the database read the small index of open nodes.
        nodes = OrderNode.objects.filter(
            completed_at__isnull=True, started_at__lt=now, due_at__lt=now
        )
        counts = nodes.aggregate(nodes=Count("id"), orders=Count("order_id", distinct=True))
        # Sorted by an expression (``due_at`` is never null): sorting the few open nodes beats
        # walking the deadline index of every node ever made, which a plain ORDER BY due_at
        # LIMIT tempts the planner into (seconds at a million orders).
        oldest = nodes.order_by(Coalesce("due_at", "started_at")).values_list(
            "order_id",
            "order__external_id",
            "node",
            "order__merchandiser__name",
            "order__merchandiser__team__name",
            "due_at",
        )[:limit]
        return OverdueNodes(
            nodes=counts["nodes"],
            orders=counts["orders"],
            oldest=[
                OverdueNode(
                    order_no=order_no or f"#{order_id}",
                    node=node,
                    merchandiser=merchandiser,
                    team=team,
                    due_at=due_at,
                    hours_overdue=(now - due_at).total_seconds() / 3600,
                )
                for order_id, order_no, node, merchandiser, team, due_at in oldest
            ],
        )

    return _cached(("overdue-nodes", limit), build, OVERDUE_CACHE_SECONDS)


@dataclass(frozen=True)
class Freshness:
    """When a source last synced successfully, and how its latest run went."""

    name: str
    kind: str
    enabled: bool
    last_success: dt.datetime | None
    latest_status: str
    stale: bool


def source_freshness(*, now: dt.datetime) -> list[Freshness]:
    """Every data source with its last successful run's finish and its latest run's status:
    one query."""
    latest = SyncRun.objects.filter(source=OuterRef("pk")).order_by("-created_at")
    sources = Source.objects.annotate(
        last_success=Max("runs__finished_at", filter=Q(runs__status=SyncStatus.SUCCEEDED)),
        latest_status=Subquery(latest.values("status")[:1]),
    ).order_by("name")
    return [
        Freshness(
            name=source.name,
            kind=source.get_kind_display(),
            enabled=source.enabled,
            last_success=source.last_success,
            latest_status=(
                str(SyncStatus(source.latest_status).label) if source.latest_status else ""
            ),
            stale=source.last_success is None or now - source.last_success > STALE_AFTER,
        )
        for source in sources
    ]


def appeals_open_count() -> int | None:
    """Appeals waiting for a decision, when the appeals app is installed and provides
    ``appeals.selectors.open_appeals_count() -> int``; ``None`` (no tile) otherwise."""
    if not apps.is_installed("appeals"):
        return None
    try:
        from appeals.selectors import open_appeals_count
    except ImportError:
        return None
    return open_appeals_count()
