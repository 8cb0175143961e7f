"""Numbers as the dashboards write them, shared by the templates and the figures' hover texts."""

from django.utils.translation import gettext as _


def format_value(value: float | None, unit: str = "") -> str:
    """A raw indicator value with its unit (``12.5 h``, ``96.3%``, ``41``); ``—`` when missing.

    Units are those of ``indicators.models.Unit``; counts show no decimals when whole."""
    if value is None:
        return "—"
    if unit == "count" and float(value).is_integer():
        return f"{value:.0f}"
    number = f"{value:.1f}" if unit != "points" else f"{value:.2f}"
    if unit == "percent":
        return f"{number}%"
    if unit == "hours":
        return _("%(hours)s h") % {"hours": number}
    return number


def format_score(value: float | None) -> str:
    """A 0–100 score or a total, one decimal; ``—`` when missing."""
    return "—" if value is None else f"{value:.1f}"


def format_change(value: float | None) -> str:
    """Points gained or lost, signed (``+3.2``, ``−1.0``); empty when unknown."""
    if value is None:
        return ""
    return f"{value:+.1f}".replace("-", "−")
