"""Writes for review cycles (setting a cycle up and opening it: ``reviews.setup``): people
and managers keep review drafts and submit reviews, managers note incidents, HR computes the
results, calibrates grades with reasons and closes the cycle, and each person acknowledges
their result. Each runs in one transaction, saves named fields and records who did it in the
history; each refusal is a ``ReviewRefused`` naming the input at fault."""

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from frames.read import queryset_frame
from ingest.describe import RECORD_PERSON, record_person_id
from ingest.record_types import LEDGERED_RECORD_TYPES
from org.calendar import company_zone
from org.lists import list_join
from org.models import Employee
from reviews.access import is_oneself, manages, may_calibrate, may_note_incidents
from reviews.checks import hr_only, in_state, saved, text_checked
from reviews.engine.final import final_scores
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.language import in_language
from reviews.models import (
    COMMENT_MAX,
    GRADES,
    NOTE_MAX,
    RATINGS,
    REASON_MAX,
    Competency,
    CycleResult,
    CycleState,
    Incident,
    Rating,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewState,
)
from reviews.selectors import cycle_people, cycle_ratings, cycle_roster, cycle_totals
from scoring.runs import scoring_config


def _ratings_checked(
    competencies: list[Competency], ratings: Mapping[str, object], *, every: bool
) -> dict[str, int]:
    """The ratings given, each a whole number from 1 to 5 of a competency of the template;
    with ``every``, one for each competency (a submitted review; a draft may lack some)."""
    codes = {competency.code for competency in competencies}
    unknown = sorted(set(ratings) - codes)
    if unknown:
        raise ReviewRefused(
            _("Not a competency of this review: {codes}.").format(codes=list_join(unknown)),
            field="ratings",
        )
    missing = [
        in_language(competency.name_zh, competency.name_en)
        for competency in competencies
        if competency.code not in ratings
    ]
    if every and missing:
        raise ReviewRefused(
            _("Rate every competency; missing: {names}.").format(names=list_join(missing)),
            field="ratings",
        )
    checked = {}
    for code, value in ratings.items():
        if isinstance(value, bool) or not isinstance(value, int) or value not in RATINGS:
            raise ReviewRefused(_("A rating is a whole number from 1 to 5."), field="ratings")
        checked[code] = value
    return checked


def _due(user: AbstractBaseUser, employee: Employee, kind: str, cycle: ReviewCycle) -> dt.date:
    """The last day (company calendar) the user may write this review; refused when they may
    not write it at all."""
    if kind == ReviewKind.SELF:
        if employee.user_id != user.pk:
            raise ReviewForbidden(_("Only the person themselves writes their self-review."))
        return cycle.self_review_due
    if kind == ReviewKind.MANAGER:
        if not manages(user, employee):
            raise ReviewForbidden(_("Only a manager of this person reviews them."))
        return cycle.manager_review_due
    raise ReviewRefused(_("Choose a self-review or a manager review."), field="kind")


def _review_write(
    *,
    user: AbstractBaseUser,
    cycle: ReviewCycle,
    employee: Employee,
    kind: str,
    ratings: Mapping[str, object],
    comments: Mapping[str, str] | None,
    comment: str,
    submit: bool,
) -> Review:
    due = _due(user, employee, kind, cycle)
    in_state(cycle, CycleState.OPEN)
    if timezone.localdate(timezone=company_zone()) > due:
        message = (
            _("Self-reviews were due on {day}; the deadline has passed.")
            if kind == ReviewKind.SELF
            else _("Manager reviews were due on {day}; the deadline has passed.")
        )
        raise ReviewRefused(message.format(day=f"{due:%Y-%m-%d}"))
    if not cycle_people(cycle).filter(pk=employee.pk).exists():
        raise ReviewRefused(_("This person is not in the cycle."), field="employee_id")
    template = cycle.templates.filter(level=employee.level).first()
    competencies = list(template.competencies.all()) if template else []
    if not competencies:
        raise ReviewRefused(_("The cycle has no template for this person's level."))
    checked = _ratings_checked(competencies, ratings, every=submit)
    comments = comments or {}
    texts = {
        code: text_checked(comments.get(code, ""), field="comments", limit=COMMENT_MAX)
        for code in checked
    }
    if set(comments) - set(checked):
        raise ReviewRefused(_("A comment belongs to a rated competency."), field="comments")
    review = (
        Review.objects.select_for_update()
        .filter(cycle=cycle, employee=employee, kind=kind, reviewer=user)
        .first()
    )
    if review is not None and review.state == ReviewState.SUBMITTED:
        raise ReviewRefused(_("You have already submitted this review."))
    if review is None:
        review = Review(cycle=cycle, employee=employee, kind=kind, reviewer=user)
    review.comment = text_checked(comment, field="comment", limit=COMMENT_MAX)
    if submit:
        review.state, review.submitted_at = ReviewState.SUBMITTED, timezone.now()
    review._history_user = user
    review._change_reason = "submitted" if submit else "draft saved"
    review.save()
    _ratings_write(user, review, {c.code: c for c in competencies}, checked, texts)
    return review


def _ratings_write(
    user: AbstractBaseUser,
    review: Review,
    by_code: dict[str, Competency],
    checked: dict[str, int],
    texts: dict[str, str],
) -> None:
    """Make the review's ratings those given: a draft's ratings saved again are changed in
    place (their history shows the change), those no longer given are removed."""
    existing = {rating.competency_id: rating for rating in review.ratings.all()}
    created, changed = [], []
    for code, value in checked.items():
        rating = existing.pop(by_code[code].pk, None)
        if rating is None:
            created.append(
                Rating(review=review, competency=by_code[code], rating=value, comment=texts[code])
            )
        elif (rating.rating, rating.comment) != (value, texts[code]):
            rating.rating, rating.comment = value, texts[code]
            changed.append(rating)
    for rating in existing.values():
        rating._history_user = user
        rating.delete()
    bulk_create_with_history(created, Rating, default_user=user)
    bulk_update_with_history(changed, Rating, ["rating", "comment"], default_user=user)


@transaction.atomic
def review_draft_save(
    *,
    user: AbstractBaseUser,
    cycle: ReviewCycle,
    employee: Employee,
    kind: str,
    ratings: Mapping[str, object],
    comments: Mapping[str, str] | None = None,
    comment: str = "",
) -> Review:
    """Keep a review being written as a draft: the ratings given so far (each 1–5, not all
    needed) and the comments. Saved again, the draft becomes what was given last. Only while
    the review may still be submitted (the cycle open, its deadline not passed)."""
    return _review_write(
        user=user,
        cycle=cycle,
        employee=employee,
        kind=kind,
        ratings=ratings,
        comments=comments,
        comment=comment,
        submit=False,
    )


@transaction.atomic
def review_submit(
    *,
    user: AbstractBaseUser,
    cycle: ReviewCycle,
    employee: Employee,
    kind: str,
    ratings: Mapping[str, object],
    comments: Mapping[str, str] | None = None,
    comment: str = "",
) -> Review:
    """Submit a self-review (the person, by the self-review deadline) or a manager review (a
    manager of the person, by the manager-review deadline), the user's draft if there is one:
    every competency of the person's template rated 1–5, with optional comments. Deadlines are
    days of the company calendar (its time zone), the last one included. A submitted review is
    final."""
    return _review_write(
        user=user,
        cycle=cycle,
        employee=employee,
        kind=kind,
        ratings=ratings,
        comments=comments,
        comment=comment,
        submit=True,
    )


@transaction.atomic
def incident_add(
    *,
    user: AbstractBaseUser,
    employee: Employee,
    day: dt.date,
    note: str,
    record_type: str = "",
    record_id: int | None = None,
) -> Incident:
    """A critical incident about a person, noted by one of their managers (or HR): what
    happened on ``day`` (not in the future), optionally with the record of theirs it
    concerns."""
    if is_oneself(user, employee):
        raise ReviewForbidden(_("Nobody notes incidents about themselves."))
    if not may_note_incidents(user, employee):
        raise ReviewForbidden(_("Only the person's managers and HR note incidents about them."))
    note = text_checked(note, field="note", limit=NOTE_MAX, required=_("Say what happened."))
    if day > timezone.localdate():
        raise ReviewRefused(
            _("An incident has happened: its date is not in the future."), field="day"
        )
    if record_type or record_id is not None:
        if record_type not in RECORD_PERSON:
            raise ReviewRefused(_("Choose the kind of record."), field="record_type")
        # Only a record of the person: another's would show its customer and dates to whoever
        # reads the person's incidents. A record of someone else reads as one that is not there.
        record = (
            LEDGERED_RECORD_TYPES[record_type].model.objects.filter(pk=record_id).first()
            if record_id is not None
            else None
        )
        if record is None or record_person_id(record_type, record) != employee.pk:
            raise ReviewRefused(
                _("There is no such record of {name}.").format(name=employee.name),
                field="record_id",
            )
    incident = Incident(
        employee=employee,
        day=day,
        note=note,
        record_type=record_type,
        record_id=record_id,
        author=user,
    )
    incident._history_user = user
    incident.save()
    return incident


RESULT_FIELDS = [
    "kpi_weight",
    "kpi_part",
    "kpi_periods",
    "self_part",
    "qualitative_part",
    "final",
    "basis",
    "grade",
    "computed_at",
]


def _none_if_nan(value: object) -> object:
    return None if value != value else value  # NaN is the one value unequal to itself


@transaction.atomic
def cycle_results_compute(*, user: AbstractBaseUser, cycle: ReviewCycle) -> int:
    """Compute every person's result of an open (or calibrating) cycle and move it to
    calibration: one read per kind of input (the people, their published totals of the
    cycle's months, the ratings, the templates, the results so far), the engine, and bulk
    writes. A calibrated grade stays unless the person is no longer scored. Returns how many
    results were written."""
    hr_only(user)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    in_state(cycle, CycleState.OPEN, CycleState.CALIBRATING)
    people = cycle_roster(cycle)
    templates = queryset_frame(
        cycle.templates.all(), ["level", "self_review_weight", "kpi_weight"], index="level"
    )
    people["self_review_weight"] = people["level"].map(templates["self_review_weight"]).fillna(0.0)
    # NaN (no template, or none stated): the cycle's w.
    people["kpi_weight"] = people["level"].map(templates["kpi_weight"]).astype(float)
    computed = final_scores(
        people,
        cycle_totals(cycle, people.index.tolist()),
        cycle_ratings(cycle),
        kpi_weight=cycle.kpi_weight,
        thresholds=scoring_config().thresholds,
    )
    now = timezone.now()
    existing = {result.employee_id: result for result in cycle.results.all()}
    created, updated, uncalibrated = [], [], []
    for employee_id, row in zip(computed.index, computed.to_dict("records"), strict=True):
        values = {
            "kpi_weight": row["kpi_weight"],
            "kpi_part": _none_if_nan(row["kpi_part"]),
            "kpi_periods": int(row["kpi_periods"]),
            "self_part": _none_if_nan(row["self_part"]),
            "qualitative_part": _none_if_nan(row["qualitative_part"]),
            "final": _none_if_nan(row["final"]),
            "basis": row["basis"],
            "grade": _none_if_nan(row["grade"]) or "",
            "computed_at": now,
        }
        result = existing.get(employee_id)
        if result is None:
            created.append(CycleResult(cycle=cycle, employee_id=employee_id, **values))
            continue
        for name, value in values.items():
            setattr(result, name, value)
        if not result.grade and result.calibrated_grade:
            result.calibrated_grade, result.calibrated_at = "", None
            uncalibrated.append(result)
        updated.append(result)
    bulk_create_with_history(
        created, CycleResult, default_user=user, default_change_reason="computed"
    )
    calibration = ["calibrated_grade", "calibrated_at"] if uncalibrated else []
    bulk_update_with_history(
        updated,
        CycleResult,
        RESULT_FIELDS + calibration,
        default_user=user,
        default_change_reason="computed again",
    )
    cycle.state, cycle.results_computed_at = CycleState.CALIBRATING, now
    saved(cycle, user, ["state", "results_computed_at"], "results computed")
    return len(created) + len(updated)


@transaction.atomic
def calibration_move(
    *, user: AbstractBaseUser, result: CycleResult, grade: str, reason: str
) -> CycleResult:
    """Move a computed grade in calibration, with a written reason; moving it back to the
    computed grade undoes the calibration. HR and admins move anyone's, a manager their people's
    (``reviews.access.may_calibrate``). Only the grade moves: the KPI part, the qualitative part
    and the final stay as computed (data are corrected by appeals). The history keeps who,
    before, after and why."""
    result = (
        CycleResult.objects.select_for_update()
        .select_related("cycle", "employee")
        .get(pk=result.pk)
    )
    if is_oneself(user, result.employee):
        raise ReviewForbidden(_("Nobody moves their own grade: HR or your manager does."))
    if not may_calibrate(user, result.employee):
        raise ReviewForbidden(_("Only HR and the person's managers move their grade."))
    in_state(result.cycle, CycleState.CALIBRATING)
    if not result.grade:
        raise ReviewRefused(_("This person is not scored in the cycle: there is no grade to move."))
    if grade not in GRADES:
        raise ReviewRefused(_("Choose a grade: S, A, B, C or D."), field="grade")
    reason = text_checked(
        reason, field="reason", limit=REASON_MAX, required=_("Say why the grade moves.")
    )
    if grade == result.grade_shown:
        raise ReviewRefused(_("The grade is {grade} already.").format(grade=grade), field="grade")
    result.calibrated_grade = "" if grade == result.grade else grade
    result.calibration_reason = reason
    result.calibrated_by, result.calibrated_at = user, timezone.now()
    saved(
        result,
        user,
        ["calibrated_grade", "calibration_reason", "calibrated_by", "calibrated_at"],
        reason,
    )
    return result


@transaction.atomic
def cycle_close(*, user: AbstractBaseUser, cycle: ReviewCycle) -> ReviewCycle:
    """Close a calibrated cycle: its results are final and shown to the people, who may then
    acknowledge them."""
    hr_only(user)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    in_state(cycle, CycleState.CALIBRATING)
    cycle.state, cycle.closed_at = CycleState.CLOSED, timezone.now()
    saved(cycle, user, ["state", "closed_at"], "closed")
    return cycle


@transaction.atomic
def result_acknowledge(
    *, user: AbstractBaseUser, result: CycleResult, comment: str = ""
) -> CycleResult:
    """The person has read their result of a closed cycle (with a comment if they wish). Once:
    a later disagreement about the data is an appeal."""
    result = (
        CycleResult.objects.select_for_update()
        .select_related("cycle", "employee")
        .get(pk=result.pk)
    )
    if result.employee.user_id != user.pk:
        raise ReviewForbidden(_("Only the person themselves acknowledges their result."))
    in_state(result.cycle, CycleState.CLOSED)
    if result.acknowledged_at is not None:
        raise ReviewRefused(_("You have acknowledged this result already."))
    result.employee_comment = text_checked(comment, field="comment", limit=COMMENT_MAX)
    result.acknowledged_at = timezone.now()
    saved(result, user, ["employee_comment", "acknowledged_at"], "acknowledged")
    return result
