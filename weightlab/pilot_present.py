"""Pilots as rows the pages and the API show: schemes, teams, people and levels named (in the
active language), months as 2026-10, numbers as numbers (pages format them with units)."""

from django.utils.translation import gettext as _

from indicators.pilots import SchemePilot
from org.models import Employee, Team
from org.periods import Period, PeriodKind
from weightlab.pilots import GRADES, PILOT, PilotComparison, pilot_state
from weightlab.present import _int, _level_label, _number


def pilot_row(pilot: SchemePilot) -> dict[str, object]:
    """One pilot as listed (no query: scheme, team and author selected with it)."""
    state = pilot_state(pilot)
    return {
        "id": pilot.id,
        "scheme": pilot.scheme_id,
        "scheme_name": str(pilot.scheme),
        "team": pilot.team_id,
        "team_name": pilot.team.name,
        "first_month": Period(PeriodKind.MONTH, pilot.first_month).label,
        "last_month": Period(PeriodKind.MONTH, pilot.last_month).label,
        "months": pilot.months,
        "reason": pilot.reason,
        "state": state.value,
        "state_label": str(state.label),
        "created_at": pilot.created_at,
        "cancelled_at": pilot.cancelled_at,
    }


def comparison_rows(result: PilotComparison) -> dict[str, object]:
    """The comparison of ``pilot_comparison``, JSON-ready: ``months``, ``groups`` (per month,
    the pilot's people and the rest), ``movers`` (the pilot's people whose grade the pilot
    changed), ``distribution`` (the pilot's people per grade without and with the pilot). Two
    queries for the names."""
    change = result.change
    people = dict(
        Employee.objects.filter(id__in=[int(i) for i in change.movers["employee_id"]]).values_list(
            "id", "name"
        )
    )
    team_ids = {int(i) for i in change.movers["team_id"].dropna()}
    teams = dict(Team.objects.filter(id__in=team_ids).values_list("id", "name"))
    groups = [
        {
            "month": f"{row['period']:%Y-%m}",
            "group": row["group"],
            "group_label": _("The pilot's team") if row["group"] == PILOT else _("Everybody else"),
            "people": int(row["people"]),
            "scored": int(row["scored"]),
            "mean_total": _number(row["mean_total"]),
            "grades": [{"grade": grade, "people": int(row[grade])} for grade in GRADES],
        }
        for row in result.groups.to_dict("records")
    ]
    movers = [
        {
            "employee_id": int(row.employee_id),
            "employee": people.get(int(row.employee_id), ""),
            "month": f"{row.period:%Y-%m}",
            "team": teams.get(_int(row.team_id) or 0, ""),
            "level_label": _level_label(row.level),
            "total_without": _number(row.total_before),
            "total_with": _number(row.total_after),
            "grade_without": row.grade_before,
            "grade_with": row.grade_after,
        }
        for row in change.movers.itertuples(index=False)
    ]
    counts: dict[str, list[int]] = {grade: [0, 0] for grade in GRADES}
    for row in change.distribution.itertuples(index=False):
        counts[row.grade][0] += int(row.before)
        counts[row.grade][1] += int(row.after)
    distribution = [
        {"grade": grade, "without": without, "with_pilot": with_pilot}
        for grade, (without, with_pilot) in counts.items()
    ]
    return {
        "months": [period.label for period in result.months],
        "groups": groups,
        "movers": movers,
        "distribution": distribution,
    }
