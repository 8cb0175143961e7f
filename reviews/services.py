"""Writes for review cycles: HR sets a cycle up and opens it, people and managers submit
reviews, managers note incidents, HR computes the results, calibrates grades with reasons and
closes the cycle, and each person acknowledges their result. Each runs in one transaction,
saves named fields and records who did it in the history; each refusal is a ``ReviewRefused``
naming the input at fault."""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ingest.record_types import LEDGERED_RECORD_TYPES
from org.models import Employee, Level, Team
from org.periods import Period, PeriodKind
from reviews.access import manages, may_calibrate, may_note_incidents
from reviews.checks import hr_only, in_state, saved, share_checked, text_checked
from reviews.engine.final import final_scores
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import (
    COMMENT_MAX,
    CYCLE_MONTHS,
    GRADES,
    NOTE_MAX,
    RATINGS,
    REASON_MAX,
    Anchor,
    Competency,
    CycleKind,
    CycleResult,
    CycleState,
    Incident,
    Rating,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewState,
    ReviewTemplate,
)
from reviews.selectors import cycle_people, cycle_ratings, cycle_roster, cycle_totals
from scoring.runs import scoring_config

NAME_MAX = 100
CODE = re.compile(r"[a-z0-9_-]+")  # a competency's code, as a SlugField holds it


@transaction.atomic
def cycle_create(
    *,
    user: AbstractBaseUser,
    name: str,
    kind: str,
    first_period: Period,
    self_review_due: dt.date,
    manager_review_due: dt.date,
    kpi_weight: float = 0.7,
    teams: Sequence[Team] = (),
) -> ReviewCycle:
    """A draft cycle of ``kind`` (a month, quarter, half-year or year) starting with the month
    ``first_period``, for ``teams`` (and the teams below them) or, with none, the company."""
    hr_only(user)
    name = text_checked(name, field="name", limit=NAME_MAX, required=_("Give the cycle a name."))
    if kind not in CycleKind.values:
        raise ReviewRefused(_("Choose a month, quarter, half-year or year."), field="kind")
    if first_period.kind is not PeriodKind.MONTH:
        raise ReviewRefused(_("A cycle starts with a month (YYYY-MM)."), field="first_period")
    last = first_period
    for _month in range(CYCLE_MONTHS[CycleKind(kind)] - 1):
        last = last.next()
    share_checked(kpi_weight, field="kpi_weight", what=_("The KPI weight"))
    if self_review_due > manager_review_due:
        raise ReviewRefused(
            _("Self-reviews are due no later than manager reviews."), field="self_review_due"
        )
    cycle = ReviewCycle(
        name=name,
        kind=kind,
        first_period=first_period.start,
        last_period=last.start,
        self_review_due=self_review_due,
        manager_review_due=manager_review_due,
        kpi_weight=kpi_weight,
        created_by=user,
    )
    cycle._history_user = user
    cycle.save()
    if teams:
        cycle.teams.set(teams)
    return cycle


@dataclass(frozen=True)
class CompetencyInput:
    """A competency as HR writes it: ``anchors`` are the behaviours of ratings 1 to 5, in
    order, each ``(Chinese, English)``."""

    code: str
    name_zh: str
    name_en: str
    weight: float
    anchors: Sequence[tuple[str, str]]
    description_zh: str = ""
    description_en: str = ""


def _competency_checked(spec: CompetencyInput, position: int) -> Competency:
    where = f"competencies[{position}]"
    code = text_checked(spec.code, field=f"{where}.code", limit=32, required=_("Give it a code."))
    if not CODE.fullmatch(code):
        raise ReviewRefused(
            _("A code is lower-case letters, digits, - and _ (for example teamwork)."),
            field=f"{where}.code",
        )
    if not (spec.weight > 0):
        raise ReviewRefused(_("A competency's weight is more than 0."), field=f"{where}.weight")
    if len(spec.anchors) != len(RATINGS) or not all(
        zh.strip() and en.strip() for zh, en in spec.anchors
    ):
        raise ReviewRefused(
            _("Describe the behaviour of each rating from 1 to 5, in Chinese and English."),
            field=f"{where}.anchors",
        )
    return Competency(
        code=code,
        name_zh=text_checked(
            spec.name_zh, field=f"{where}.name_zh", limit=100, required=_("Name it.")
        ),
        name_en=text_checked(
            spec.name_en, field=f"{where}.name_en", limit=100, required=_("Name it.")
        ),
        description_zh=spec.description_zh.strip(),
        description_en=spec.description_en.strip(),
        weight=spec.weight,
        position=position,
    )


@transaction.atomic
def template_create(
    *,
    user: AbstractBaseUser,
    cycle: ReviewCycle,
    level: str,
    competencies: Sequence[CompetencyInput],
    self_review_weight: float = 0.0,
) -> ReviewTemplate:
    """What people of ``level`` are reviewed on in a draft cycle."""
    hr_only(user)
    in_state(cycle, CycleState.DRAFT)
    if level not in Level.values:
        raise ReviewRefused(_("Choose a level."), field="level")
    if cycle.templates.filter(level=level).exists():
        raise ReviewRefused(_("This cycle already has a template for this level."), field="level")
    share_checked(self_review_weight, field="self_review_weight", what=_("The self-review weight"))
    if not competencies:
        raise ReviewRefused(_("A template needs at least one competency."), field="competencies")
    checked = [_competency_checked(spec, position) for position, spec in enumerate(competencies)]
    codes = [competency.code for competency in checked]
    if len(set(codes)) != len(codes):
        raise ReviewRefused(_("Each competency needs a code of its own."), field="competencies")
    template = ReviewTemplate(cycle=cycle, level=level, self_review_weight=self_review_weight)
    template._history_user = user
    template.save()
    for competency in checked:
        competency.template = template
    saved = bulk_create_with_history(checked, Competency, default_user=user)
    anchors = [
        Anchor(competency=competency, rating=rating, text_zh=zh.strip(), text_en=en.strip())
        for competency, spec in zip(saved, competencies, strict=True)
        for rating, (zh, en) in zip(RATINGS, spec.anchors, strict=True)
    ]
    bulk_create_with_history(anchors, Anchor, default_user=user)
    return template


@transaction.atomic
def cycle_open(*, user: AbstractBaseUser, cycle: ReviewCycle) -> ReviewCycle:
    """Open a draft cycle for reviews, once it is whole: a weight from 0 to 1, deadlines not
    past, a template for every level among its people, and competencies in every template."""
    hr_only(user)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    in_state(cycle, CycleState.DRAFT)
    share_checked(cycle.kpi_weight, field="kpi_weight", what=_("The KPI weight"))
    if cycle.self_review_due < timezone.localdate():
        raise ReviewRefused(_("The self-review deadline has passed."), field="self_review_due")
    templates = {
        template.level: template for template in cycle.templates.prefetch_related("competencies")
    }
    for template in templates.values():
        if not template.competencies.all():
            raise ReviewRefused(
                _("The template for {level} has no competency.").format(
                    level=template.get_level_display()
                ),
                field="templates",
            )
    levels = set(cycle_people(cycle).values_list("level", flat=True))
    missing = sorted(str(Level(level).label) for level in levels - set(templates))
    if not levels:
        raise ReviewRefused(_("Nobody in the cycle's teams worked in its months."), field="teams")
    if missing:
        raise ReviewRefused(
            _("Add a template for: {levels}.").format(levels=", ".join(missing)),
            field="templates",
        )
    cycle.state, cycle.opened_at = CycleState.OPEN, timezone.now()
    saved(cycle, user, ["state", "opened_at"], "opened")
    return cycle


def _ratings_checked(
    competencies: list[Competency], ratings: Mapping[str, object]
) -> dict[str, int]:
    codes = {competency.code for competency in competencies}
    unknown = sorted(set(ratings) - codes)
    if unknown:
        raise ReviewRefused(
            _("Not a competency of this review: {codes}.").format(codes=", ".join(unknown)),
            field="ratings",
        )
    missing = [competency.name_zh for competency in competencies if competency.code not in ratings]
    if missing:
        raise ReviewRefused(
            _("Rate every competency; missing: {names}.").format(names="、".join(missing)),
            field="ratings",
        )
    checked = {}
    for code, value in ratings.items():
        if isinstance(value, bool) or not isinstance(value, int) or value not in RATINGS:
            raise ReviewRefused(_("A rating is a whole number from 1 to 5."), field="ratings")
        checked[code] = value
    return checked


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
    manager of the person, by the manager-review deadline): every competency of the person's
    template rated 1–5, with optional comments. A submitted review is final."""
    if kind == ReviewKind.SELF:
        if employee.user_id != user.pk:
            raise ReviewForbidden(_("Only the person themselves writes their self-review."))
        due = cycle.self_review_due
    elif kind == ReviewKind.MANAGER:
        if not manages(user, employee):
            raise ReviewForbidden(_("Only a manager of this person reviews them."))
        due = cycle.manager_review_due
    else:
        raise ReviewRefused(_("Choose a self-review or a manager review."), field="kind")
    in_state(cycle, CycleState.OPEN)
    if timezone.localdate() > due:
        raise ReviewRefused(
            _("Reviews of this kind were due on {day}.").format(day=f"{due:%Y-%m-%d}")
        )
    if not cycle_people(cycle).filter(pk=employee.pk).exists():
        raise ReviewRefused(_("This person is not in the cycle."), field="employee")
    template = cycle.templates.filter(level=employee.level).first()
    competencies = list(template.competencies.all()) if template else []
    if not competencies:
        raise ReviewRefused(_("The cycle has no template for this person's level."))
    checked = _ratings_checked(competencies, ratings)
    comments = comments or {}
    texts = {
        code: text_checked(comments.get(code, ""), field="comments", limit=COMMENT_MAX)
        for code in checked
    }
    if set(comments) - set(checked):
        raise ReviewRefused(_("A comment belongs to a rated competency."), field="comments")
    done = Review.objects.filter(cycle=cycle, employee=employee, kind=kind, reviewer=user)
    if done.exists():
        raise ReviewRefused(_("You have already submitted this review."))
    review = Review(
        cycle=cycle,
        employee=employee,
        kind=kind,
        reviewer=user,
        state=ReviewState.SUBMITTED,
        submitted_at=timezone.now(),
        comment=text_checked(comment, field="comment", limit=COMMENT_MAX),
    )
    review._history_user = user
    review.save()
    by_code = {competency.code: competency for competency in competencies}
    bulk_create_with_history(
        [
            Rating(review=review, competency=by_code[code], rating=value, comment=texts[code])
            for code, value in checked.items()
        ],
        Rating,
        default_user=user,
    )
    return review


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
    happened on ``day`` (not in the future), optionally with the record it concerns."""
    if not may_note_incidents(user, employee):
        raise ReviewForbidden(_("Only the person's managers and HR note incidents about them."))
    note = text_checked(note, field="note", limit=NOTE_MAX, required=_("Say what happened."))
    if day > timezone.localdate():
        raise ReviewRefused(
            _("An incident has happened: its date is not in the future."), field="day"
        )
    if record_type or record_id is not None:
        kind = LEDGERED_RECORD_TYPES.get(record_type)
        if kind is None:
            raise ReviewRefused(_("Choose the kind of record."), field="record_type")
        if record_id is None or not kind.model.objects.filter(pk=record_id).exists():
            raise ReviewRefused(_("There is no such record."), field="record_id")
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
    weights = dict(cycle.templates.values_list("level", "self_review_weight"))
    people["self_review_weight"] = people["level"].map(weights).fillna(0.0)
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
