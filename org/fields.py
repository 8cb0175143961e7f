"""Form and API fields for the parameters every layer reads from requests: database ids and
periods, bounded so that a bad value is a 400 naming the field, never a database error."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from org.calendar import period_parse
from org.periods import Period

# Ids are PostgreSQL bigints: anything outside is no id (and would make the query fail).
ID_MAX = 2**63 - 1
# The periods perf scores: anything outside is a typo (and 9999-12 has no following month).
PERIOD_YEARS = (2000, 2100)


def in_scored_years(day: dt.date) -> bool:
    """Whether a day (or a time) falls in the years perf scores, ``PERIOD_YEARS``."""
    first, last = PERIOD_YEARS
    return first <= day.year <= last


def period_from_text(text: str) -> Period:
    """``2026-10``, ``2026-Q4`` or ``2026-W43`` as a Period of the years perf scores, or a
    ``ValidationError`` saying how to write it."""
    try:
        period = period_parse(text or "")
    except ValueError as error:
        raise ValidationError(
            _("Write the period as YYYY-MM, YYYY-Qn or YYYY-Wnn (for example 2026-10)."),
            code="invalid",
        ) from error
    if not in_scored_years(period.start):
        first, last = PERIOD_YEARS
        raise ValidationError(
            _("Choose a period between %(first)d and %(last)d."),
            code="out_of_range",
            params={"first": first, "last": last},
        )
    return period


class IdField(forms.IntegerField):
    """A database id: a whole number from 1 up to the largest bigint."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


def id_from_text(text: str) -> int | None:
    """An id written in a query string or a ticked box, or ``None`` when it is none: ASCII
    digits only ("²".isdigit() is true, and int("²") fails), from 1 up to the largest bigint."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(ID_MAX))):
        return None
    number = int(text)
    return number if 1 <= number <= ID_MAX else None


class PeriodField(forms.CharField):
    """A period (``2026-10``) between the years perf scores, cleaned to a ``Period``."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        return period_from_text(text) if text else None


class ApiIdField(serializers.IntegerField):
    """A database id in the API: a whole number from 1 up to the largest bigint."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


class ApiPeriodField(serializers.CharField):
    """A period in the API (``2026-10``), between the years perf scores, read as a ``Period``."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "2026-10 (month), 2026-Q4 or 2026-W43")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Period:
        # The text is read here, whole (validators would see the Period): a NUL or any other
        # character is simply not a period.
        return period_from_text(super().to_internal_value(data))

    def to_representation(self, value) -> str:
        return value.label if isinstance(value, Period) else str(value)
