"""One person's scorecard: their scores, every indicator against the team, and a trend."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, Q

from dashboards.cache import kept
from dashboards.selectors.columns import TIERS, Column, chinese, indicator_columns
from dashboards.selectors.periods import ScoredPeriod, trend_periods
from dashboards.selectors.summaries import MEANS, company_summary
from indicators.models import WeightScheme
from indicators.wording import not_measured_reason
from org.models import Employee
from org.periods import Period
from org.selectors import employee_get_for_user
from scoring.models import EmployeeScore, IndicatorScore, ScoreState, ShowsScoreState
from scoring.selectors import is_pilot_key, pilot_covers


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
    # Why there is no value (``EmployeeScore.not_measured``), ``None`` when measured; worded when
    # shown, in the reader's language (the card itself is cached for every language).
    not_measured: dict | None = None

    @property
    def not_measured_reason(self) -> str:
        if not self.not_measured:
            return ""
        return not_measured_reason(self.not_measured, self.column.calculator)

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
class Scorecard(ShowsScoreState):
    employee_id: int
    employee_no: str
    name: str
    team_id: int
    team: str
    level: str
    period: Period
    state: str
    measured_share: float | None
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
    # The scheme of the team pilot that weighed the person this period, if one did (its id: the
    # card is kept for every language, the scheme is named in the reader's).
    pilot_scheme_id: int | None = None

    @property
    def pilot_scheme_name(self) -> str:
        if self.pilot_scheme_id is None:
            return ""
        scheme = WeightScheme.objects.filter(pk=self.pilot_scheme_id).first()
        return str(scheme) if scheme is not None else ""

    @property
    def explanation_lines(self) -> list[str]:
        return self.explanation.get("zh" if chinese() else "en", [])

    @property
    def suggestion_lines(self) -> list[str]:
        return self.suggestions.get("zh" if chinese() else "en", [])

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
    "state",
    "measured_share",
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
    "not_measured",
    "explanation",
    "suggestions",
    "improvement_plan",
    "run__schemes",
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
        columns = indicator_columns(period.period)
        values: dict[tuple[int, int], dict] = {}
        for row in IndicatorScore.objects.filter(
            employee_score_id__in=[score["id"], *([previous["id"]] if previous else [])]
        ).values("employee_score_id", "indicator_id", *LINE_FIELDS):
            values[(row["employee_score_id"], row["indicator_id"])] = row
        team = team_figures(team_id=score["team_id"], trend=trend)
        reasons = score["not_measured"] or {}
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
                    not_measured=reasons.get(column.code),
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
            state=score["state"],
            measured_share=score["measured_share"],
            total=score["total"],
            uncapped_total=score["uncapped_total"],
            grade=score["grade"],
            tiers={tier: score[tier] for tier in TIERS},
            team_means=team.means,
            team_rank=score["team_rank"],
            team_size=team.scored,
            team_percentile=score["team_percentile"],
            company_rank=score["company_rank"],
            company_size=company_summary(period).scored,
            company_percentile=score["company_percentile"],
            vetoes=tuple(score["vetoes"] or ()),
            missing=tuple(score["missing"] or ()),
            explanation=score["explanation"] or {},
            suggestions=score["suggestions"] or {},
            improvement_plan=score["improvement_plan"],
            pilot_scheme_id=_pilot_scheme_id(score),
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

    parts = (employee.id, employee.team_id, tuple(p.period for p in trend))
    return kept("scorecard", parts, build)


def _pilot_scheme_id(score: dict) -> int | None:
    """The scheme of the pilot the run weighed this person by (their team, their level), if
    any."""
    for key, entry in (score["run__schemes"] or {}).items():
        if is_pilot_key(key) and pilot_covers(entry, score["team_id"], score["level"]):
            return int(entry["id"])
    return None


@dataclass(frozen=True)
class TeamFigures:
    """A team's aggregates in a period, as a member's scorecard compares against: how many were
    scored (ranks run over them), the mean total and tier scores, the mean 0–100 score per
    indicator id, and the mean total of each trend period (by period start)."""

    scored: int
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
            .annotate(
                scored=Count("id", filter=Q(state=ScoreState.SCORED)),
                **{name: Avg(name) for name in MEANS},
            )
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
            scored=now.get("scored", 0),
            means={name: now.get(name) for name in MEANS},
            indicator_means=indicator_means,
            trend={start: row["total"] for start, row in per_period.items()},
        )

    return kept("team-figures", (team_id, tuple(p.period for p in trend)), build)
