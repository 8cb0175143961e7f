"""Numbers as the dashboards write them, shared by the templates, the figures' hover texts and
the exports: every number with its unit in the active language (orders 单, contacts 次, hours
小时, ratings /5, scores 分), rounded once here so a workbook holds what the screen shows."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SCORE_DECIMALS = 1  # 0–100 scores, totals, their changes and percentiles

# What an indicator measured in the unit "count" counts, by calculator; a count of another
# calculator (a custom indicator) counts records.
COUNTED_THINGS = {
    "order_volume": lambda number, n: ngettext("%(number)s order", "%(number)s orders", n)
    % {"number": number},
    "follow_up_count": lambda number, n: ngettext("%(number)s contact", "%(number)s contacts", n)
    % {"number": number},
    "accepted_suggestions": lambda number, n: ngettext(
        "%(number)s suggestion", "%(number)s suggestions", n
    )
    % {"number": number},
}


def _records(number: str, n: int) -> str:
    return ngettext("%(number)s record", "%(number)s records", n) % {"number": number}


def value_decimals(value: float, unit: str) -> int:
    """How many decimals a raw value of ``unit`` is shown with (units of
    ``indicators.models.Unit``): whole counts none, ratings 1–5 two, everything else one."""
    if unit == "count" and float(value).is_integer():
        return 0
    return 2 if unit == "points" else 1


def rounded_value(value: float | None, unit: str) -> float | None:
    """A raw value rounded as it is shown (for exports)."""
    return None if value is None else round(float(value), value_decimals(value, unit))


def rounded_score(value: float | None) -> float | None:
    """A score, total or percentile rounded as it is shown (for exports)."""
    return None if value is None else round(float(value), SCORE_DECIMALS)


def format_hours(hours: float) -> str:
    return _("%(hours)s h") % {"hours": number_format(hours, 1)}


def format_value(value: float | None, unit: str = "", calculator: str = "") -> str:
    """A raw indicator value with its unit (``178 单``, ``12.5 小时``, ``96.3%``, ``4.13/5``,
    ``72.0/100``; in English ``178 orders``, ``12.5 h``); ``—`` when missing. Counts are named
    after what ``calculator`` counts."""
    if value is None:
        return "—"
    number = number_format(value, value_decimals(value, unit))
    if unit == "count":
        return COUNTED_THINGS.get(calculator, _records)(number, round(value))
    if unit == "percent":
        return f"{number}%"
    if unit == "hours":
        return format_hours(value)
    if unit == "points":
        return f"{number}/5"
    if unit == "index":
        return f"{number}/100"
    return number


def format_score(value: float | None) -> str:
    """A 0–100 score or a total, one decimal, in points (``78.2 分``, ``78.2 pts``); ``—`` when
    missing."""
    if value is None:
        return "—"
    return _("%(score)s pts") % {"score": number_format(value, SCORE_DECIMALS)}


def format_change(value: float | None) -> str:
    """Points of 0–100 score gained or lost, signed (``+3.2 分``, ``−1.0 pts``): the difference of
    two scores, not a percentage; empty when unknown."""
    if value is None:
        return ""
    signed = ("+" if value >= 0 else "−") + number_format(abs(value), SCORE_DECIMALS)
    return _("%(score)s pts") % {"score": signed}


def format_percent(value: float | None) -> str:
    """A percentage (0–100), one decimal: ``78.0%``; ``—`` when missing."""
    return "—" if value is None else f"{number_format(value, SCORE_DECIMALS)}%"


def format_duration(hours: float | None) -> str:
    """A long duration in days and hours (``30 天 7 小时``, ``30 d 7 h``), under a day in hours;
    ``—`` when missing."""
    if hours is None:
        return "—"
    if hours < 1:
        return format_hours(hours)
    days, rest = divmod(round(hours), 24)
    if not days:
        return _("%(hours)s h") % {"hours": rest}
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": rest}
