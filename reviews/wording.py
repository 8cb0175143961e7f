"""A cycle result's numbers and arithmetic in words, in the active language: points with their
unit, growth in points per month, and how the final score was made (``reviews.engine.final``'s
rules: both parts weighed, one part alone, or not scored)."""

from collections.abc import Mapping

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from org.lists import list_join
from reviews.engine.final import FINAL_DECIMALS
from reviews.models import CycleResult, ResultBasis

MONTH_DECIMALS = 1  # a month's published total, as the scorecard shows it


def format_points(value: float | None, decimals: int = FINAL_DECIMALS) -> str:
    """A 0–100 score in points (``80.43 分``, ``80.43 pts``), to 0.01 as finals are graded;
    ``—`` when unknown."""
    if value is None:
        return "—"
    return _("%(score)s pts") % {"score": number_format(value, decimals)}


def format_slope(value: float | None) -> str:
    """Growth in points per month, signed (``+2.50 分/月``, ``−5.00 pts/month``); ``—``
    without one."""
    if value is None:
        return "—"
    signed = ("+" if value >= 0 else "−") + number_format(abs(value), 2)
    return _("%(slope)s pts/month") % {"slope": signed}


def _number(value: float, decimals: int = FINAL_DECIMALS) -> str:
    return number_format(value, decimals)


def _weight(value: float) -> str:
    """A weight as written in the formula: 0.7, 0.3 (at most two decimals, no trailing 0)."""
    return number_format(round(value, 2))


def final_explanation(result: CycleResult) -> str:
    """How the final was made, with the numbers and the w it was computed with (its level's or
    the cycle's): ``Final = 0.7 × KPI 82.33 + 0.3 × qualitative 76.00 = 80.43 pts``, or the
    rule applied when a part is missing."""
    if result.basis == ResultBasis.BOTH:
        return _(
            "Final = %(w)s × KPI %(kpi)s + %(rest)s × qualitative %(qualitative)s = %(final)s"
        ) % {
            "w": _weight(result.kpi_weight),
            "kpi": _number(result.kpi_part),
            "rest": _weight(1 - result.kpi_weight),
            "qualitative": _number(result.qualitative_part),
            "final": format_points(result.final),
        }
    if result.basis == ResultBasis.KPI_ONLY:
        return _(
            "Final = KPI %(kpi)s = %(final)s: there is no manager review, so the KPI part "
            "counts in full."
        ) % {"kpi": _number(result.kpi_part), "final": format_points(result.final)}
    if result.basis == ResultBasis.QUALITATIVE_ONLY:
        return _(
            "Final = qualitative %(qualitative)s = %(final)s: there is no published KPI score "
            "in the cycle's months, so the manager review counts in full."
        ) % {"qualitative": _number(result.qualitative_part), "final": format_points(result.final)}
    return _(
        "Not scored: no published KPI score in the cycle's months and no manager review, so "
        "there is no final score and no grade."
    )


def kpi_explanation(result: CycleResult, totals: list[float]) -> str:
    """How the KPI part was made from the scored months' totals; empty without a KPI part."""
    if result.kpi_part is None:
        return ""
    return ngettext(
        "KPI part = the mean of %(count)s scored month (%(totals)s) = %(kpi)s; months not "
        "scored are left out.",
        "KPI part = the mean of %(count)s scored months (%(totals)s) = %(kpi)s; months not "
        "scored are left out.",
        len(totals),
    ) % {
        "count": len(totals),
        "totals": list_join(_number(total, MONTH_DECIMALS) for total in totals),
        "kpi": format_points(result.kpi_part),
    }


def thresholds_text(thresholds: Mapping[str, float]) -> str:
    """The finals each grade takes: "S from 90, A from 80, B from 70, C from 60, D below"."""
    return _("S from %(S)s, A from %(A)s, B from %(B)s, C from %(C)s, D below") % {
        name: _number(value, 0) for name, value in thresholds.items()
    }


def grade_explanation(grade: str, thresholds: Mapping[str, float]) -> str:
    """The computed grade and the thresholds it comes from."""
    return _("Computed grade %(grade)s by the thresholds: %(thresholds)s.") % {
        "grade": grade,
        "thresholds": thresholds_text(thresholds),
    }
