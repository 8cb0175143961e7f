from django import template

from reviews.language import in_language

register = template.Library()


@register.filter
def bilingual(thing, field: str) -> str:
    """``thing.<field>_zh`` or ``thing.<field>_en``, by the page's language."""
    return in_language(getattr(thing, f"{field}_zh"), getattr(thing, f"{field}_en"))
