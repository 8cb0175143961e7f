"""Reads for appeals: queues, timelines, notification counts, corrections on scorecards, and the
source values that later conflicted with a correction."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from appeals.access import REVIEWERS, appeals_visible_to
from appeals.describe import field_label, value_text
from appeals.models import OPEN_STATES, Appeal, AppealState, Correction, Notification
from appeals.subjects import SUBJECTS
from ingest.access import ConflictRow, conflict_rows
from ingest.models import CorrectionConflict
from org.models import Employee
from org.selectors import user_display_name

WAITING = [AppealState.SUBMITTED, AppealState.IN_REVIEW]


def appeal_queue(
    *,
    user: AbstractBaseUser,
    state: str = "",
    team_id: int | None = None,
    overdue: bool = False,
    mine: bool = False,
    assigned: str = "",
) -> QuerySet[Appeal]:
    """The appeals the user sees, filtered: by state, by the concerned person's team, only
    those past their decision date, only those the user filed, or by assignee (``"me"``,
    ``"nobody"``)."""
    appeals = appeals_visible_to(user).select_related("assignee")
    if state:
        appeals = appeals.filter(state=state)
    if team_id:
        appeals = appeals.filter(employee__team_id=team_id)
    if overdue:
        appeals = overdue_appeals(appeals)
    if mine:
        appeals = appeals.filter(Q(submitter=user) | Q(employee__user=user))
    if assigned == "me":
        appeals = appeals.filter(assignee=user)
    elif assigned == "nobody":
        appeals = appeals.filter(assignee__isnull=True)
    return appeals.order_by("due_at", "-created_at")


def overdue_appeals(appeals: QuerySet[Appeal], *, now: dt.datetime | None = None):
    """Appeals waiting for a decision past their due date."""
    return appeals.filter(state__in=WAITING, due_at__lt=now or timezone.now())


def open_appeals_count() -> int:
    """Appeals not yet decided or withdrawn (for the HR overview)."""
    return Appeal.objects.filter(state__in=OPEN_STATES).exclude(state=AppealState.DRAFT).count()


def people_names(users) -> dict[int, str]:
    """User id → the name people know them by: their employee record's name where they have
    one (the header's name), else their account's. One query."""
    users = [user for user in users if user is not None]
    names = dict(
        Employee.objects.filter(user__in=[user.pk for user in users]).values_list("user_id", "name")
    )
    return {user.pk: names.get(user.pk) or user_display_name(user) for user in users}


def reviewers_for_assignment() -> list[tuple[AbstractBaseUser, str]]:
    """Active HR staff and admins, with their names, to hand appeals to."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[role.value for role in REVIEWERS]) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "username")
    )
    users = list(users)
    names = people_names(users)
    return [(user, names[user.pk]) for user in users]


def unread_notifications(user: AbstractBaseUser) -> QuerySet[Notification]:
    # With the indicator an appeal may name: the list describes each notice's appeal.
    notices = Notification.objects.filter(user=user, read_at__isnull=True)
    return notices.select_related("appeal__indicator")


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: str  # "state", "comment", "evidence", "correction"
    who: str
    text: str


def _correction_text(correction: Correction) -> str:
    kind, name = correction.record_type, correction.field_name
    old = value_text(kind, name, correction.old_value)
    new = value_text(kind, name, correction.new_value)
    return f"{capfirst(field_label(kind, name))}: {old} → {new}"


def appeal_timeline(appeal: Appeal) -> list[TimelineEvent]:
    """What happened to the appeal, oldest first: state changes (from its history), comments,
    evidence and the correction, each with who did it. Five queries."""
    done = []  # (when, kind, user, text)
    previous = None
    for version in appeal.history.order_by("history_date").select_related("history_user"):
        if version.state != previous:
            done.append(
                (version.history_date, "state", version.history_user, version.get_state_display())
            )
            previous = version.state
    done.extend(
        (comment.created_at, "comment", comment.author, comment.text)
        for comment in appeal.comments.select_related("author")
    )
    done.extend(
        (item.uploaded_at, "evidence", item.uploaded_by, item.original_name)
        for item in appeal.evidence.select_related("uploaded_by")
    )
    correction = Correction.objects.filter(appeal=appeal).select_related("applied_by").first()
    if correction:
        done.append(
            (
                correction.applied_at,
                "correction",
                correction.applied_by,
                _correction_text(correction),
            )
        )
    names = people_names(user for _at, _kind, user, _text in done)
    events = [
        TimelineEvent(at, kind, names.get(user.pk, "") if user else "", text)
        for at, kind, user, text in done
    ]
    return sorted(events, key=lambda event: event.at)


def corrections_for(*, employee_id: int, period_start: dt.date) -> dict[str, list[int]]:
    """Indicator code → numbers of the approved appeals that corrected data it was computed
    from, for one person and period (what the scorecard marks "corrected by appeal #N")."""
    marks: dict[str, list[int]] = {}
    approved = Appeal.objects.filter(
        employee_id=employee_id, period_start=period_start, state=AppealState.APPROVED
    ).select_related("indicator")
    for appeal in approved:
        if appeal.indicator_id:
            codes = (appeal.indicator.code,)
        else:
            codes = SUBJECTS[appeal.record_type].fields.get(appeal.field_name, ())
        for code in codes:
            marks.setdefault(code, []).append(appeal.pk)
    return marks


def appeal_conflicts(appeal: Appeal) -> list[ConflictRow]:
    """The values syncs brought against the appeal's correction, newest first, with their
    state: whoever sees the appeal sees whether its correction still holds."""
    conflicts = CorrectionConflict.objects.filter(hold__appeal_number=appeal.pk)
    return conflict_rows(conflicts.select_related("hold", "run__source", "decided_by"))
