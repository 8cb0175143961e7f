"""Filing, moving and deciding appeals; an approval corrects the record (history, ledger entry
with the appeal as actor), holds the corrected field against later syncs (``ingest.holds``)
and rescores the periods it touches."""

import copy
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appeals.access import (
    ACTION_LABELS,
    ACTIONS,
    REVIEWERS,
    may_act,
    may_comment,
    may_file_for,
)
from appeals.errors import AppealRefused
from appeals.evidence import evidence_checked, evidence_store
from appeals.filing import indicator_raw_text, record_for_filing
from appeals.models import (
    CLAIMED_VALUE_MAX,
    COMMENT_MAX,
    DECISION_REASON_MAX,
    DESCRIPTION_MAX,
    Appeal,
    AppealState,
    Comment,
    Correction,
    Notification,
    SubjectKind,
)
from appeals.notify import appeals_notify
from appeals.subjects import (
    SubjectError,
    display_value,
    parse_claimed,
    subject_field,
)
from indicators.models import IndicatorDefinition
from ingest.edits import constraint_refusal, record_save
from ingest.holds import field_hold
from ingest.record_types import RECORD_TYPES, record_period
from org.calendar import add_working_days, appeal_window_end, period_is_closed
from org.models import Employee
from org.periods import Period
from org.selectors import user_role
from org.signals import pages_stale
from scoring.closing import ClosedPolicy
from scoring.models import EmployeeScore, ScoreRun
from scoring.services import periods_rescore


def _text_checked(text: str, *, field: str, limit: int, empty: str = "") -> str:
    """The text people wrote, stripped; refused when empty (if ``empty`` says why) or longer
    than ``limit`` characters."""
    text = text.strip()
    if not text and empty:
        raise AppealRefused(empty, field=field)
    if len(text) > limit:
        raise AppealRefused(
            _("Write at most {limit} characters (this text has {length}).").format(
                limit=limit, length=len(text)
            ),
            field=field,
        )
    return text


def _claim_check(record, field, claimed_value: str) -> str:
    """Refuse, at filing, a claimed value the record could not take: not a value of the field's
    type and range (``parse_claimed``), or one that breaks the table's rules (a CSAT of 9, a
    confirmation before the submission). So an appeal HR can approve can be applied. Returns
    the claim written as the field's values are shown (a picked ``2026-10-08T14:30`` as
    ``2026-10-08 14:30``, ``是`` as ``true``), which ``parse_claimed`` reads back at approval."""
    try:
        value = parse_claimed(field, claimed_value)
    except SubjectError as error:
        raise AppealRefused(str(error), field="claimed_value") from error
    claimed = copy.copy(record)
    setattr(claimed, field.name, value)
    try:
        claimed.validate_constraints()
    except ValidationError as error:
        raise AppealRefused(" ".join(error.messages), field="claimed_value") from error
    return display_value(claimed, field.name)


def _period_of(record) -> Period:
    """The month the record is scored in (the current one if it has no instant yet)."""
    return record_period(record) or Period.containing(timezone.localdate())


def appeal_create(
    *,
    user: AbstractBaseUser,
    claimed_value: str,
    category: str,
    description: str,
    record_type: str = "",
    record_id: int | None = None,
    field_name: str = "",
    employee: Employee | None = None,
    indicator_code: str = "",
    period: Period | None = None,
) -> Appeal:
    """A draft appeal on one field of one record, or on one indicator score of ``period``.

    Refused (``AppealRefused``, with the reason) when the user may not appeal for that person,
    the field cannot be appealed, the claimed value is not a valid value, the period's appeal
    window has closed, or another appeal on the same subject is still open.
    """
    if record_id is not None:
        try:
            field = subject_field(record_type, field_name)
        except SubjectError as error:
            raise AppealRefused(str(error), field="field_name") from error
        record, employee = record_for_filing(user, record_type, record_id)
        period = _period_of(record)
        current = display_value(record, field_name)
        claimed_value = _claim_check(record, field, claimed_value)
        subject = dict(
            subject_kind=SubjectKind.RECORD_FIELD,
            record_type=record_type,
            record_id=record.pk,
            field_name=field_name,
            subject_key=f"{record_type}:{record.pk}:{field_name}",
        )
    else:
        indicator = IndicatorDefinition.objects.filter(code=indicator_code).first()
        if indicator is None or employee is None or period is None:
            raise AppealRefused(_("Name the person, the indicator and the period."))
        current = indicator_raw_text(employee, indicator, period)
        subject = dict(
            subject_kind=SubjectKind.INDICATOR_SCORE,
            indicator=indicator,
            subject_key=f"indicator:{employee.pk}:{indicator.code}:{period.start}",
        )
    if not may_file_for(user, employee):
        raise AppealRefused(_("You may not appeal for this person."))
    if period_is_closed(period):
        raise AppealRefused(
            _("The appeal window for {period} closed on {date}.").format(
                period=period.label, date=f"{appeal_window_end(period):%Y-%m-%d}"
            )
        )
    description = _text_checked(
        description,
        field="description",
        limit=DESCRIPTION_MAX,
        empty=_("Describe what happened."),
    )
    claimed_value = _text_checked(claimed_value, field="claimed_value", limit=CLAIMED_VALUE_MAX)
    try:
        with transaction.atomic():
            appeal = Appeal(
                employee=employee,
                period_start=period.start,
                current_value=current[:200],
                claimed_value=claimed_value,
                category=category,
                description=description,
                submitter=user,
                **subject,
            )
            appeal.full_clean(exclude=["subject_key"], validate_constraints=False)
            appeal._history_user = user
            appeal.save()
    except IntegrityError as error:
        raise AppealRefused(_("There is already an open appeal on this.")) from error
    except Exception as error:
        if hasattr(error, "messages"):
            raise AppealRefused(" ".join(error.messages)) from error
        raise
    return appeal


def appeal_file(
    *,
    user: AbstractBaseUser,
    evidence: Sequence[File] = (),
    submit: bool = False,
    **subject_and_claim,
) -> Appeal:
    """File an appeal in one go: the draft (``appeal_create`` takes the other arguments), its
    evidence files and, if ``submit``, its submission. All or nothing: a refused file refuses
    the filing (``AppealRefused`` with ``field="evidence"``), and every file is checked before
    anything is kept."""
    limit = settings.PERF_APPEALS["max_evidence_files"]
    if len(evidence) > limit:
        raise AppealRefused(
            _("Attach at most {limit} files.").format(limit=limit), field="evidence"
        )
    try:
        checked = [evidence_checked(upload) for upload in evidence]
    except AppealRefused as refusal:
        raise AppealRefused(str(refusal), field="evidence") from refusal
    with transaction.atomic():
        appeal = appeal_create(user=user, **subject_and_claim)
        if submit:
            appeal = _move(appeal, user=user, action="submit")
        for item in checked:
            evidence_store(appeal=appeal, user=user, checked=item)
    return appeal


def _move(appeal: Appeal, *, user: AbstractBaseUser, action: str, reason: str = "") -> Appeal:
    """Check and record one transition (in the caller's transaction)."""
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("employee__user", "submitter")
        .get(pk=appeal.pk)
    )
    if not may_act(user, locked, action):
        raise AppealRefused(
            _("You cannot {action} this appeal while it is {state}.").format(
                action=ACTION_LABELS.get(action, action), state=locked.get_state_display()
            )
        )
    locked.state = ACTIONS[action][1]
    now = timezone.now()
    fields = ["state"]
    if action == "submit":
        locked.submitted_at = now
        locked.due_at = add_working_days(now, settings.PERF_APPEALS["decision_working_days"])
        fields += ["submitted_at", "due_at"]
    if action in ("review", "approve", "reject"):
        locked.reviewer = user
        fields.append("reviewer")
    if action == "review" and locked.assignee_id is None:
        locked.assignee = user
        fields.append("assignee")
    if action in ("approve", "reject"):
        locked.decided_at = now
        locked.decision_reason = reason.strip()
        fields += ["decided_at", "decision_reason"]
    locked._history_user = user
    locked._change_reason = action
    locked.save(update_fields=fields)
    appeals_notify([locked], actor=user)
    return locked


def appeal_transition(
    *, appeal: Appeal, user: AbstractBaseUser, action: str, reason: str = ""
) -> Appeal:
    """Submit, withdraw, take into review, approve or reject. A rejection needs a reason; an
    approval applies the correction and queues the rescoring of the periods it touches."""
    if action == "reject" and not reason.strip():
        raise AppealRefused(_("A rejection needs a written reason."))
    reason = _text_checked(reason, field="reason", limit=DECISION_REASON_MAX)
    if action == "approve":
        return _approve(appeal, user=user, note=reason)
    with transaction.atomic():
        return _move(appeal, user=user, action=action, reason=reason)


def appeals_take_into_review(
    *, user: AbstractBaseUser, appeal_ids: Sequence[int], assignee: AbstractBaseUser | None = None
) -> int:
    """Take the submitted appeals among ``appeal_ids`` into review at once, assigned to
    ``assignee`` (HR or an admin; the acting user when none). Appeals the user may not take
    (not submitted, or filed by or about them) are left as they are. Returns how many moved.
    One locked read, one bulk update with history, one insert of notifications."""
    assignee = assignee or user
    if user_role(assignee) not in REVIEWERS or not assignee.is_active:
        raise AppealRefused(_("Assign appeals to someone in HR."), field="assignee")
    with transaction.atomic():
        locked = list(
            Appeal.objects.select_for_update(of=("self",))
            .select_related("employee__user", "submitter", "indicator")
            .filter(pk__in=list(appeal_ids))
            .order_by("pk")
        )
        moving = [appeal for appeal in locked if may_act(user, appeal, "review")]
        for appeal in moving:
            appeal.state = AppealState.IN_REVIEW
            appeal.reviewer = user
            appeal.assignee = assignee
        bulk_update_with_history(
            moving,
            Appeal,
            ["state", "reviewer", "assignee"],
            default_user=user,
            default_change_reason="review",
        )
        appeals_notify(moving, actor=user)
    return len(moving)


def _current_total(appeal: Appeal) -> float | None:
    return (
        EmployeeScore.objects.filter(
            employee_id=appeal.employee_id,
            is_current=True,
            period_kind="month",
            period_start=appeal.period_start,
        )
        .values_list("total", flat=True)
        .first()
    )


def _approve(appeal: Appeal, *, user: AbstractBaseUser, note: str) -> Appeal:
    """Approve, correct the record and have the periods it touches rescored; the person's new
    total is kept when the rescoring of the appeal's own period publishes
    (``appeal_scores_after_keep``)."""
    with transaction.atomic():
        appeal = _move(appeal, user=user, action="approve", reason=note)
        periods = {Period.containing(appeal.period_start)}
        if appeal.subject_kind == SubjectKind.RECORD_FIELD:
            periods |= _correct(appeal, user=user)
        appeal.score_before = _current_total(appeal)
        appeal.save(update_fields=["score_before"])
        periods_rescore(
            periods=periods,
            user=user,
            reason=_("Correction by appeal #{number}").format(number=appeal.pk),
            # An approved appeal is the one change a closed period accepts.
            closed=ClosedPolicy.APPEAL,
        )
    return appeal


def _correct(appeal: Appeal, *, user: AbstractBaseUser) -> set[Period]:
    """Write the claimed value into the record as a new version and hold the field at it (a
    later sync bringing another value keeps it as a conflict for HR); returns the periods the
    record falls in before and after (both are rescored)."""
    spec = RECORD_TYPES[appeal.record_type]
    record = spec.model.objects.select_for_update().get(pk=appeal.record_id)
    field = subject_field(appeal.record_type, appeal.field_name)
    before_period = _period_of(record)
    old = display_value(record, appeal.field_name)
    try:
        setattr(record, field.name, parse_claimed(field, appeal.claimed_value))
        with transaction.atomic():
            entry = record_save(
                record=record,
                actor=f"appeal:{appeal.pk}",
                user=user,
                reason=_("Correction by appeal #{number}").format(number=appeal.pk),
                fields=[field.name],
            )
    except SubjectError as error:
        raise AppealRefused(str(error)) from error
    except IntegrityError as error:
        _field, refusal = constraint_refusal(spec.model, error)
        raise AppealRefused(str(refusal)) from error
    except DataError as error:
        # A value the column cannot hold that filing let through (appeals filed before values
        # were checked at filing): refused with the reason, never a server error.
        raise AppealRefused(
            _("{field}: the value {value!r} cannot be stored; reject this appeal.").format(
                field=field.verbose_name, value=appeal.claimed_value
            )
        ) from error
    correction = Correction.objects.create(
        appeal=appeal,
        record_type=appeal.record_type,
        record_id=appeal.record_id,
        field_name=appeal.field_name,
        old_value=old,
        new_value=display_value(record, appeal.field_name),
        ledger_entry=entry,
        applied_by=user,
    )
    field_hold(
        record=record,
        field_name=field.name,
        appeal_number=appeal.pk,
        value_text=correction.new_value,
    )
    return {before_period, _period_of(record)}


def source_value_accepted_rescore(
    *, periods: list[Period], reason: str, user: AbstractBaseUser, **_signal
) -> None:
    """Receiver of ingest's ``source_value_accepted``: HR took a source's value over an
    approved appeal's correction, so the record's months are rescored as the correction's were,
    a closed one too (the decision undoes a change only an appeal could make there)."""
    periods_rescore(periods=periods, reason=reason, user=user, closed=ClosedPolicy.APPEAL)


def appeal_scores_after_keep(*, run: ScoreRun, **_signal) -> int:
    """Receiver of scoring's ``scores_published``: approved appeals of the run's period still
    waiting for their rescored total get it. Returns how many."""
    if run.period_kind != "month" or run.team_id is not None:
        return 0
    waiting = Appeal.objects.filter(
        state=AppealState.APPROVED, period_start=run.period_start, score_after__isnull=True
    )
    totals = dict(
        EmployeeScore.objects.filter(
            is_current=True,
            period_kind="month",
            period_start=run.period_start,
            employee_id__in=waiting.values("employee_id"),
        ).values_list("employee_id", "total")
    )
    kept = [appeal for appeal in waiting if totals.get(appeal.employee_id) is not None]
    for appeal in kept:
        appeal.score_after = totals[appeal.employee_id]
    bulk_update_with_history(
        kept, Appeal, ["score_after"], default_change_reason=f"rescored by score run {run.pk}"
    )
    return len(kept)


def appeal_comment_add(*, appeal: Appeal, user: AbstractBaseUser, text: str) -> Comment:
    if not may_comment(user, appeal):
        raise AppealRefused(_("This appeal is closed to comments."))
    text = _text_checked(text, field="text", limit=COMMENT_MAX, empty=_("Write a comment first."))
    return Comment.objects.create(appeal=appeal, author=user, text=text)


def notifications_read(*, user: AbstractBaseUser) -> int:
    """Mark the user's notifications read; kept pages showing the unread count are retired."""
    read = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if read:
        pages_stale.send(sender=Notification)
    return read
