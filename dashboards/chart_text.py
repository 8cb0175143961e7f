"""The text alternative of every chart: a label that sums it up (the chart container's
``aria-label``, with ``role="img"``) and its data as a table (``dashboards/_chart_data.html``,
a ``<details>`` under the chart). A heatmap's table cells are links to what a click on the cell
opens, named "person · indicator: score", so its scores reach a keyboard and a screen reader,
not only a mouse's hover.

Pure, like ``dashboards.figures``: the selectors' values in, texts out.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboards.chart_labels import mean_label
from dashboards.formatting import format_change, format_score, format_value
from dashboards.selectors.boards import CompanyTrendPoint, MemberRow, TeamRow
from dashboards.selectors.columns import Column, chinese
from dashboards.selectors.scorecard import Line, TrendPoint
from dashboards.selectors.summaries import GRADES, MEANS, Summary


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    label: str = ""  # the link's accessible name, when the cell is a link


@dataclass(frozen=True)
class Row:
    heading: str
    cells: list[Cell]
    url: str = ""  # the heading's link


@dataclass(frozen=True)
class ChartText:
    label: str
    corner: str  # the heading of the rows' headings
    columns: list[str]
    rows: list[Row] = field(default_factory=list)

    @property
    def has_links(self) -> bool:
        """Whether a keyboard reaches the table through its links (else the table itself takes
        focus, to scroll sideways on a phone)."""
        return any(row.url or any(cell.url for cell in row.cells) for row in self.rows)


def _listed(pairs: list[tuple[str, str]]) -> str:
    return ("，" if chinese() else ", ").join(f"{name} {value}" for name, value in pairs)


def radar(lines: list[Line], person: str) -> ChartText:
    """Every indicator's 0–100 score of the person against the team's mean."""
    return ChartText(
        label=_("Radar of %(person)s's 0–100 scores by indicator: %(scores)s")
        % {
            "person": person,
            "scores": _listed(
                [(line.column.name, format_score(line.normalised)) for line in lines]
            ),
        },
        corner=capfirst(_("indicator")),
        columns=[person, _("Team average")],
        rows=[
            Row(
                line.column.name,
                [Cell(format_score(line.normalised)), Cell(format_score(line.team_score))],
            )
            for line in lines
        ],
    )


def trend(points: list[TrendPoint], person: str) -> ChartText:
    """The person's total and the team's mean total per period."""
    return ChartText(
        label=_("Trend of %(person)s's total by period: %(totals)s")
        % {
            "person": person,
            "totals": _listed([(point.label, format_score(point.total)) for point in points]),
        },
        corner=capfirst(_("period")),
        columns=[person, _("Team average")],
        rows=[
            Row(
                point.label,
                [Cell(format_score(point.total)), Cell(format_score(point.team_average))],
            )
            for point in points
        ],
    )


def _member_cell(member: MemberRow, column: Column, url: str) -> Cell:
    score = member.cells.get(column.code, (None, None))[0]
    if score is not None:
        text = format_score(score)
    elif member.is_scored:
        text = capfirst(_("not measured"))
    else:
        text = _("Not scored")
    label = f"{member.name} · {column.name}: {text}"
    return Cell(text, url, label)


def _indicators(count: int) -> str:
    return ngettext("%(count)s indicator", "%(count)s indicators", count) % {"count": count}


def team_heatmap(
    members: list[MemberRow], columns: list[Column], cell_url: Callable[[int, str], str]
) -> ChartText:
    """Members × indicators, each cell the 0–100 score linked to its drill-down
    (``cell_url(employee_id, code)``)."""
    return ChartText(
        label=ngettext(
            "Heatmap of the 0–100 scores of %(people)s person on %(indicators)s; "
            "the table under it lists every score.",
            "Heatmap of the 0–100 scores of %(people)s people on %(indicators)s; "
            "the table under it lists every score.",
            len(members),
        )
        % {"people": len(members), "indicators": _indicators(len(columns))},
        corner=_("Employee"),
        columns=[column.name for column in columns],
        rows=[
            Row(
                member.name,
                [
                    _member_cell(member, column, cell_url(member.employee_id, column.code))
                    for column in columns
                ],
            )
            for member in members
        ],
    )


def team_change_heatmap(
    members: list[MemberRow],
    columns: list[Column],
    before: dict[int, MemberRow],
    cell_url: Callable[[int, str], str],
) -> ChartText:
    """Members × indicators, each cell the change of the score, linked to its drill-down."""
    rows = []
    for member in members:
        earlier = before.get(member.employee_id)
        cells = []
        for column in columns:
            now = member.cells.get(column.code, (None, None))[0]
            then = earlier.cells.get(column.code, (None, None))[0] if earlier else None
            change = format_change(now - then) if now is not None and then is not None else "—"
            label = f"{member.name} · {column.name}: {change}"
            cells.append(Cell(change, cell_url(member.employee_id, column.code), label))
        rows.append(Row(member.name, cells))
    return ChartText(
        label=ngettext(
            "Heatmap of the change of %(people)s person's 0–100 scores on %(indicators)s; "
            "the table under it lists every change.",
            "Heatmap of the change of %(people)s people's 0–100 scores on %(indicators)s; "
            "the table under it lists every change.",
            len(members),
        )
        % {"people": len(members), "indicators": _indicators(len(columns))},
        corner=_("Employee"),
        columns=[column.name for column in columns],
        rows=rows,
    )


def company_heatmap(
    teams: list[TeamRow], columns: list[Column], team_url: Callable[[int], str]
) -> ChartText:
    """Teams × indicators, each cell the team's mean score (the mean raw value for an
    indicator scored within each team); each team links to its heatmap."""

    def cell(team: TeamRow, column: Column) -> Cell:
        if column.within_team:
            raw = team.raw_means.get(column.code)
            return Cell(
                capfirst(_("not measured")) if raw is None else format_value(raw, column.unit)
            )
        mean = team.cells.get(column.code)
        return Cell(capfirst(_("not measured")) if mean is None else format_score(mean))

    return ChartText(
        label=_(
            "Heatmap of the mean 0–100 scores of %(teams)s teams on %(indicators)s indicators; "
            "the table under it lists every mean."
        )
        % {"teams": len(teams), "indicators": len(columns)},
        corner=_("Team"),
        columns=[column.name for column in columns],
        rows=[
            Row(team.name, [cell(team, column) for column in columns], team_url(team.team_id))
            for team in teams
        ],
    )


def grade_distribution(groups: list[tuple[str, Summary]]) -> ChartText:
    """How many of each group's scored people got each grade."""
    return ChartText(
        label=_("Bars of how many people got each grade: %(groups)s")
        % {
            "groups": "; ".join(
                f"{name}: " + _listed([(grade, str(summary.grades[grade])) for grade in GRADES])
                for name, summary in groups
            )
        },
        corner="",
        columns=list(GRADES),
        rows=[
            Row(name, [Cell(str(summary.grades[grade])) for grade in GRADES])
            for name, summary in groups
        ],
    )


def mean_comparison(groups: list[tuple[str, Summary]]) -> ChartText:
    """Each group's mean total and tier scores."""
    return ChartText(
        label=_("Bars of the mean total and tier scores: %(groups)s")
        % {
            "groups": "; ".join(
                f"{name}: "
                + _listed([(mean_label(key), format_score(summary.means[key])) for key in MEANS])
                for name, summary in groups
            )
        },
        corner="",
        columns=[mean_label(key) for key in MEANS],
        rows=[
            Row(name, [Cell(format_score(summary.means[key])) for key in MEANS])
            for name, summary in groups
        ],
    )


def company_trend(points: list[CompanyTrendPoint]) -> ChartText:
    """The company's mean total and tier scores per period."""
    return ChartText(
        label=_("Trend of the company's mean total by period: %(totals)s")
        % {
            "totals": _listed(
                [(point.label, format_score(point.means["total"])) for point in points]
            )
        },
        corner=capfirst(_("period")),
        columns=[mean_label(key) for key in MEANS],
        rows=[
            Row(point.label, [Cell(format_score(point.means[key])) for key in MEANS])
            for point in points
        ],
    )
