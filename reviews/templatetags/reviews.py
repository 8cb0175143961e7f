from django import template

from reviews import reminders
from reviews.language import in_language

register = template.Library()


@register.filter
def bilingual(thing, field: str) -> str:
    """``thing.<field>_zh`` or ``thing.<field>_en``, by the page's language."""
    return in_language(getattr(thing, f"{field}_zh"), getattr(thing, f"{field}_en"))


@register.inclusion_tag("reviews/_reminders.html", takes_context=True)
def pending_reviews(context) -> dict:
    """The signed-in user's reviews still to write, with their deadlines (empty: nothing
    shown). A small block other apps' pages (/me/, /team/) include where people land."""
    request = context["request"]
    return {"pending": reminders.pending_reviews(request.user), "soon_days": reminders.SOON_DAYS}
