"""One source value at a time, as a column: whether it holds anything, and what it is as the
type of a model field (times read in the mapping's zone with the daylight-saving rule, dates,
yes/no words, numbers, text within its length). Problems come back as reasons
(``org.reasons``), never raised: a bad value refuses its row, not the batch. And the other way:
a field's typed values as people read them (``value_texts``).

**Daylight saving.** A naive local time that the zone repeats (the hour clocks are put back) or
skips (the hour they are put forward) is never refused: a repeated time is read as its first
occurrence (the earlier instant, still on summer time), a skipped one is shifted forward by the
gap (02:30 on the night Europe/Berlin skips 02:00–03:00 is read as 03:30) — Python's ``fold=0``.
"""

import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_noop

from org.models import Employee
from org.reasons import Reason

TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "对", "真"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "错", "假", ""}


def source_present(values: pd.Series) -> pd.Series:
    """Which raw values hold something (not None, NaN or blank text)."""
    text = values.astype(str).str.strip()
    return values.notna() & (text != "") & (text.str.lower() != "nan")


def _local_instants(naive: pd.Series, zone: ZoneInfo) -> tuple[pd.Series, pd.Series]:
    """Naive local times (datetime64) in ``zone`` as UTC, and which of them daylight saving
    made ambiguous or non-existent, read by the rule in this module's docstring (Python's
    ``fold=0``): the first occurrence of a repeated time, a skipped time shifted forward by the
    gap."""
    strict = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    resolved = strict.isna() & naive.notna()
    instants = strict.dt.tz_convert("UTC")
    if resolved.any():  # a few times a year: one by one
        instants = instants.astype(object)
        instants[resolved] = [
            pd.Timestamp(stamp.to_pydatetime(warn=False).replace(tzinfo=zone)).tz_convert("UTC")
            for stamp in naive[resolved]
        ]
        instants = pd.to_datetime(instants, utc=True)
    return instants, resolved


def _parsed_alone(value) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT


def source_instants(values: pd.Series, zone: ZoneInfo) -> tuple[pd.Series, pd.Series]:
    """Raw timestamps as UTC (unparseable → NaT); naive ones are read in ``zone``. Also which
    values were local times that daylight saving made ambiguous or non-existent (resolved by
    the stated rule, never refused)."""
    none_resolved = pd.Series(False, index=values.index)
    try:
        # Mixed offsets give object dtype today and will raise in later pandas: either way
        # they are read one by one below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            parsed = pd.to_datetime(values, errors="raise", format="mixed")
    except (ValueError, TypeError, OverflowError):
        parsed = None
    if parsed is not None and isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC"), none_resolved
    if parsed is not None and parsed.dtype.kind == "M":
        return _local_instants(parsed, zone)
    # Mixed values (some with an offset, some without, some not times): each parsed alone.
    stamps = values.map(_parsed_alone)
    naive = stamps.map(lambda stamp: stamp is not pd.NaT and stamp.tzinfo is None).astype(bool)
    instants = pd.to_datetime(stamps.where(~naive, None), utc=True)
    if naive.any():
        local = pd.to_datetime(stamps[naive].tolist(), errors="coerce")
        local_instants, resolved = _local_instants(
            pd.Series(local, index=values.index[naive]), zone
        )
        instants = instants.astype(object)
        instants[naive] = local_instants
        instants = pd.to_datetime(instants, utc=True)
        return instants, resolved.reindex(values.index, fill_value=False)
    return instants, none_resolved


@dataclass
class Typed:
    """A raw column typed for its model field: the values, which could not be read, the
    problem of those, and which were local times resolved by the daylight-saving rule."""

    column: pd.Series
    bad: pd.Series
    problem: Reason | None
    resolved: pd.Series | None = None


def typed_column(model_field: models.Field, values: pd.Series, zone: ZoneInfo) -> Typed:
    """One present-valued raw column typed for ``model_field``."""
    if isinstance(model_field, models.DateTimeField):
        instants, resolved = source_instants(values, zone)
        # perf keeps times to the second: the ledger's content must match what is stored.
        typed = instants.dt.floor("s")
        return Typed(typed, typed.isna(), Reason(gettext_noop("not a date and time")), resolved)
    if isinstance(model_field, models.DateField):
        instants, resolved = source_instants(values, zone)
        days = instants.dt.tz_convert(zone).dt.date
        return Typed(days, instants.isna(), Reason(gettext_noop("not a date")), resolved)
    if isinstance(model_field, models.BooleanField):
        words = values.astype(str).str.strip().str.lower()
        typed = pd.Series(np.where(words.isin(TRUE_WORDS), True, False), index=values.index)
        bad = ~(words.isin(TRUE_WORDS) | words.isin(FALSE_WORDS))
        return Typed(typed, bad, Reason(gettext_noop("not yes or no")))
    if isinstance(model_field, (models.DecimalField, models.IntegerField)):
        typed = pd.to_numeric(values, errors="coerce")
        bad = typed.isna()
        if isinstance(model_field, models.DecimalField):
            return Typed(
                typed.round(model_field.decimal_places), bad, Reason(gettext_noop("not a number"))
            )
        bad |= typed.notna() & (typed != typed.round())
        if isinstance(
            model_field,
            (
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            ),
        ):
            bad |= typed < 0
            return Typed(typed, bad, Reason(gettext_noop("not a whole number of zero or more")))
        return Typed(typed, bad, Reason(gettext_noop("not a whole number")))
    # As objects: a column no row fills is empty and would keep a dtype with no .str accessor.
    typed = (
        values.map(lambda value: value if isinstance(value, str) else str(value))
        .astype(object)
        .str.strip()
    )
    if model_field.max_length:
        longer = Reason(gettext_noop("longer than {n} characters"), {"n": model_field.max_length})
        return Typed(typed, typed.str.len() > model_field.max_length, longer)
    return Typed(typed, pd.Series(False, index=values.index), None)


def value_texts(model_field: models.Field, values: pd.Series) -> pd.Series:
    """A field's values (as stored, or typed from a source) as people read them, one text each:
    times in the current time zone to the minute, people by their employee number (other
    relations by their name), yes/no as ``true``/``false``, decimals with the field's places,
    nothing as "". One query for a relation, none otherwise."""
    present = values.notna().to_numpy()
    texts = pd.Series("", index=values.index, dtype=object)
    if not present.any():
        return texts
    given = values[present]
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        ids = given.astype("int64")
        if related is Employee:
            names = dict(
                Employee.objects.filter(pk__in=ids.unique().tolist()).values_list(
                    "pk", "employee_no"
                )
            )
        else:
            names = {
                pk: str(row) for pk, row in related.objects.in_bulk(ids.unique().tolist()).items()
            }
        shown = ids.map(names).fillna("")
    elif isinstance(model_field, models.DateTimeField):
        local = pd.to_datetime(given, utc=True).dt.tz_convert(timezone.get_current_timezone())
        shown = local.dt.strftime("%Y-%m-%d %H:%M")
    elif isinstance(model_field, models.BooleanField):
        shown = given.map(lambda value: "true" if value else "false")
    elif isinstance(model_field, models.DecimalField):
        places = model_field.decimal_places
        shown = pd.to_numeric(given).map(lambda number: f"{number:.{places}f}")
    elif isinstance(model_field, models.IntegerField):
        shown = pd.to_numeric(given).astype("int64").astype(str)
    else:
        shown = given.astype(str)
    texts[present] = shown.to_numpy()
    return texts
