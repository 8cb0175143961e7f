"""The month to date: the open month scored so far by its latest provisional run, as the
scorecard and the team page show it beside (never among) the published results. It carries a
total, tier scores and indicator values only: a provisional row has no grade, rank, percentile
or plan, and nothing here compares a person with others.

Kept in the dashboards' cache until its epoch moves, which a provisional run does as it finishes
(``scoring.signals.scores_provisional_kept``), so a new run shows at once."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.formats import date_format

from dashboards.cache import kept
from dashboards.selectors.columns import TIERS, Column
from indicators.wording import not_measured_reason
from org.models import Employee
from org.periods import Period
from scoring.models import IndicatorScore, ShowsScoreState
from scoring.selectors import provisional_scores_visible_to

SO_FAR_FIELDS = (
    "id",
    "employee_id",
    "employee__employee_no",
    "employee__name",
    "team__name",
    "state",
    "measured_share",
    "total",
    "uncapped_total",
    *TIERS,
    "vetoes",
    "not_measured",
    "run__started_at",
    "run__finished_at",
)
COLUMN_FIELDS = {
    "id": "indicator_id",
    "code": "indicator__code",
    "calculator": "indicator__calculator",
    "tier": "indicator__tier",
    "unit": "indicator__unit",
    "direction": "indicator__direction",
    "name_zh": "indicator__name_zh",
    "name_en": "indicator__name_en",
    "normalisation": "indicator__normalisation",
}


def as_of_text(moment: dt.datetime) -> str:
    """When the month so far was read, in company time and the reader's words (``12月07日
    02:30``, ``December 7 02:30``): Django's month-day format of the active language."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'MONTH_DAY_FORMAT')} {local:%H:%M}"


@dataclass(frozen=True)
class SoFarLine:
    """One indicator of a person's month so far: the raw value and its 0–100 score."""

    column: Column
    raw: float | None
    normalised: float | None
    not_measured: dict | None = None

    @property
    def not_measured_reason(self) -> str:
        if not self.not_measured:
            return ""
        return not_measured_reason(self.not_measured, self.column.calculator)


@dataclass(frozen=True)
class SoFar(ShowsScoreState):
    """One person's month so far: no grade, rank, percentile or plan exist for it."""

    employee_id: int
    employee_no: str
    name: str
    team: str
    state: str
    measured_share: float | None
    total: float | None
    uncapped_total: float | None
    tiers: dict[str, float | None]
    vetoes: tuple[str, ...]
    as_of: dt.datetime
    lines: tuple[SoFarLine, ...] = ()

    @property
    def as_of_text(self) -> str:
        return as_of_text(self.as_of)

    @property
    def veto_names(self) -> list[str]:
        return [line.column.name for line in self.lines if line.column.code in self.vetoes]


@dataclass(frozen=True)
class MonthToDate:
    """The open month and its people so far (empty before its first provisional run)."""

    period: Period
    people: list[SoFar]

    @property
    def as_of(self) -> dt.datetime | None:
        """The newest as-of time among the people shown (a team run may be newer than the
        company's); ``None`` before any provisional run."""
        return max((person.as_of for person in self.people), default=None)

    @property
    def as_of_text(self) -> str:
        return as_of_text(self.as_of) if self.as_of else ""


def open_month(now: dt.datetime | None = None) -> Period:
    """The month still running in company time."""
    return Period.containing(timezone.localdate(now))


def _so_far(row: dict, lines: tuple[SoFarLine, ...] = ()) -> SoFar:
    return SoFar(
        employee_id=row["employee_id"],
        employee_no=row["employee__employee_no"],
        name=row["employee__name"],
        team=row["team__name"],
        state=row["state"],
        measured_share=row["measured_share"],
        total=row["total"],
        uncapped_total=row["uncapped_total"],
        tiers={tier: row[tier] for tier in TIERS},
        vetoes=tuple(row["vetoes"] or ()),
        # The run read the records when it started; a run always starts before it succeeds.
        as_of=row["run__started_at"] or row["run__finished_at"],
        lines=lines,
    )


def month_to_date_for_employee(*, user: AbstractBaseUser, employee: Employee) -> MonthToDate:
    """``employee``'s open month so far with every indicator measured or not (the caller has
    decided the user may see this person; the scoring selector checks again). Two queries on a
    miss, one when there is no provisional run yet."""
    period = open_month()

    def build() -> MonthToDate:
        row = (
            provisional_scores_visible_to(user, period)
            .filter(employee_id=employee.id)
            .values(*SO_FAR_FIELDS)
            .first()
        )
        if row is None:
            return MonthToDate(period, [])
        reasons = row["not_measured"] or {}
        indicators = sorted(
            IndicatorScore.objects.filter(employee_score_id=row["id"]).values(
                "raw", "normalised", "indicator__position", *COLUMN_FIELDS.values()
            ),
            key=lambda line: (
                TIERS.index(line["indicator__tier"]),
                line["indicator__position"],
                line["indicator__code"],
            ),
        )
        lines = tuple(
            SoFarLine(
                column=Column(**{name: line[field] for name, field in COLUMN_FIELDS.items()}),
                raw=line["raw"],
                normalised=line["normalised"],
                not_measured=reasons.get(line["indicator__code"]),
            )
            for line in indicators
        )
        return MonthToDate(period, [_so_far(row, lines)])

    return kept("month-to-date", (employee.id, period, user.pk), build)


def month_to_date_for_teams(
    *, user: AbstractBaseUser, team_ids: tuple[int, ...], visibility: str
) -> MonthToDate:
    """The open month so far of the people of ``team_ids`` the user may see, totals and tiers
    only, in employee number order: one query on a miss, cached per scope (``visibility``)."""
    period = open_month()

    def build() -> MonthToDate:
        rows = provisional_scores_visible_to(user, period).filter(team_id__in=team_ids)
        return MonthToDate(period, [_so_far(row) for row in rows.values(*SO_FAR_FIELDS)])

    return kept("month-to-date-teams", (team_ids, visibility, period), build)
