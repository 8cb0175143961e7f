"""Writes that set a review cycle up: HR creates a draft cycle (its months, scope, deadlines and
KPI weight), gives it a template per level (competencies, each with the behaviour of every
rating), and opens it for reviews. ``cycle_setup`` does all of it in one go, as the set-up page
and the API send it; each refusal is a ``ReviewRefused`` naming the input at fault down to the
index (``templates[1].competencies[0].anchors[2].text_zh``)."""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from org.calendar import company_zone
from org.lists import list_join
from org.models import Level, Team
from org.periods import Period, PeriodKind
from reviews.checks import hr_only, in_state, saved, share_checked, text_checked
from reviews.errors import ReviewForbidden, ReviewRefused
from reviews.models import (
    CYCLE_MONTHS,
    RATINGS,
    Anchor,
    Competency,
    CycleKind,
    CycleState,
    ReviewCycle,
    ReviewTemplate,
)
from reviews.selectors import cycle_people

NAME_MAX = 100
ANCHOR_MAX = 1000  # characters of a behaviour anchor, in each language
# A competency's weight is relative to its template's others: 0.25 or 25 both read well, and a
# bound keeps weight × rating a number (1e307 made the qualitative part infinite).
COMPETENCY_WEIGHT_MAX = 100.0
CODE = re.compile(r"[a-z0-9_-]+")  # a competency's code, as a SlugField holds it


def _deadline_checked(due: dt.date, first_day: dt.date, *, field: str, what: str) -> None:
    if due < first_day:
        raise ReviewRefused(
            _("{what} ({due}) is before the cycle begins ({first}).").format(
                what=what, due=f"{due:%Y-%m-%d}", first=f"{first_day:%Y-%m-%d}"
            ),
            field=field,
        )


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
    _deadline_checked(
        self_review_due,
        first_period.start,
        field="self_review_due",
        what=_("The self-review deadline"),
    )
    _deadline_checked(
        manager_review_due,
        first_period.start,
        field="manager_review_due",
        what=_("The manager-review deadline"),
    )
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


@dataclass(frozen=True)
class TemplateInput:
    """What people of ``level`` are reviewed on: its competencies, the self-review's share of
    the qualitative part (0: shown, not counted) and the level's KPI weight (None: the
    cycle's)."""

    level: str
    competencies: Sequence[CompetencyInput]
    self_review_weight: float = 0.0
    kpi_weight: float | None = None


def _anchors_checked(spec: CompetencyInput, where: str) -> list[tuple[str, str]]:
    if len(spec.anchors) != len(RATINGS):
        raise ReviewRefused(
            _("Describe the behaviour of each rating from 1 to 5, in Chinese and English."),
            field=f"{where}.anchors",
        )
    checked = []
    for index, (rating, (zh, en)) in enumerate(zip(RATINGS, spec.anchors, strict=True)):
        texts = []
        for text, language, what in ((zh, "zh", _("Chinese")), (en, "en", _("English"))):
            required = _("Describe the behaviour that earns a {rating} in {language}.")
            texts.append(
                text_checked(
                    text,
                    field=f"{where}.anchors[{index}].text_{language}",
                    limit=ANCHOR_MAX,
                    required=required.format(rating=rating, language=what),
                )
            )
        checked.append((texts[0], texts[1]))
    return checked


def _competency_checked(spec: CompetencyInput, position: int) -> tuple[Competency, list]:
    where = f"competencies[{position}]"
    code = text_checked(spec.code, field=f"{where}.code", limit=32, required=_("Give it a code."))
    if not CODE.fullmatch(code):
        raise ReviewRefused(
            _("A code is lower-case letters, digits, - and _ (for example teamwork)."),
            field=f"{where}.code",
        )
    if not (0 < spec.weight <= COMPETENCY_WEIGHT_MAX):
        raise ReviewRefused(
            _("A competency's weight is more than 0 and at most {most:g}.").format(
                most=COMPETENCY_WEIGHT_MAX
            ),
            field=f"{where}.weight",
        )
    competency = Competency(
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
    return competency, _anchors_checked(spec, where)


@transaction.atomic
def template_create(
    *,
    user: AbstractBaseUser,
    cycle: ReviewCycle,
    level: str,
    competencies: Sequence[CompetencyInput],
    self_review_weight: float = 0.0,
    kpi_weight: float | None = None,
) -> ReviewTemplate:
    """What people of ``level`` are reviewed on in a draft cycle, and the w of their final
    (None: the cycle's)."""
    hr_only(user)
    in_state(cycle, CycleState.DRAFT)
    if level not in Level.values:
        raise ReviewRefused(_("Choose a level."), field="level")
    if cycle.templates.filter(level=level).exists():
        raise ReviewRefused(_("This cycle already has a template for this level."), field="level")
    share_checked(self_review_weight, field="self_review_weight", what=_("The self-review weight"))
    if kpi_weight is not None:
        share_checked(kpi_weight, field="kpi_weight", what=_("The KPI weight"))
    if not competencies:
        raise ReviewRefused(_("A template needs at least one competency."), field="competencies")
    checked = [_competency_checked(spec, position) for position, spec in enumerate(competencies)]
    codes = [competency.code for competency, _anchors in checked]
    if len(set(codes)) != len(codes):
        raise ReviewRefused(_("Each competency needs a code of its own."), field="competencies")
    template = ReviewTemplate(
        cycle=cycle, level=level, self_review_weight=self_review_weight, kpi_weight=kpi_weight
    )
    template._history_user = user
    template.save()
    for competency, _anchors in checked:
        competency.template = template
    saved = bulk_create_with_history(
        [competency for competency, _anchors in checked], Competency, default_user=user
    )
    anchors = [
        Anchor(competency=competency, rating=rating, text_zh=zh, text_en=en)
        for competency, (_unsaved, texts) in zip(saved, checked, strict=True)
        for rating, (zh, en) in zip(RATINGS, texts, strict=True)
    ]
    bulk_create_with_history(anchors, Anchor, default_user=user)
    return template


@transaction.atomic
def cycle_setup(
    *,
    user: AbstractBaseUser,
    name: str,
    kind: str,
    first_period: Period,
    self_review_due: dt.date,
    manager_review_due: dt.date,
    templates: Sequence[TemplateInput],
    kpi_weight: float = 0.7,
    teams: Sequence[Team] = (),
    open_now: bool = False,
) -> ReviewCycle:
    """A draft cycle with its templates (opened too with ``open_now``), all or nothing: a
    refusal of the ``i``-th template names ``templates[i].`` and the field within it."""
    cycle = cycle_create(
        user=user,
        name=name,
        kind=kind,
        first_period=first_period,
        self_review_due=self_review_due,
        manager_review_due=manager_review_due,
        kpi_weight=kpi_weight,
        teams=teams,
    )
    if not templates:
        raise ReviewRefused(_("Give the cycle a template for each level."), field="templates")
    for index, template in enumerate(templates):
        try:
            template_create(
                user=user,
                cycle=cycle,
                level=template.level,
                competencies=template.competencies,
                self_review_weight=template.self_review_weight,
                kpi_weight=template.kpi_weight,
            )
        except ReviewForbidden:
            raise
        except ReviewRefused as refusal:
            where = f"templates[{index}]"
            field = f"{where}.{refusal.field}" if refusal.field else where
            raise ReviewRefused(str(refusal), field=field) from refusal
    return cycle_open(user=user, cycle=cycle) if open_now else cycle


@transaction.atomic
def cycle_open(*, user: AbstractBaseUser, cycle: ReviewCycle) -> ReviewCycle:
    """Open a draft cycle for reviews, once it is whole: a weight from 0 to 1, deadlines not
    past (company calendar), a template for every level among its people, and competencies in
    every template."""
    hr_only(user)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    in_state(cycle, CycleState.DRAFT)
    share_checked(cycle.kpi_weight, field="kpi_weight", what=_("The KPI weight"))
    if cycle.self_review_due < timezone.localdate(timezone=company_zone()):
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
    missing = [str(label) for level, label in Level.choices if level in levels - set(templates)]
    if not levels:
        raise ReviewRefused(_("Nobody in the cycle's teams worked in its months."), field="teams")
    if missing:
        raise ReviewRefused(
            _("Add a template for: {levels}.").format(levels=list_join(missing)),
            field="templates",
        )
    cycle.state, cycle.opened_at = CycleState.OPEN, timezone.now()
    saved(cycle, user, ["state", "opened_at"], "opened")
    return cycle
