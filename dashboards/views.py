"""The dashboards: one's own scorecard (``/me/``), anyone's within one's scope
(``/people/<id>/``), the records behind each of its indicators, the team heatmap (``/team/``)
and the company overview (``/hr/``), with Excel exports of the team and company tables.

Views pick the period, team and sort order from the query string and hand them to the selectors,
which decide what the user may see and read it; the figures are built from what they return.
Pages are kept per session and their costly parts as fragments (``{% kept %}``, keyed by
``fragment_key``: what the part depends on besides the cache's epoch), all in
``dashboards.cache``.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import chart_text, exports, figures
from dashboards.admin_home import admin_home_read, can_open_admin_home
from dashboards.cache import per_session_page
from dashboards.drilldowns import SEARCH_CHARS, drilldown_read
from dashboards.selectors.boards import (
    SORT_KEYS,
    MemberRow,
    TeamBoard,
    TeamScope,
    company_board,
    company_people,
    members_sorted,
    team_board,
    team_scope_for_user,
)
from dashboards.selectors.month_to_date import month_to_date_for_employee, month_to_date_for_teams
from dashboards.selectors.operations import (
    appeals_open_count,
    indicator_coverage,
    node_drilldown_links,
    overdue_nodes,
    source_freshness,
)
from dashboards.selectors.periods import ScoredPeriod, period_pick, scored_periods
from dashboards.selectors.scorecard import scorecard_employee_get, scorecard_read
from dashboards.selectors.summaries import MEANS, company_summary
from indicators.selectors import indicator_by_code
from org.calendar import period_window
from org.fields import id_from_text
from org.models import Employee, Role
from org.periods import Period
from org.selectors import employee_for_user, user_role
from org.views import allowed_if, role_required
from reviews.selectors import open_cycles_reviewing

EVERY_ROLE = (Role.MERCHANDISER, Role.MANAGER, Role.HR, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Stand-ins reversed into the drill-down URL and then replaced by "{row}" and "{column}", which
# the page's script fills in with the clicked heatmap cell's person and indicator.
ROW_SLOT, COLUMN_SLOT = 987654321, "column-slot"


def _drilldown_click_url(period: ScoredPeriod) -> str:
    url = reverse("dashboards:drilldown", kwargs={"employee_id": ROW_SLOT, "code": COLUMN_SLOT})
    url = url.replace(str(ROW_SLOT), "{row}").replace(COLUMN_SLOT, "{column}")
    return f"{url}?period={period.period.label}"


def _period(request: HttpRequest, periods: list[ScoredPeriod], name: str = "period"):
    return period_pick(request.GET.get(name, "").strip(), periods)


def _team_id(request: HttpRequest) -> int | None:
    text = request.GET.get("team", "").strip()
    if not text:
        return None
    team_id = id_from_text(text)
    if team_id is None:
        raise Http404
    return team_id


@per_session_page
@role_required(*EVERY_ROLE)
def me(request: HttpRequest) -> HttpResponse:
    """One's own scorecard (everyone who is an employee lands or can go here)."""
    employee = employee_for_user(request.user)
    if employee is None:
        return render(request, "dashboards/no_employee.html")
    return _scorecard_page(request, employee)


@per_session_page
@role_required(*EVERY_ROLE)
def scorecard(request: HttpRequest, employee_id: int) -> HttpResponse:
    """Someone's scorecard: oneself, or a person within one's scope (404 otherwise)."""
    employee = scorecard_employee_get(user=request.user, employee_id=employee_id)
    return _scorecard_page(request, employee)


def _manager_actions(
    request: HttpRequest,
    employee: Employee,
    period: ScoredPeriod | None,
    periods: list[ScoredPeriod],
) -> dict[str, object] | None:
    """The links of the scorecard's "Manager actions" to what the person's manager, HR or an
    admin can do from it today (the person themself sees none): the team's heatmap, its change
    since the previous scored period, its export and, for HR and admins, the team's appeals;
    the person's critical incidents and, for their manager, their review in each open cycle.
    Filing an appeal on the person's behalf is the indicator rows' own link."""
    role = user_role(request.user)
    if role not in (Role.MANAGER, Role.HR, Role.ADMIN) or employee == employee_for_user(
        request.user
    ):
        return None
    actions: dict[str, object] = {
        "incidents": reverse("reviews:incidents", args=[employee.pk]),
        "reviews": [
            (cycle.name, reverse("reviews:review", args=[cycle.pk, employee.pk]))
            for cycle in (
                open_cycles_reviewing(request.user, employee) if role == Role.MANAGER else []
            )
        ],
    }
    if employee.team is not None and employee.team.is_scored and period is not None:
        query = {"team": employee.team_id, "period": period.period.label}
        actions["team"] = reverse("dashboards:team") + "?" + urlencode(query)
        actions["export"] = reverse("dashboards:team_export") + "?" + urlencode(query)
        previous = period.period.previous()
        if any(other.period == previous and other.scored for other in periods):
            compare = {**query, "compare": previous.label}
            actions["change"] = reverse("dashboards:team") + "?" + urlencode(compare)
        if role in (Role.HR, Role.ADMIN):
            appeals = {"team": employee.team_id}
            actions["appeals"] = reverse("appeals:list") + "?" + urlencode(appeals)
    return actions


def _scorecard_page(request: HttpRequest, employee: Employee) -> HttpResponse:
    periods = scored_periods()
    period = _period(request, periods)
    card = None
    if period is not None and period.scored:
        card = scorecard_read(employee=employee, period=period, periods=periods)
    return render(
        request,
        "dashboards/scorecard.html",
        {
            "employee": employee,
            "card": card,
            "period": period,
            "periods": periods,
            "manager_actions": _manager_actions(request, employee, period, periods),
            # The open month so far, provisional, beside whichever published period is shown.
            "month_to_date": (
                month_to_date_for_employee(user=request.user, employee=employee)
                if employee.team is not None and employee.team.is_scored
                else None
            ),
            # The rows' appeal controls (the appeals app's) may differ per viewer.
            "fragment_key": (employee.pk, period.period if period else None, request.user.pk),
            "figures": lambda: figures.as_script(
                {
                    "radar": figures.radar(card.lines, card.name),
                    "trend": figures.trend(card.trend, card.name),
                }
            ),
            "chart_texts": lambda: {
                "radar": chart_text.radar(card.lines, card.name),
                "trend": chart_text.trend(card.trend, card.name),
            },
        },
    )


@per_session_page
@role_required(*EVERY_ROLE)
def drilldown(request: HttpRequest, employee_id: int, code: str) -> HttpResponse:
    """The records that made one person's number on one indicator (404 outside one's scope,
    or for an indicator the person was not scored on)."""
    employee = scorecard_employee_get(user=request.user, employee_id=employee_id)
    periods = scored_periods()
    period = _period(request, periods)
    card = None
    if period is not None and period.scored:
        card = scorecard_read(employee=employee, period=period, periods=periods)
    line = next((line for line in card.lines if line.column.code == code), None) if card else None
    if line is None:
        raise Http404
    query = DrilldownQuery(request.GET)
    valid = query.is_valid()
    records = drilldown_read(
        employee_id=employee.id,
        window=period_window(period.period),
        calculator=line.column.calculator,
        target=line.target,
        page=(valid and query.cleaned_data["page"]) or 1,
        search=(valid and query.cleaned_data["q"]) or "",
    )
    here = {"period": period.period.label, "q": query.cleaned_data.get("q", "") if valid else ""}
    return render(
        request,
        "dashboards/drilldown.html",
        {
            "employee": employee,
            "card": card,
            "line": line,
            "indicator": indicator_by_code(code),
            "records": records,
            "period": period,
            "query": query,
            "previous_url": "?" + urlencode({**here, "page": records.page - 1}),
            "next_url": "?" + urlencode({**here, "page": records.page + 1}),
        },
        status=200 if valid else 400,
    )


class DrilldownQuery(forms.Form):
    """A drill-down's paging and search: a bad value is refused with a 400 naming the field."""

    page = forms.IntegerField(
        label=gettext_lazy("Page"), required=False, min_value=1, max_value=100_000
    )
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=SEARCH_CHARS)


@dataclass(frozen=True)
class TeamRequest:
    """What a team page or export asks for: the teams, the periods scored, the period shown
    and its board (``None`` when the period is not scored or there is no team)."""

    scope: TeamScope
    periods: list[ScoredPeriod]
    period: ScoredPeriod | None
    board: TeamBoard | None


def _team_request(request: HttpRequest) -> TeamRequest:
    scope = team_scope_for_user(user=request.user, team_id=_team_id(request))
    periods = scored_periods()
    period = _period(request, periods)
    board = None
    if period is not None and period.scored and not scope.empty:
        board = team_board(user=request.user, period=period, scope=scope)
    return TeamRequest(scope, periods, period, board)


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "total")
    return sort if sort in SORT_KEYS else "total"


@per_session_page
@role_required(Role.MANAGER, Role.HR, Role.ADMIN)
def team(request: HttpRequest) -> HttpResponse:
    """The team heatmap: members × indicators for a period, sorted by total or a tier, or the
    change since another period; a click on a cell opens that drill-down."""
    asked = _team_request(request)
    scope, periods, period, board = asked.scope, asked.periods, asked.period, asked.board
    sort = _sort(request)
    compare = _period(request, periods, "compare") if request.GET.get("compare") else None
    query = {
        "team": scope.selected.id if scope.selected else "",
        "period": period.period.label if period else "",
        "compare": compare.period.label if compare else "",
    }
    context = {
        "scope": scope,
        "period": period,
        "periods": periods,
        "compare": compare,
        "sort": sort,
        "sort_links": [(key, "?" + urlencode({**query, "sort": key})) for key in SORT_KEYS],
        "export_url": reverse("dashboards:team_export") + "?" + urlencode({**query, "sort": sort}),
        "mean_keys": MEANS,
        "board": board,
        "month_to_date": None
        if scope.empty
        else month_to_date_for_teams(
            user=request.user, team_ids=scope.team_ids, visibility=scope.visibility
        ),
    }
    if board is not None:
        members = members_sorted(board.members, sort)
        before = None
        if compare is not None and compare.scored:
            before = {
                member.employee_id: member
                for member in team_board(user=request.user, period=compare, scope=scope).members
            }
        company = company_summary(period)
        groups = [(_("Team"), board.summary), (_("Company"), company)]
        # People without a record in the period have no values: rows of blanks would read as
        # weak scores, so the heatmap leaves them out (the table says why they are not scored).
        heat = [member for member in members if member.has_activity]
        click_url = _drilldown_click_url(period)

        def cell_url(employee_id: int, code: str) -> str:
            return click_url.replace("{row}", str(employee_id)).replace("{column}", code)

        context |= {
            "members": members,
            # A person not scored has one cell, in words, over the total, change, grade, tier
            # and rank columns.
            "unscored_span": len(MEANS) + 2 + (before is not None),
            "before": before,
            "total_changes": _total_changes(members, before or {}),
            "company": company,
            "click_url": click_url,
            "fragment_key": (
                scope.team_ids,
                scope.visibility,
                period.period,
                compare.period if compare else None,
                sort,
            ),
            "figures": lambda: figures.as_script(
                {
                    "heatmap": (
                        figures.team_change_heatmap(
                            heat, board.columns, before, compare.period.label
                        )
                        if before is not None
                        else figures.team_heatmap(heat, board.columns)
                    ),
                    "grades": figures.grade_distribution(groups),
                    "means": figures.mean_comparison(groups),
                }
            ),
            "chart_texts": lambda: {
                "heatmap": (
                    chart_text.team_change_heatmap(heat, board.columns, before, cell_url)
                    if before is not None
                    else chart_text.team_heatmap(heat, board.columns, cell_url)
                ),
                "grades": chart_text.grade_distribution(groups),
                "means": chart_text.mean_comparison(groups),
            },
        }
    return render(request, "dashboards/team.html", context)


def _total_changes(members: list[MemberRow], before: dict[int, MemberRow]) -> dict[int, float]:
    """Points of total gained since the compared period, per employee id (where both exist)."""
    changes = {}
    for member in members:
        earlier = before.get(member.employee_id)
        if earlier is not None and member.total is not None and earlier.total is not None:
            changes[member.employee_id] = member.total - earlier.total
    return changes


@role_required(Role.MANAGER, Role.HR, Role.ADMIN)
def team_export(request: HttpRequest) -> HttpResponse:
    """The team table of the period as an Excel workbook."""
    asked = _team_request(request)
    if asked.board is None:
        raise Http404
    workbook = exports.team_workbook(
        members_sorted(asked.board.members, _sort(request)),
        asked.board.columns,
        asked.period.period,
    )
    return _download(workbook, f"team-{asked.period.period.label}.xlsx")


@per_session_page
@role_required(Role.HR, Role.ADMIN)
def company(request: HttpRequest) -> HttpResponse:
    """The company overview for HR: teams × indicators, grades, the trend, nodes past their
    threshold, the freshness of every data source and open appeals."""
    periods = scored_periods()
    period = _period(request, periods)
    board = None
    if period is not None and period.scored:
        board = company_board(period=period, periods=periods)
    now = timezone.now()
    sources = source_freshness(now=now)
    overdue = overdue_nodes(now=now)
    shown = period.period if period is not None else Period.containing(timezone.localdate(now))
    context = {
        "period": period,
        "periods": periods,
        "board": board,
        "overdue": overdue,
        "overdue_rows": zip(
            overdue.oldest, node_drilldown_links(overdue.oldest, periods), strict=True
        ),
        "sources": sources,
        "stale_sources": sum(source.stale for source in sources),
        "open_appeals": appeals_open_count(),
        "mean_keys": MEANS,
        "coverage": indicator_coverage(
            period=shown,
            scored=period is not None and bool(period.scored),
        ),
    }
    if board is not None:
        team_url = reverse("dashboards:team") + "?team={row}&period=" + period.period.label
        context |= {
            "click_url": team_url,
            "fragment_key": (period.period,),
            "within_team": [column.name for column in board.columns if column.within_team],
            "figures": lambda: figures.as_script(
                {
                    "heatmap": figures.company_heatmap(board.teams, board.columns),
                    "grades": figures.grade_distribution([(_("Company"), board.summary)]),
                    "trend": figures.company_trend(board.trend),
                }
            ),
            "chart_texts": lambda: {
                "heatmap": chart_text.company_heatmap(
                    board.teams,
                    board.columns,
                    lambda team_id: team_url.replace("{row}", str(team_id)),
                ),
                "grades": chart_text.grade_distribution([(_("Company"), board.summary)]),
                "trend": chart_text.company_trend(board.trend),
            },
        }
    return render(request, "dashboards/company.html", context)


@role_required(Role.HR, Role.ADMIN)
def company_export(request: HttpRequest) -> HttpResponse:
    """The company's team table and everyone's scores of the period as an Excel workbook."""
    periods = scored_periods()
    period = _period(request, periods)
    if period is None or not period.scored:
        raise Http404
    board = company_board(period=period, periods=periods)
    workbook = exports.company_workbook(board, company_people(period.period), period.period)
    return _download(workbook, f"company-{period.period.label}.xlsx")


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@allowed_if(can_open_admin_home)
def admin_home(request: HttpRequest) -> HttpResponse:
    """Where admins land: a card for each thing they run, with its count or status; HR sees the
    cards of what HR runs."""
    return render(request, "dashboards/admin_home.html", {"home": admin_home_read(request.user)})
