"""A lab result as rows the page and the API show: people, teams, levels and indicators named
(in the active language), numbers as numbers (the page formats them with their units)."""

import math

from django.utils.translation import gettext as _

from indicators.models import IndicatorDefinition
from indicators.wording import matrix_label
from org.models import Employee, Level, Team
from weightlab.selectors import LabResult


def _number(value: object) -> float | None:
    """A float, or ``None`` for NaN/None (JSON has no NaN: unknown stays unknown)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _int(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _level_label(level: object) -> str:
    if not isinstance(level, str):
        return _("Whole company")
    return str(Level(level).label) if level in Level.values else _("All levels")


def lab_rows(result: LabResult) -> dict[str, object]:
    """Everything the lab shows, JSON-ready: ``movers``, ``distribution``, ``correlation``,
    ``outcomes``, ``weights``, ``consistency``. Two queries for the names."""
    comparison = result.comparison
    employee_ids = {int(i) for i in comparison.movers["employee_id"]}
    team_ids = {
        int(i)
        for frame in (comparison.movers, comparison.distribution, comparison.correlation)
        for i in frame["team_id"].dropna()
    }
    people = dict(Employee.objects.filter(id__in=employee_ids).values_list("id", "name"))
    teams = dict(Team.objects.filter(id__in=team_ids).values_list("id", "name"))
    indicators = {
        indicator.code: indicator.name
        for indicator in IndicatorDefinition.objects.only("code", "name_zh", "name_en")
    }

    def team(team_id: object) -> dict[str, object]:
        ident = _int(team_id)
        return {"team_id": ident, "team": teams.get(ident, "") if ident else ""}

    movers = [
        {
            "employee_id": int(row.employee_id),
            "employee": people.get(int(row.employee_id), ""),
            "month": f"{row.period:%Y-%m}",
            **team(row.team_id),
            "level": row.level,
            "level_label": _level_label(row.level),
            "total_before": _number(row.total_before),
            "total_after": _number(row.total_after),
            "grade_before": row.grade_before,
            "grade_after": row.grade_after,
        }
        for row in comparison.movers.itertuples(index=False)
    ]
    distribution = [
        {
            "level": row.level,
            "level_label": _level_label(row.level),
            **team(row.team_id),
            "grade": row.grade,
            "before": int(row.before),
            "after": int(row.after),
        }
        for row in comparison.distribution.itertuples(index=False)
    ]
    correlation = [
        {
            "level": row.level,
            "level_label": _level_label(row.level),
            **team(row.team_id),
            "n": int(row.n),
            "rho": _number(row.rho),
        }
        for row in comparison.correlation.itertuples(index=False)
    ]
    outcomes = [
        {
            "indicator": row.indicator,
            "indicator_name": indicators.get(row.indicator, row.indicator),
            "outcome": row.outcome,
            "outcome_name": indicators.get(row.outcome, row.outcome),
            "n": int(row.n),
            "r": _number(row.r),
        }
        for row in result.outcomes.itertuples(index=False)
    ]
    # Per outcome, the strongest links first; those too few to tell last.
    order = {
        code: position for position, code in enumerate(dict.fromkeys(result.outcomes["outcome"]))
    }
    outcomes.sort(key=lambda row: (order[row["outcome"]], row["r"] is None, -abs(row["r"] or 0)))
    weights = [
        {"indicator": code, "indicator_name": indicators.get(code, code), "weight": weight}
        for code, weight in sorted(result.weights.items(), key=lambda item: -item[1])
    ]
    consistency = [
        {"matrix": key, "matrix_label": matrix_label(key), **figures}
        for key, figures in result.consistency.items()
    ]
    return {
        "scheme": result.scheme.id,
        "scheme_name": str(result.scheme),
        "months": [period.label for period in result.periods],
        "levels": result.levels,
        "weights": weights,
        "consistency": consistency,
        "movers": movers,
        "distribution": distribution,
        "correlation": correlation,
        "outcomes": outcomes,
    }
