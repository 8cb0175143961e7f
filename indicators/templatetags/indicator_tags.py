from django import template

from indicators.models import expert_label as _expert_label

register = template.Library()


@register.simple_tag
def localised(instance: object, field: str) -> str:
    """``instance.<field>_zh`` or ``_en``, whichever fits the active language."""
    return instance.localised(field)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key)


@register.filter
def percent(share: float | None, digits: int = 1) -> str:
    """0.1234 → "12.3%"."""
    return "—" if share is None else f"{share * 100:.{digits}f}%"


@register.filter
def index(sequence: list, position: int) -> object:
    return sequence[position]


@register.filter
def expert_label(expert: str) -> str:
    """An expert of a weight scheme as pages name them (``indicators.models.expert_label``)."""
    return _expert_label(expert)
