"""Plotly figures as plain JSON-ready dicts (``{"data": [...], "layout": {...}}``).

Pure: the dashboards' selectors' values in, figures out; no database, no request. Built as dicts
rather than ``plotly.graph_objects`` because validating a figure object costs more than the page
itself on a 50-person heatmap. The page's script (``static/js/dashboards.js``) draws them with
the Plotly bundle served from our static files, and turns a click on a heatmap cell into the
drill-down behind it using ``layout.meta`` (the ids of the rows and the columns).
"""

import json

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dashboards.chart_labels import mean_label, unique_labels, wrap_label
from dashboards.formatting import format_score, format_value
from dashboards.selectors.boards import CompanyTrendPoint, MemberRow, TeamRow
from dashboards.selectors.columns import TIERS, Column
from dashboards.selectors.scorecard import Line, TrendPoint
from dashboards.selectors.summaries import GRADES, MEANS, Summary

# Red for weak, a pale neutral at the midpoint, blue for strong (ColorBrewer RdBu, readable by
# the red-green colour-blind).
DIVERGING = [
    [0.0, "#b2182b"],
    [0.25, "#ef8a62"],
    [0.5, "#f7f7f7"],
    [0.75, "#67a9cf"],
    [1.0, "#2166ac"],
]
PERSON_COLOUR, TEAM_COLOUR, COMPANY_COLOUR = "#0f766e", "#94a3b8", "#64748b"
FONT = {"family": 'system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif', "size": 12}
ROW_HEIGHT = 26  # px per heatmap row: names stay readable on a phone


def _layout(**extra) -> dict:
    return {
        "font": FONT,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "dragmode": False,
        **extra,
    }


# Cells without a score, drawn by a second trace over the scores' gaps in flat colours no score
# takes (the diverging scale's midpoint is near white, so a pale grey would read as "average"),
# each with a mark in the cell; the page's legend shows the same colours and marks.
NOT_MEASURED, NOT_SCORED, WITHIN_TEAM = 1, 2, 3
STATE_COLOURS = {NOT_MEASURED: "#9ca3af", NOT_SCORED: "#4b5563", WITHIN_TEAM: "#c4b5fd"}
STATE_MARKS = {NOT_MEASURED: "—", NOT_SCORED: "×"}
# Up to this many rows the cells carry their numbers: more would not be readable at 26 px a row
# and 17 columns.
CELL_NUMBERS_UP_TO = 30


def _state_scale() -> list[list]:
    """A stepped colour scale over 1–3: each state its flat colour."""
    scale = []
    for state, colour in STATE_COLOURS.items():
        low, high = (state - 1) / 3, state / 3
        scale += [[low, colour], [high, colour]]
    return scale


def _states_trace(
    *, states: list[list[int | None]], marks: list[list[str]], why: list[list[str]], **axes
) -> dict:
    """The cells without a score: their state colour, their mark, and why on hover."""
    return {
        "type": "heatmap",
        "z": states,
        "text": marks,
        "texttemplate": "%{text}",
        "customdata": why,
        "hovertemplate": "%{y} · %{x}<br>%{customdata}<extra></extra>",
        "colorscale": _state_scale(),
        "zmin": 0.5,
        "zmax": 3.5,
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hoverongaps": False,
        **axes,
    }


def _heatmap(
    *,
    z: list[list[float | None]],
    rows: list[str],
    columns: list[str],
    meta: dict,
    zmin: float,
    zmax: float,
    hovertemplate: str,
    gaps: dict | None = None,
    cell_format: str = ".0f",
    **cells,
) -> dict:
    """A heatmap on categorical axes (rows top down); ``cells`` are per-cell arrays the hover
    template reads (``text``, ``customdata``), kept short: a 50-person page sends 850 of each.
    ``gaps``: the states of the cells without a score (``_states_trace``'s arrays). The scale
    is explained by the page's own legend, always in view, rather than Plotly's colour bar."""
    scores = {
        "type": "heatmap",
        "z": z,
        "x": columns,
        "y": rows,
        **cells,
        "hovertemplate": hovertemplate + "<extra></extra>",
        "colorscale": DIVERGING,
        "zmin": zmin,
        "zmax": zmax,
        "zmid": (zmin + zmax) / 2,
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hoverongaps": False,
    }
    if len(rows) <= CELL_NUMBERS_UP_TO:
        scores["texttemplate"] = "%{z:" + cell_format + "}"
    data = [scores]
    if gaps is not None and any(state for row in gaps["states"] for state in row):
        data.append(_states_trace(**gaps, x=columns, y=rows))
    return {
        "data": data,
        "layout": _layout(
            height=max(260, ROW_HEIGHT * len(rows) + 170),
            xaxis={"type": "category", "side": "top", "tickangle": -40, "automargin": True},
            yaxis={"type": "category", "autorange": "reversed", "automargin": True},
            meta=meta,
        ),
    }


def _member_axes(members: list[MemberRow], columns: list[Column]) -> dict:
    return {
        "rows": unique_labels([m.name for m in members], [m.employee_no for m in members]),
        "columns": unique_labels([c.name for c in columns], [c.code for c in columns]),
        "meta": {
            "rows": [member.employee_id for member in members],
            "columns": [column.code for column in columns],
        },
    }


Gap = tuple[int | None, str, str]  # a cell's state, its mark, why (on hover)
NO_GAP: Gap = (None, "", "")


def _gaps(cells: list[list[Gap]]) -> dict:
    """Rows of cells' (state, mark, why) as the three arrays ``_states_trace`` takes."""
    return {
        "states": [[cell[0] for cell in row] for row in cells],
        "marks": [[cell[1] for cell in row] for row in cells],
        "why": [[cell[2] for cell in row] for row in cells],
    }


def _member_gap(member: MemberRow, column: Column, value: float | None) -> Gap:
    """A cell without a score: not measured (with why) for a person who has a total, not
    scored (with why) for one who has none."""
    if value is not None:
        return NO_GAP
    if member.is_scored:
        why = capfirst(_("not measured")) + ": " + member.why_not_measured(column)
        return (NOT_MEASURED, STATE_MARKS[NOT_MEASURED], why)
    return (NOT_SCORED, STATE_MARKS[NOT_SCORED], _("Not scored") + ": " + member.state_text)


def team_heatmap(members: list[MemberRow], columns: list[Column]) -> dict:
    """Members × indicators, each cell the 0–100 score on a diverging scale around 50 (its
    number in the cell for a small team), the raw value on hover; cells not measured or of a
    person not scored in their own colours with why on hover. ``layout.meta``: employee ids of
    the rows, indicator codes of the columns (the page's script turns a clicked cell into its
    drill-down)."""
    z = [[member.cells.get(c.code, (None, None))[0] for c in columns] for member in members]
    raw = [
        [
            format_value(member.cells.get(c.code, (None, None))[1], c.unit, c.calculator)
            for c in columns
        ]
        for member in members
    ]
    return _heatmap(
        z=z,
        text=raw,
        **_member_axes(members, columns),
        zmin=0,
        zmax=100,
        gaps=_gaps(
            [
                [_member_gap(m, c, value) for c, value in zip(columns, row, strict=True)]
                for m, row in zip(members, z, strict=True)
            ]
        ),
        hovertemplate="%{y} · %{x}<br>"
        + _("Score (0–100)")
        + ": "
        + _("%(score)s pts") % {"score": "%{z:.1f}"}
        + "<br>"
        + _("Raw value")
        + ": %{text}",
    )


def team_change_heatmap(
    members: list[MemberRow],
    columns: list[Column],
    before: dict[int, MemberRow],
    compare_label: str,
) -> dict:
    """Members × indicators, each cell the change of the 0–100 score since ``compare_label``
    (``before``: that period's rows by employee id), diverging around no change; both scores on
    hover. Same ``layout.meta`` as ``team_heatmap``."""
    z, scores = [], []
    for member in members:
        earlier = before.get(member.employee_id)
        changes, pairs = [], []
        for column in columns:
            now = member.cells.get(column.code, (None, None))[0]
            then = earlier.cells.get(column.code, (None, None))[0] if earlier else None
            changes.append(now - then if now is not None and then is not None else None)
            pairs.append([format_score(now), format_score(then)])
        z.append(changes)
        scores.append(pairs)
    return _heatmap(
        z=z,
        customdata=scores,
        **_member_axes(members, columns),
        zmin=-50,
        zmax=50,
        cell_format="+.0f",
        hovertemplate="%{y} · %{x}<br>"
        + _("This period")
        + ": %{customdata[0]}<br>"
        + compare_label
        + ": %{customdata[1]}<br>"
        + _("%(score)s pts") % {"score": "%{z:+.1f}"},
    )


def company_heatmap(teams: list[TeamRow], columns: list[Column]) -> dict:
    """Teams × indicators, each cell the team's mean 0–100 score. An indicator scored as a
    percentile within each team averages about 50 in every team, so its column shows no score
    but the team's mean raw value (comparable across teams) in its own colour; a team mean no
    one has is "not measured". ``layout.meta``: team ids of the rows, indicator codes of the
    columns."""
    within = _("Scored within each team (every team averages about 50): the team's mean raw value")
    unmeasured: Gap = (NOT_MEASURED, STATE_MARKS[NOT_MEASURED], _("Not measured for anyone"))

    def cell(team: TeamRow, column: Column) -> tuple[float | None, Gap]:
        mean, raw = team.cells.get(column.code), team.raw_means.get(column.code)
        if column.within_team:
            if raw is None:
                return None, unmeasured
            return None, (WITHIN_TEAM, format_value(raw, column.unit, column.calculator), within)
        return mean, (unmeasured if mean is None else NO_GAP)

    cells = [[cell(team, column) for column in columns] for team in teams]
    return _heatmap(
        z=[[value for value, _gap in row] for row in cells],
        rows=[team.name for team in teams],  # team names are unique
        columns=unique_labels([c.name for c in columns], [c.code for c in columns]),
        meta={"rows": [team.team_id for team in teams], "columns": [c.code for c in columns]},
        zmin=0,
        zmax=100,
        gaps=_gaps([[gap for _value, gap in row] for row in cells]),
        hovertemplate="%{y} · %{x}<br>"
        + _("Team average")
        + ": "
        + _("%(score)s pts") % {"score": "%{z:.1f}"},
    )


# Radar labels: lines of at most 14 columns (about 75 px at 10 px), within side margins that
# wide, and top and bottom margins for a label of three lines; the legend below the bottom one.
RADAR_LABEL_COLUMNS = 14
RADAR_MARGIN = {"l": 80, "r": 80, "t": 44, "b": 76}
RADAR_LEGEND = {"orientation": "h", "y": -0.17, "yanchor": "top"}


def radar(lines: list[Line], person: str) -> dict:
    """The person's 0–100 score on every indicator against the team's mean score; the outline
    is closed by repeating the first point. The indicator names around the circle are wrapped
    (``RADAR_LABEL_COLUMNS``) and the margins hold them: Plotly's automatic margins do not
    count a polar chart's labels, which would be cut off in English and on a phone."""
    names = [line.column.name for line in lines]

    def trace(values: list[float | None], name: str, colour: str, fill: bool) -> dict:
        return {
            "type": "scatterpolar",
            "r": [*values, values[0]] if values else [],
            "theta": [*names, names[0]] if names else [],
            "name": name,
            "line": {"color": colour},
            "fill": "toself" if fill else "none",
            "opacity": 0.85,
            "hovertemplate": "%{theta}: "
            + _("%(score)s pts") % {"score": "%{r:.0f}"}
            + "<extra>"
            + name
            + "</extra>",
        }

    return {
        "data": [
            trace([line.team_score for line in lines], _("Team average"), TEAM_COLOUR, False),
            trace([line.normalised for line in lines], person, PERSON_COLOUR, True),
        ],
        "layout": _layout(
            height=420,
            margin=RADAR_MARGIN,
            polar={
                "radialaxis": {"range": [0, 100], "tickfont": {"size": 9}, "angle": 90},
                "angularaxis": {
                    "tickfont": {"size": 10},
                    "direction": "clockwise",
                    "tickmode": "array",
                    "tickvals": names,
                    "ticktext": [wrap_label(name, RADAR_LABEL_COLUMNS) for name in names],
                },
            },
            legend=RADAR_LEGEND,
        ),
    }


# The periods' labels turn on a phone: room on the right and the axis's automatic margins keep
# the last one whole.
TREND_MARGIN = {"l": 36, "r": 16, "t": 8, "b": 30}


def trend(points: list[TrendPoint], person: str) -> dict:
    """Total score over the last periods: the person and the team's mean."""
    labels = [point.label for point in points]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": labels,
                "y": [point.team_average for point in points],
                "name": _("Team average"),
                "line": {"color": TEAM_COLOUR, "dash": "dot"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": labels,
                "y": [point.total for point in points],
                "name": person,
                "line": {"color": PERSON_COLOUR, "width": 3},
            },
        ],
        "layout": _layout(
            height=280,
            margin=TREND_MARGIN,
            xaxis={"type": "category", "automargin": True},
            yaxis={"range": [0, 100]},
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def grade_distribution(groups: list[tuple[str, Summary]]) -> dict:
    """Share of the scored people per grade (S best … D), one bar group per grade and one
    colour per group compared (the team, the company); people not scored have no grade."""
    colours = [PERSON_COLOUR, COMPANY_COLOUR, TEAM_COLOUR]
    return {
        "data": [
            {
                "type": "bar",
                "x": list(GRADES),
                "y": [
                    100.0 * summary.grades[grade] / summary.scored if summary.scored else 0.0
                    for grade in GRADES
                ],
                "customdata": [summary.grades[grade] for grade in GRADES],
                "name": name,
                "marker": {"color": colours[index % len(colours)]},
                "hovertemplate": "%{x}: %{y:.0f}% (%{customdata})<extra>" + name + "</extra>",
            }
            for index, (name, summary) in enumerate(groups)
        ],
        "layout": _layout(
            height=260,
            margin={"l": 36, "r": 8, "t": 8, "b": 30},
            barmode="group",
            yaxis={"ticksuffix": "%"},
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def mean_comparison(groups: list[tuple[str, Summary]]) -> dict:
    """The mean total and tier scores of each group compared (the team against the company)."""
    colours = [PERSON_COLOUR, COMPANY_COLOUR, TEAM_COLOUR]
    labels = [mean_label(name) for name in MEANS]
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": [summary.means[name] for name in MEANS],
                "name": name,
                "marker": {"color": colours[index % len(colours)]},
                "hovertemplate": "%{x}: "
                + _("%(score)s pts") % {"score": "%{y:.1f}"}
                + "<extra>"
                + name
                + "</extra>",
            }
            for index, (name, summary) in enumerate(groups)
        ],
        "layout": _layout(
            height=260,
            margin={"l": 36, "r": 8, "t": 8, "b": 30},
            barmode="group",
            yaxis={"range": [0, 100]},
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def company_trend(points: list[CompanyTrendPoint]) -> dict:
    """The company's mean total (bold) and tier scores over the last periods."""
    labels = [point.label for point in points]
    palette = {
        "total": PERSON_COLOUR,
        **dict(zip(TIERS, ["#6366f1", "#f59e0b", "#ef4444", "#8b5cf6"], strict=True)),
    }
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": labels,
                "y": [point.means[name] for point in points],
                "name": mean_label(name),
                "line": {"color": palette[name], "width": 3 if name == "total" else 1.5},
            }
            for name in MEANS
        ],
        "layout": _layout(
            height=300,
            margin=TREND_MARGIN,
            xaxis={"type": "category", "automargin": True},
            yaxis={"range": [0, 100]},
            legend={"orientation": "h", "y": -0.2},
        ),
    }


# What ``django.utils.html.json_script`` escapes, so the JSON cannot end the script element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def as_script(figures: dict[str, dict], element_id: str = "dashboard-figures") -> SafeString:
    """The page's figures as one JSON script element, like ``json_script`` but compact and in
    UTF-8 (Chinese labels as themselves rather than six-byte escapes: a third of the bytes)."""
    text = json.dumps(figures, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        SafeString(text.translate(_SCRIPT_ESCAPES)),
    )
