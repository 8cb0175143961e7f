from django import template

from reviews import reminders
from reviews.language import in_language
from reviews.wording import MONTH_DECIMALS, format_points, format_slope

register = template.Library()


@register.filter
def bilingual(thing, field: str) -> str:
    """``thing.<field>_zh`` or ``thing.<field>_en``, by the page's language."""
    return in_language(getattr(thing, f"{field}_zh"), getattr(thing, f"{field}_en"))


@register.filter
def points(value: float | None) -> str:
    """A part or a final in points, to 0.01 as finals are graded: ``80.43 分``."""
    return format_points(value)


@register.filter
def month_points(value: float | None) -> str:
    """A month's published total in points, as the scorecard shows it: ``80.4 分``."""
    return format_points(value, MONTH_DECIMALS)


@register.filter
def slope(value: float | None) -> str:
    """Growth in points per month: ``+2.50 分/月``."""
    return format_slope(value)


@register.inclusion_tag("reviews/_reminders.html", takes_context=True)
def pending_reviews(context) -> dict:
    """The signed-in user's reviews still to write, with their deadlines (empty: nothing
    shown). A small block other apps' pages (/me/, /team/) include where people land."""
    request = context["request"]
    return {"pending": reminders.pending_reviews(request.user), "soon_days": reminders.SOON_DAYS}
