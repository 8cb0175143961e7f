"""Loading people and teams in bulk: rows from a file or the API, checked together, then written
in a constant number of queries (or only described, in a dry run).

Employees are matched by employee number, so the same file imported twice changes nothing. A row
that cannot be taken is refused with the column and the reason; the other rows still land. A
column the file does not have leaves that field as it is; a blank manager or leave date clears it.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_noop, override

from org.import_files import COLUMN_LABELS
from org.import_rows import Person, RowError, employee_no_shown, level_names, person_from_row
from org.models import Employee, Role, Team
from org.reasons import Reason
from org.signals import pages_stale

CHANGE_REASON = "people import"


@dataclass(frozen=True)
class Refusal:
    line: int
    employee_no: str
    column: str
    reason: Reason  # worded when read (a sync keeps it as a code: ``org.reasons``)

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))


@dataclass(frozen=True)
class PasswordLink:
    """A new account's one-time link that sets its password (a path: the caller adds the site)."""

    employee_no: str
    username: str
    email: str
    path: str


@dataclass
class PeopleImportResult:
    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    accounts_created: list[str] = field(default_factory=list)
    password_links: list[PasswordLink] = field(default_factory=list)

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
                    "reason": str(r.reason),
                }
                for r in self.refused
            ],
            "password_links": [
                {"employee_no": link.employee_no, "username": link.username, "url": link.path}
                for link in self.password_links
            ],
        }


# --- checking the rows together --------------------------------------------------------------


class _Batch:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.refused: list[Refusal] = []

    def refuse(self, person: Person, column: str, reason: Reason) -> None:
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
                    Reason(gettext_noop("under %(parent)s"), {"parent": actual})
                    if actual
                    else Reason(gettext_noop("at the top"))
                )
                batch.refuse(
                    person,
                    "team",
                    Reason(
                        gettext_noop("team %(team)s already sits %(where)s, not under %(parent)s."),
                        {"team": segment, "where": where, "parent": parent},
                    ),
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
                batch.refuse(
                    person,
                    "manager",
                    Reason(gettext_noop("an employee cannot report to themselves.")),
                )
            elif manager and manager not in batch.people and manager not in existing_managers:
                batch.refuse(
                    person,
                    "manager",
                    Reason(
                        gettext_noop("no employee has the number %(no)s (in this file or before)."),
                        {"no": manager},
                    ),
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
                        Reason(
                            gettext_noop("the managers form a cycle: %(chain)s."), {"chain": chain}
                        ),
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
                Reason(
                    gettext_noop("account %(user)s is named on several rows."),
                    {"user": person.username},
                ),
            )
        elif owner and owner != person.employee_no:
            batch.refuse(
                person,
                "username",
                Reason(
                    gettext_noop("account %(user)s belongs to employee %(no)s."),
                    {"user": person.username, "no": owner},
                ),
            )


# --- the import ------------------------------------------------------------------------------


def people_import(
    *,
    rows: list[tuple[int, dict]],
    actor: AbstractBaseUser | None,
    dry_run: bool,
    reason: str = CHANGE_REASON,
) -> PeopleImportResult:
    """Import people from ``(line number, {column key: value})`` rows; with ``dry_run`` only
    say what would change. Reads teams, employees and accounts in one query each. ``actor``
    and ``reason`` go into the history (no actor: a scheduled source sync)."""
    if dry_run:
        return _people_import(rows=rows, actor=actor, dry_run=True, reason=reason)
    with transaction.atomic():
        # Two imports at once would both create the same new team or employee (and the second
        # would fail on the unique name): the second waits, then reads what the first wrote.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('perf.people_import'))")
        result = _people_import(rows=rows, actor=actor, dry_run=False, reason=reason)
    transaction.on_commit(lambda: pages_stale.send(sender=Employee))
    return result


def _people_import(
    *, rows: list[tuple[int, dict]], actor: AbstractBaseUser | None, dry_run: bool, reason: str
) -> PeopleImportResult:
    batch = _Batch()
    levels, today = level_names(), timezone.localdate()
    people = []
    for line, row in rows:
        try:
            people.append(person_from_row(line, row, levels, today))
        except RowError as error:
            number = employee_no_shown(row.get("employee_no"))
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
                    Reason(
                        gettext_noop("employee number %(no)s is on several rows: %(lines)s."),
                        {
                            "no": person.employee_no,
                            "lines": ", ".join(lines_of[person.employee_no]),
                        },
                    ),
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
    if not dry_run:
        _write(actor, reason, batch, result, teams, new_teams, users, existing, changed)
    return result


def _line(refusal: Refusal) -> int:
    return refusal.line


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


def _write(actor, reason, batch, result, teams, new_teams, users, existing, changed) -> None:
    team_ids = {name: pk for name, (pk, _parent) in teams.items()}
    # Parents before children: one insert per depth of the new teams.
    pending = dict(new_teams)
    while pending:
        ready = {n: p for n, p in pending.items() if p is None or p in team_ids}
        created = Team.objects.bulk_create(
            [Team(name=n, parent_id=team_ids.get(p) if p else None) for n, p in ready.items()]
        )
        Team.history.bulk_history_create(created, default_user=actor, default_change_reason=reason)
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
        list(objects.values()), default_user=actor, default_change_reason=reason
    )
    Employee.history.bulk_history_create(
        list(updated.values()), update=True, default_user=actor, default_change_reason=reason
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
            result.password_links.append(
                PasswordLink(person.employee_no, account.username, account.email, path)
            )


def _fields(person: Person, team_ids: dict, users: dict, before: dict | None) -> dict:
    keep = before or {"leave_date": None, "is_active": True, "user_id": None}
    return {
        "employee_no": person.employee_no,
        "name": person.name,
        "team_id": team_ids[person.team],
        "level": person.level,
        "hire_date": person.hire_date,
        "leave_date": person.leave_date if "leave_date" in person.present else keep["leave_date"],
        # A new person without an active column is active unless the leave date has passed.
        "is_active": person.is_active
        if "active" in person.present or before is None
        else keep["is_active"],
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


def password_links_send(*, links: list[PasswordLink], site_url: str) -> set[str]:
    """Mail each new account that has an address its own set-password link, in the company's
    language; the usernames mailed. A mail server that is down loses no import: HR still has the
    links on the result page (or in the API's answer)."""
    messages = []
    with override(settings.LANGUAGE_CODE):
        for link in links:
            if not link.email:
                continue
            subject = gettext("Your perf account")
            body = gettext(
                "An account %(username)s has been made for you in perf. Set your password here "
                "(the link works once and expires in three days):\n%(url)s"
            ) % {"username": link.username, "url": site_url.rstrip("/") + link.path}
            messages.append((subject, body, None, [link.email]))
    if not messages:
        return set()
    sent = send_mass_mail(messages, fail_silently=True)
    return {link.username for link in links if link.email} if sent else set()
