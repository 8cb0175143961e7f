"""Formatting for the dashboards' templates, and the slot a later "appeal this" fills."""

from django import template

from dashboards.figures import mean_label
from dashboards.formatting import format_change, format_score, format_value

register = template.Library()

# The appeals app provides this template to put an "appeal this" control on a drill-down record
# or a scorecard indicator; until it does, the slot stays empty.
APPEAL_ACTION_TEMPLATE = "appeals/_appeal_action.html"


def _action_template(context: template.Context) -> template.Template | None:
    try:
        return context.template.engine.get_template(APPEAL_ACTION_TEMPLATE)
    except template.TemplateDoesNotExist:
        return None


@register.simple_tag(takes_context=True)
def appeal_action(context: template.Context, **subject: object) -> str:
    """The "appeal this" control for one row, rendered from ``APPEAL_ACTION_TEMPLATE`` with the
    row's subject (``record_type`` and ``record_id``, or ``indicator``; with ``employee_id`` and
    ``period``) and the request, when a template of that name exists; nothing otherwise.

    Rendered in a new context of the page's (as inclusion tags are), so the context processors
    do not run again for every row."""
    action = _action_template(context)
    if action is None:
        return ""
    return action.render(context.new({**subject, "request": context.get("request")}))


@register.filter
def value(number: float | None, unit: str = "") -> str:
    """A raw indicator value with its unit: ``{{ line.raw|value:line.column.unit }}``."""
    return format_value(number, unit)


@register.filter
def score(number: float | None) -> str:
    return format_score(number)


@register.filter
def change(number: float | None) -> str:
    return format_change(number)


@register.filter
def share(fraction: float | None) -> str:
    """A weight (0–1) as a percentage: 0.094 → ``9.4%``."""
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


@register.filter
def mean_name(name: str) -> str:
    """``total`` or a tier code as a heading in the active language."""
    return mean_label(name)
