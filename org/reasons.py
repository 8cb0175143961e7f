"""Why something was refused, kept as a message code and its parameters and worded only when a
person reads it, in the reader's language (not in the language of whoever ran the sync).

A ``Reason`` is an untranslated msgid (marked with ``gettext_noop`` so the catalogs hold it) and
the values it names::

    Reason(gettext_noop("unknown value {value!r} (allowed: {allowed})"),
           {"value": "已完成", "allowed": "confirmed, submitted"})

``reason.stored()`` is its JSON form (``{"code": …, "params": {…}}``), ``reason_text(stored)``
words a stored one in the active language (``str(reason)`` does the same). A parameter may be
another ``Reason``, a lazy translation (a field's or model's name: stored as its msgid) or a
list of stored reasons (joined by "; "), each worded in turn. Both ``{name}`` and ``%(name)s``
placeholders are understood. Reasons stored before codes (``{"message": "…"}``, already
translated) are read as they are.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext, override


@dataclass(frozen=True)
class Reason:
    """A message code (the untranslated msgid) and its parameters."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return reason_text(self.stored())

    def stored(self) -> dict:
        """The JSON form kept in the database."""
        if not self.params:
            return {"code": self.code}
        return {"code": self.code, "params": {k: _param_stored(v) for k, v in self.params.items()}}


def untranslated(text: Promise | str) -> str:
    """The msgid of a lazy translation (``gettext_lazy("order")`` → ``"order"``)."""
    with override(None):
        return str(text)


def as_reason(message: "Reason | Promise | str") -> "Reason | str":
    """A lazy translation as the reason it names; a reason or plain text as it is."""
    return Reason(untranslated(message)) if isinstance(message, Promise) else message


def reason_stored(message: "Reason | Promise | str") -> dict:
    """What is kept of a message: a reason's code and parameters, or plain text as ``message``
    (already in some language: callers not yet giving codes)."""
    message = as_reason(message)
    if isinstance(message, Reason):
        return message.stored()
    return {"message": str(message)}


def reason_text(stored: Mapping) -> str:
    """A stored reason worded in the active language. A translation whose placeholders do not
    fit its parameters falls back to the English code, so a bad catalog entry never hides it."""
    code = stored.get("code")
    if code is None:
        return str(stored.get("message", ""))
    params = {name: _param_text(value) for name, value in (stored.get("params") or {}).items()}
    for text in (gettext(code), code):
        try:
            return text % params if "%(" in text else text.format(**params)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    return code


def _param_stored(value: object) -> object:
    if isinstance(value, Reason):
        return value.stored()
    if isinstance(value, Promise):
        return {"code": untranslated(value)}
    if isinstance(value, list | tuple):
        return [_param_stored(item) for item in value]
    return json_safe(value)


def _param_text(value: object) -> object:
    if isinstance(value, Mapping) and ("code" in value or "message" in value):
        return reason_text(value)
    if isinstance(value, list):
        return "; ".join(str(_param_text(item)) for item in value)
    return value


def json_safe(value: object) -> object:
    """A value as JSON can keep it: numpy scalars as Python ones, times as ISO text, decimals
    as text, NaN as null, bytes decoded; PostgreSQL's text and JSON cannot hold NUL, so a NUL
    is kept as U+FFFD."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value
