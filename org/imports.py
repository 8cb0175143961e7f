"""Loading people and teams in bulk: rows from a file or the API, checked together, then written
in a constant number of queries (or only described, in a dry run).

Employees are matched by employee number, so the same file imported twice changes nothing. A row
that cannot be taken is refused with the column and the reason; the other rows still land. A
column the file does not have leaves that field as it is; a blank manager or leave date clears it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, override

from org.import_files import COLUMN_LABELS
from org.models import Employee, Level, Role, Team
from org.signals import pages_stale

CHANGE_REASON = "people import"
FIELDS = ("name", "team", "level", "hire_date", "leave_date", "is_active", "manager", "username")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "在职", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "离职", "f"}
DATE_YEARS = (1900, 2100)


class RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(frozen=True)
class Refusal:
    line: int
    employee_no: str
    column: str
    reason: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))


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


@dataclass
class PeopleImportResult:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)
    # (employee number, username, the one-time link that sets the account's password)
    password_links: list[tuple[str, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "teams_created": self.teams_created,
            "accounts_created": self.accounts_created,
            "refused": [
                {
                    "line": r.line,
                    "employee_no": r.employee_no,
                    "column": r.column,
                    "reason": r.reason,
                }
                for r in self.refused
            ],
            "password_links": [
                {"employee_no": no, "username": username, "url": url}
                for no, username, url in self.password_links
            ],
        }


# --- reading one row -------------------------------------------------------------------------


def _text(row: dict, key: str, max_length: int) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps employee numbers typed as numbers as floats
    text = str(value).strip()
    if "\x00" in text:
        raise RowError(key, gettext("contains a NUL character."))
    if len(text) > max_length:
        raise RowError(key, gettext("is longer than %(max)d characters.") % {"max": max_length})
    return text


def _required(row: dict, key: str, max_length: int) -> str:
    text = _text(row, key, max_length)
    if not text:
        raise RowError(key, gettext("is missing."))
    return text


def _date(row: dict, key: str) -> date | None:
    value = row.get(key)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = _text(row, key, 32).replace("/", "-").replace(".", "-")
        if not text:
            return None
        parts = text.split("-")
        try:
            if len(parts) != 3 or not all(part.isdigit() for part in parts):
                raise ValueError(text)
            value = date(*map(int, parts))  # also 2024-1-5, as Excel users write it
        except ValueError:
            raise RowError(key, gettext("is not a date; write it as YYYY-MM-DD.")) from None
    if not DATE_YEARS[0] <= value.year <= DATE_YEARS[1]:
        raise RowError(
            key,
            gettext("must be a date between %(first)d and %(last)d.")
            % {"first": DATE_YEARS[0], "last": DATE_YEARS[1]},
        )
    return value


def _levels() -> dict[str, str]:
    """Every way a level may be written (code, English and Chinese name) → its code."""
    names = {}
    for language in ("en", "zh-hans"):
        with override(language):
            names.update({str(label).casefold(): value for value, label in Level.choices})
    names.update({value: value for value in Level.values})
    return names


def _person(line: int, row: dict, levels: dict[str, str], today: date) -> Person:
    employee_no = _required(row, "employee_no", 32)
    name = _required(row, "name", 100)
    path_text = _required(row, "team", 500).replace("／", "/")
    team_path = [segment.strip() for segment in path_text.split("/")]
    if any(not segment for segment in team_path):
        raise RowError("team", gettext("has an empty part; write it as 华东/跟单一组."))
    if any(len(segment) > 100 for segment in team_path):
        raise RowError("team", gettext("has a team name longer than 100 characters."))
    level_text = _required(row, "level", 32)
    level = levels.get(level_text.casefold())
    if level is None:
        raise RowError(
            "level",
            gettext("%(value)s is not a level; use junior, intermediate or senior.")
            % {"value": level_text},
        )
    hire_date = _date(row, "hire_date")
    if hire_date is None:
        raise RowError("hire_date", gettext("is missing."))
    person = Person(line, employee_no, name, team_path, level, hire_date, present=set(row))
    person.manager_no = _text(row, "manager", 32) or None
    person.leave_date = _date(row, "leave_date")
    if person.leave_date and person.leave_date < hire_date:
        raise RowError("leave_date", gettext("is before the hire date."))
    active = row.get("active")
    active_text = "" if isinstance(active, bool) else _text(row, "active", 16).casefold()
    if isinstance(active, bool):
        person.is_active = active
    elif active_text in TRUE_WORDS:
        person.is_active = True
    elif active_text in FALSE_WORDS:
        person.is_active = False
    elif active_text:
        raise RowError("active", gettext("must be yes or no (是 or 否)."))
    else:  # blank: active unless the leave date has passed
        person.is_active = not (person.leave_date and person.leave_date < today)
        person.present.add("active")
    person.email = _text(row, "email", 254)
    if person.email:
        try:
            validate_email(person.email)
        except ValidationError:
            raise RowError("email", gettext("is not an email address.")) from None
    username = _text(row, "username", 150) or person.email
    if username:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            raise RowError(
                "username", gettext("may hold only letters, digits and @ . + - _.")
            ) from None
        person.username = username
    return person


# --- checking the rows together --------------------------------------------------------------


class _Batch:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.refused: list[Refusal] = []

    def refuse(self, person: Person, column: str, reason: str) -> None:
        self.people.pop(person.employee_no, None)
        self.refused.append(Refusal(person.line, person.employee_no, column, reason))


def _check_teams(batch: _Batch, parents: dict[str, str | None]) -> None:
    """Refuse rows whose team path puts a team under another parent than it has (or than an
    earlier row gave it); a path's first team may sit anywhere."""
    planned = dict(parents)
    for person in list(batch.people.values()):
        added: dict[str, str | None] = {}
        for index, segment in enumerate(person.team_path):
            parent = person.team_path[index - 1] if index else None
            known = segment in planned or segment in added
            actual = planned[segment] if segment in planned else added.get(segment)
            if known and index and actual != parent:
                where = (
                    gettext("under %(parent)s") % {"parent": actual}
                    if actual
                    else gettext("at the top")
                )
                batch.refuse(
                    person,
                    "team",
                    gettext("team %(team)s already sits %(where)s, not under %(parent)s.")
                    % {"team": segment, "where": where, "parent": parent},
                )
                break
            if not known:
                added[segment] = parent
        else:
            planned.update(added)


def _check_managers(batch: _Batch, existing_managers: dict[str, str | None]) -> None:
    """Refuse rows whose manager is unknown, themselves, or part of a cycle of managers; repeat
    until no refusal leaves another row without its manager."""
    while True:
        refused_before = len(batch.refused)
        for person in list(batch.people.values()):
            no, manager = person.employee_no, person.manager_no
            if manager == no:
                batch.refuse(person, "manager", gettext("an employee cannot report to themselves."))
            elif manager and manager not in batch.people and manager not in existing_managers:
                batch.refuse(
                    person,
                    "manager",
                    gettext("no employee has the number %(no)s (in this file or before).")
                    % {"no": manager},
                )
        graph = dict(existing_managers)
        for person in batch.people.values():
            if "manager" in person.present:
                graph[person.employee_no] = person.manager_no
        for cycle in _cycles(graph):
            chain = " → ".join([*cycle, cycle[0]])
            for no in cycle:
                if no in batch.people:
                    batch.refuse(
                        batch.people[no],
                        "manager",
                        gettext("the managers form a cycle: %(chain)s.") % {"chain": chain},
                    )
        if len(batch.refused) == refused_before:
            return


def _cycles(graph: dict[str, str | None]) -> list[list[str]]:
    """The cycles of a graph where each node has at most one successor (its manager)."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    cycles = []
    for start in graph:
        path, node = [], start
        while node is not None and node in graph and node not in state:
            state[node] = 1
            path.append(node)
            node = graph[node]
        if node is not None and state.get(node) == 1:
            cycles.append(path[path.index(node) :])
        for walked in path:
            state[walked] = 2
    return cycles


def _check_accounts(batch: _Batch, owners: dict[str, str | None]) -> None:
    """Refuse rows naming an account twice in the file or one that belongs to someone else."""
    counts = Counter(p.username for p in batch.people.values() if p.username)
    for person in list(batch.people.values()):
        if not person.username:
            continue
        owner = owners.get(person.username)
        if counts[person.username] > 1:
            batch.refuse(
                person,
                "username",
                gettext("account %(user)s is named on several rows.") % {"user": person.username},
            )
        elif owner and owner != person.employee_no:
            batch.refuse(
                person,
                "username",
                gettext("account %(user)s belongs to employee %(no)s.")
                % {"user": person.username, "no": owner},
            )


# --- the import ------------------------------------------------------------------------------


def people_import(
    *, rows: list[tuple[int, dict]], actor: AbstractBaseUser, dry_run: bool
) -> PeopleImportResult:
    """Import people from ``(line number, {column key: value})`` rows; with ``dry_run`` only
    say what would change. Reads teams, employees and accounts in one query each."""
    batch = _Batch()
    levels, today = _levels(), timezone.localdate()
    people = []
    for line, row in rows:
        try:
            people.append(_person(line, row, levels, today))
        except RowError as error:
            number = _text_or_blank(row.get("employee_no"))
            batch.refused.append(Refusal(line, number, error.column, error.reason))
    lines_of = {}
    for person in people:
        lines_of.setdefault(person.employee_no, []).append(str(person.line))
    for person in people:
        if len(lines_of[person.employee_no]) > 1:
            batch.refused.append(
                Refusal(
                    person.line,
                    person.employee_no,
                    "employee_no",
                    gettext("employee number %(no)s is on several rows: %(lines)s.")
                    % {"no": person.employee_no, "lines": ", ".join(lines_of[person.employee_no])},
                )
            )
        else:
            batch.people[person.employee_no] = person

    teams = {
        name: (pk, parent)
        for pk, name, parent in Team.objects.values_list("id", "name", "parent_id")
    }
    team_names = {pk: name for name, (pk, _parent) in teams.items()}
    _check_teams(batch, {name: team_names.get(parent) for name, (_pk, parent) in teams.items()})

    existing = {
        row["employee_no"]: row
        for row in Employee.objects.values(
            "id", "employee_no", "name", "team_id", "level", "hire_date", "leave_date",
            "is_active", "manager__employee_no", "user_id", "user__username",
        )
    }  # fmt: skip
    _check_managers(batch, {no: row["manager__employee_no"] for no, row in existing.items()})

    User = get_user_model()
    usernames = {p.username for p in batch.people.values() if p.username}
    users = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    owners = {row["user__username"]: no for no, row in existing.items() if row["user_id"]}
    _check_accounts(batch, owners)

    result = PeopleImportResult(dry_run=dry_run, refused=sorted(batch.refused, key=_line))
    changed = []
    for person in sorted(batch.people.values(), key=lambda p: p.line):
        before = existing.get(person.employee_no)
        if before is None:
            result.created.append(person.employee_no)
            continue
        old = {
            "name": before["name"],
            "team": team_names[before["team_id"]],
            "level": before["level"],
            "hire_date": before["hire_date"],
            "leave_date": before["leave_date"],
            "is_active": before["is_active"],
            "manager": before["manager__employee_no"],
            "username": before["user__username"],
        }
        new = _values(person, old)
        if new == old:
            result.unchanged.append(person.employee_no)
        else:
            result.updated.append(person.employee_no)
            changed.append(person)
    new_teams: dict[str, str | None] = {}
    for person in sorted(batch.people.values(), key=lambda p: p.line):
        for index, segment in enumerate(person.team_path):
            if segment not in teams and segment not in new_teams:
                new_teams[segment] = person.team_path[index - 1] if index else None
    result.teams_created = list(new_teams)
    result.accounts_created = sorted(
        usernames & {p.username for p in batch.people.values()} - set(users)
    )
    if dry_run:
        return result
    with transaction.atomic():
        _write(actor, batch, result, teams, new_teams, users, existing, changed)
    transaction.on_commit(lambda: pages_stale.send(sender=Employee))
    return result


def _line(refusal: Refusal) -> int:
    return refusal.line


def _text_or_blank(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\x00", "")[:32]


def _values(person: Person, old: dict) -> dict:
    """The person's fields as the file sets them; a column the file lacks keeps the old value."""
    new = {
        "name": person.name,
        "team": person.team,
        "level": person.level,
        "hire_date": person.hire_date,
        "leave_date": person.leave_date,
        "is_active": person.is_active,
        "manager": person.manager_no,
        "username": person.username or old["username"],
    }
    for key, column in (
        ("leave_date", "leave_date"),
        ("is_active", "active"),
        ("manager", "manager"),
    ):
        if column not in person.present:
            new[key] = old[key]
    return new


def _write(actor, batch, result, teams, new_teams, users, existing, changed) -> None:
    team_ids = {name: pk for name, (pk, _parent) in teams.items()}
    # Parents before children: one insert per depth of the new teams.
    pending = dict(new_teams)
    while pending:
        ready = {n: p for n, p in pending.items() if p is None or p in team_ids}
        created = Team.objects.bulk_create(
            [Team(name=n, parent_id=team_ids.get(p) if p else None) for n, p in ready.items()]
        )
        Team.history.bulk_history_create(
            created, default_user=actor, default_change_reason=CHANGE_REASON
        )
        team_ids.update({team.name: team.pk for team in created})
        for name in ready:
            del pending[name]

    User = get_user_model()
    emails = {p.username: p.email for p in batch.people.values() if p.username}
    accounts = []
    for username in result.accounts_created:
        account = User(username=username, email=emails.get(username, ""))
        account.set_unusable_password()  # no shared default: the person sets their own
        accounts.append(account)
    User.objects.bulk_create(accounts)
    users.update({account.username: account.pk for account in accounts})
    group = Group.objects.filter(name=Role.MERCHANDISER.value).first()
    if group and accounts:
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=account.pk, group_id=group.pk) for account in accounts]
        )

    new_people = [batch.people[no] for no in result.created]
    objects = {}
    for person in new_people:
        objects[person.employee_no] = Employee(**_fields(person, team_ids, users, None))
    Employee.objects.bulk_create(objects.values())
    ids = {no: row["id"] for no, row in existing.items()}
    ids.update({no: employee.pk for no, employee in objects.items()})
    updated = {}
    for person in changed:
        before = existing[person.employee_no]
        employee = Employee(id=before["id"], **_fields(person, team_ids, users, before))
        updated[person.employee_no] = employee
    for no, employee in [*objects.items(), *updated.items()]:
        person = batch.people[no]
        manager = (
            person.manager_no
            if "manager" in person.present
            else (existing[no]["manager__employee_no"] if no in existing else None)
        )
        employee.manager_id = ids.get(manager) if manager else None
    _update_rows([*objects.values(), *updated.values()])
    Employee.history.bulk_history_create(
        list(objects.values()), default_user=actor, default_change_reason=CHANGE_REASON
    )
    Employee.history.bulk_history_create(
        list(updated.values()), update=True, default_user=actor, default_change_reason=CHANGE_REASON
    )
    by_username = {account.username: account for account in accounts}
    for person in new_people + changed:
        account = by_username.get(person.username or "")
        if account is not None:
            path = reverse(
                "password_set",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(account.pk)),
                    "token": default_token_generator.make_token(account),
                },
            )
            result.password_links.append((person.employee_no, account.username, path))


def _fields(person: Person, team_ids: dict, users: dict, before: dict | None) -> dict:
    keep = before or {"leave_date": None, "is_active": True, "user_id": None}
    return {
        "employee_no": person.employee_no,
        "name": person.name,
        "team_id": team_ids[person.team],
        "level": person.level,
        "hire_date": person.hire_date,
        "leave_date": person.leave_date if "leave_date" in person.present else keep["leave_date"],
        "is_active": person.is_active if "active" in person.present else keep["is_active"],
        "user_id": users[person.username] if person.username else keep["user_id"],
    }


UPDATE_SQL = """
UPDATE org_employee AS e SET name = v.name, team_id = v.team_id, level = v.level,
    hire_date = v.hire_date, leave_date = v.leave_date, is_active = v.is_active,
    user_id = v.user_id, manager_id = v.manager_id
FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::date[], %s::date[],
            %s::boolean[], %s::integer[], %s::bigint[])
    AS v(id, name, team_id, level, hire_date, leave_date, is_active, user_id, manager_id)
WHERE e.id = v.id
"""
UPDATE_FIELDS = [
    "name", "team_id", "level", "hire_date", "leave_date", "is_active", "user_id", "manager_id",
]  # fmt: skip


def _update_rows(employees: list[Employee]) -> None:
    """Write the employees' fields (managers included, now that every id is known) in one
    statement on PostgreSQL; elsewhere (the SQLite demo) in Django's bulk update."""
    if not employees:
        return
    if connection.vendor != "postgresql":
        Employee.objects.bulk_update(employees, UPDATE_FIELDS, batch_size=500)
        return
    columns = [[e.pk for e in employees]]
    columns += [[getattr(e, name) for e in employees] for name in UPDATE_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(UPDATE_SQL, columns)
