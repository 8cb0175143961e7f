"""The people import's rows one by one: each cell read, checked and typed, or a ``RowError``
naming the column and the reason."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_noop, override

from org.models import Level
from org.reasons import Reason

TRUE_WORDS = {"1", "true", "yes", "y", "是", "在职", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "离职", "f"}
DATE_YEARS = (1900, 2100)


class RowError(Exception):
    def __init__(self, column: str, reason: Reason) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass
class Person:
    line: int
    employee_no: str
    name: str
    team_path: list[str]
    level: str
    hire_date: date
    present: set[str]
    manager_no: str | None = None
    leave_date: date | None = None
    is_active: bool = True
    username: str | None = None
    email: str = ""

    @property
    def team(self) -> str:
        return self.team_path[-1]


# Characters no name, number or team is written with (every C0 control and DEL).
CONTROL_CHARACTERS = re.compile(r"[\x01-\x1f\x7f]")


def row_text(row: dict, key: str, max_length: int) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps employee numbers typed as numbers as floats
    text = str(value).strip()
    if "\x00" in text:
        raise RowError(key, Reason(gettext_noop("contains a NUL character.")))
    if CONTROL_CHARACTERS.search(text):
        # A vertical tab pasted from Word: invisible here, and no workbook can hold it.
        raise RowError(
            key, Reason(gettext_noop("contains an invisible control character (tab, line break…)."))
        )
    if len(text) > max_length:
        raise RowError(
            key, Reason(gettext_noop("is longer than %(max)d characters."), {"max": max_length})
        )
    return text


def _required(row: dict, key: str, max_length: int) -> str:
    text = row_text(row, key, max_length)
    if not text:
        raise RowError(key, Reason(gettext_noop("is missing.")))
    return text


def _date(row: dict, key: str) -> date | None:
    value = row.get(key)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = row_text(row, key, 32).replace("/", "-").replace(".", "-")
        if not text:
            return None
        parts = text.split("-")
        try:
            if len(parts) != 3 or not all(part.isdigit() for part in parts):
                raise ValueError(text)
            value = date(*map(int, parts))  # also 2024-1-5, as Excel users write it
        except ValueError:
            raise RowError(
                key, Reason(gettext_noop("is not a date; write it as YYYY-MM-DD."))
            ) from None
    if not DATE_YEARS[0] <= value.year <= DATE_YEARS[1]:
        raise RowError(
            key,
            Reason(
                gettext_noop("must be a date between %(first)d and %(last)d."),
                {"first": DATE_YEARS[0], "last": DATE_YEARS[1]},
            ),
        )
    return value


def level_names() -> dict[str, str]:
    """Every way a level may be written (code, English and Chinese name) → its code."""
    names = {}
    for language in ("en", "zh-hans"):
        with override(language):
            names.update({str(label).casefold(): value for value, label in Level.choices})
    names.update({value: value for value in Level.values})
    return names


def person_from_row(line: int, row: dict, levels: dict[str, str], today: date) -> Person:
    employee_no = _required(row, "employee_no", 32)
    name = _required(row, "name", 100)
    path_text = _required(row, "team", 500).replace("／", "/")
    team_path = [segment.strip() for segment in path_text.split("/")]
    if any(not segment for segment in team_path):
        raise RowError(
            "team", Reason(gettext_noop("has an empty part; write it as 华东/跟单一组."))
        )
    if any(len(segment) > 100 for segment in team_path):
        raise RowError("team", Reason(gettext_noop("has a team name longer than 100 characters.")))
    level_text = _required(row, "level", 32)
    level = levels.get(level_text.casefold())
    if level is None:
        raise RowError(
            "level",
            Reason(
                gettext_noop("%(value)s is not a level; use junior, intermediate or senior."),
                {"value": level_text},
            ),
        )
    hire_date = _date(row, "hire_date")
    if hire_date is None:
        raise RowError("hire_date", Reason(gettext_noop("is missing.")))
    person = Person(line, employee_no, name, team_path, level, hire_date, present=set(row))
    person.manager_no = row_text(row, "manager", 32) or None
    person.leave_date = _date(row, "leave_date")
    if person.leave_date and person.leave_date < hire_date:
        raise RowError("leave_date", Reason(gettext_noop("is before the hire date.")))
    active = row.get("active")
    active_text = "" if isinstance(active, bool) else row_text(row, "active", 16).casefold()
    if isinstance(active, bool):
        person.is_active = active
    elif active_text in TRUE_WORDS:
        person.is_active = True
    elif active_text in FALSE_WORDS:
        person.is_active = False
    elif active_text:
        raise RowError("active", Reason(gettext_noop("must be yes or no (是 or 否).")))
    else:  # blank or no such column: active unless the leave date has passed
        person.is_active = not (person.leave_date and person.leave_date < today)
    person.email = row_text(row, "email", 254)
    if person.email:
        try:
            validate_email(person.email)
        except ValidationError:
            raise RowError("email", Reason(gettext_noop("is not an email address."))) from None
    username = row_text(row, "username", 150) or person.email
    if username:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            raise RowError(
                "username", Reason(gettext_noop("may hold only letters, digits and @ . + - _."))
            ) from None
        person.username = username
    return person


def employee_no_shown(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\x00", "")[:32]
