"""Formatting for the dashboards' templates, the fragments they keep, and the "appeal this"
control."""

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from appeals.links import appeal_control
from dashboards.cache import kept
from dashboards.chart_labels import mean_label
from dashboards.formatting import (
    format_change,
    format_duration,
    format_percent,
    format_score,
    format_value,
)
from dashboards.selectors.columns import Column

register = template.Library()


@register.simple_tag(takes_context=True)
def appeal_action(context: template.Context, **subject: object) -> str:
    """The "appeal this" control for one row (``appeals.links``): ``record_type`` and
    ``record_id``, or ``indicator``; with ``employee_id``, ``period`` and a ``label``."""
    return appeal_control(context.get("request"), **subject)


@register.filter
def value(number: float | None, column: Column) -> str:
    """A raw value of the indicator ``column`` with its unit: ``{{ x|value:line.column }}``."""
    return format_value(number, column.unit, column.calculator)


@register.filter
def score(number: float | None) -> str:
    return format_score(number)


@register.filter
def change(number: float | None) -> str:
    return format_change(number)


@register.filter
def percentile(number: float | None) -> str:
    return format_percent(number)


@register.filter
def duration(hours: float | None) -> str:
    """Hours in days and hours: 727.3 → ``30 天 7 小时``."""
    return format_duration(hours)


@register.filter
def share(fraction: float | None) -> str:
    """A weight (0–1) as a percentage: 0.094 → ``9.4%``."""
    return format_percent(None if fraction is None else fraction * 100)


@register.filter
def mean_name(name: str) -> str:
    """``total`` or a tier code as a heading in the active language."""
    return mean_label(name)


class KeptNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: FilterExpression, key: FilterExpression):
        self.nodelist, self.name, self.key = nodelist, name, key

    def render(self, context: template.Context) -> SafeString:
        parts = (self.name.resolve(context), self.key.resolve(context), get_language())
        return mark_safe(kept("fragment", parts, lambda: self.nodelist.render(context)))


@register.tag("kept")
def kept_fragment(parser: Parser, token: Token) -> KeptNode:
    """``{% kept "dashboards.team" fragment_key %}…{% endkept %}``: the enclosed part of the page
    rendered once per name, key (what it depends on: periods, teams, whom the viewer may see)
    and language, then served from ``dashboards.cache`` until its epoch moves. Whatever the
    part needs only when rendered (the figures) can be passed as a callable."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and a key")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))
