"""Excel workbooks of the team and company tables (openpyxl, write-only: a 10,000-person sheet
streams instead of building every cell object in memory). Headers follow the active language;
values stay numbers so they can be sorted and summed in Excel, rounded as the pages show them
(``dashboards.formatting``)."""

import io
from collections.abc import Iterable

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dashboards.chart_labels import mean_label
from dashboards.formatting import rounded_score, rounded_value
from dashboards.selectors.boards import CompanyBoard, MemberRow
from dashboards.selectors.columns import TIERS, Column
from dashboards.selectors.summaries import GRADES, MEANS
from org.models import Employee, Level, Team
from org.periods import Period
from scoring.models import EmployeeScore, ScoreState, score_state_text


def _score_label(name: str) -> str:
    return str(capfirst(EmployeeScore._meta.get_field(name).verbose_name))


def _level(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# What makes a spreadsheet read a cell as a formula (or, once saved as CSV, a command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _sheet(workbook: Workbook, title: str, header: list[str], rows: Iterable[list]) -> None:
    sheet = workbook.create_sheet(title=title[:31])  # Excel's limit on sheet names
    sheet.append(header)
    for row in rows:
        sheet.append([plain_value(sheet, value) for value in row])


def plain_value(sheet, value: object) -> object:
    """A value as a sheet may hold it. Text that a spreadsheet would read as a formula (a name
    such as ``=HYPERLINK(…)``) is written as text; control characters a workbook cannot hold
    (a vertical tab pasted from Word into a name) are dropped rather than failing the whole
    export; numbers stay numbers."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _state(state: str, measured_share: float | None) -> str:
    """Whether the person was scored, in words (why not, when not)."""
    return score_state_text(state, measured_share) or str(ScoreState.SCORED.label)


def team_workbook(members: list[MemberRow], columns: list[Column], period: Period) -> bytes:
    """One row per member: number, name, team, level, whether scored (why not, in words), total,
    tier scores, grade, rank, then each indicator's 0–100 score and raw value."""
    workbook = Workbook(write_only=True)
    header = [
        _score_label("employee"),
        str(capfirst(Employee._meta.get_field("employee_no").verbose_name)),
        _score_label("team"),
        _score_label("level"),
        _score_label("state"),
        *(mean_label(name) for name in MEANS),
        _score_label("grade"),
        _score_label("team_rank"),
    ]
    for column in columns:
        header += [
            f"{column.name} · {_('Score (0–100)')}",
            f"{column.name} · {_('Raw value')}",
        ]
    rows = []
    for member in members:
        row = [
            member.name,
            member.employee_no,
            member.team,
            _level(member.level),
            _state(member.state, member.measured_share),
            *(rounded_score(member.mean(name)) for name in MEANS),
            member.grade,
            member.team_rank,
        ]
        for column in columns:
            score, raw = member.cells.get(column.code, (None, None))
            row += [rounded_score(score), rounded_value(raw, column.unit)]
        rows.append(row)
    _sheet(workbook, f"{_('Team')} {period.label}", header, rows)
    return _save(workbook)


def company_workbook(board: CompanyBoard, people: list[dict], period: Period) -> bytes:
    """Two sheets: one row per team (people scored and not, grade counts, mean total and tier
    scores, mean 0–100 score per indicator) and one row per person (whether scored, their
    total, tiers, grade and ranks)."""
    workbook = Workbook(write_only=True)
    header = [
        _score_label("team"),
        str(capfirst(Team._meta.get_field("manager").verbose_name)),
        _("People scored"),
        _("Not scored"),
        *(mean_label(name) for name in MEANS),
        *GRADES,
        *(column.name for column in board.columns),
    ]
    teams = [
        [
            team.name,
            team.manager,
            team.summary.scored,
            team.summary.not_scored,
            *(rounded_score(team.summary.means[name]) for name in MEANS),
            *(team.summary.grades[grade] for grade in GRADES),
            *(rounded_score(team.cells.get(column.code)) for column in board.columns),
        ]
        for team in board.teams
    ]
    _sheet(workbook, f"{_('Teams')} {period.label}", header, teams)
    people_header = [
        str(capfirst(Employee._meta.get_field("employee_no").verbose_name)),
        _score_label("employee"),
        _score_label("team"),
        _score_label("level"),
        _score_label("state"),
        *(mean_label(name) for name in MEANS),
        _score_label("grade"),
        _score_label("team_rank"),
        _score_label("team_percentile"),
        _score_label("company_rank"),
        _score_label("company_percentile"),
        _score_label("improvement_plan"),
    ]
    everyone = (
        [
            person["employee__employee_no"],
            person["employee__name"],
            person["team__name"],
            _level(person["level"]),
            _state(person["state"], person["measured_share"]),
            rounded_score(person["total"]),
            *(rounded_score(person[tier]) for tier in TIERS),
            person["grade"],
            person["team_rank"],
            rounded_score(person["team_percentile"]),
            person["company_rank"],
            rounded_score(person["company_percentile"]),
            bool(person["improvement_plan"]),
        ]
        for person in people
    )
    _sheet(workbook, f"{_('Employees')} {period.label}", people_header, everyone)
    return _save(workbook)
