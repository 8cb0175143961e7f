from decimal import Decimal

from django import template

from bonus.arithmetic import coefficient_text, percent_text, score_text
from bonus.arithmetic import money as money_text

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    return money_text(amount)


@register.filter
def coefficient(value: Decimal) -> str:
    return coefficient_text(value)


@register.filter
def percent(share: Decimal) -> str:
    return percent_text(share)


@register.filter
def points(score: float | Decimal) -> str:
    return score_text(float(score))
