"""The demo's review cycles, written through the review services as the company would have:
one finished cycle (the last full quarter of scored months before the last one: opened, self
and manager reviews, incidents, results computed, one grade calibrated with its reason,
closed, most results acknowledged, its bonus pool computed and locked) and one open cycle (the
current quarter: some self-reviews submitted, some kept as drafts, deadlines ahead).

The services stamp what they write with the clock (submission times, history, deadlines
checked against the day), so each step runs with the clock set to when it would have happened:
the finished cycle in the month after its quarter, the open one from the first day of the
month after the seed's last month. Never later than the real clock."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from unittest import mock

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bonus.models import AmountBasis
from bonus.services import PoolInput, pool_compute, pool_create, pool_lock
from demo.seed import reviews as texts
from ingest.models import Order
from org.calendar import company_zone
from org.models import Employee, Level, Team
from org.periods import Period, PeriodKind
from reviews.defaults import default_templates
from reviews.models import CycleResult, ReviewCycle, ReviewKind
from reviews.selectors import cycle_people
from reviews.services import (
    calibration_move,
    cycle_close,
    cycle_results_compute,
    incident_add,
    result_acknowledge,
    review_draft_save,
    review_submit,
)
from reviews.setup import cycle_setup

BONUS_POOL = Decimal("360000.00")
BONUS_COEFFICIENTS = {
    Level.JUNIOR: Decimal("1.0"),
    Level.INTERMEDIATE: Decimal("1.2"),
    Level.SENIOR: Decimal("1.5"),
}
CODES = ["communication", "teamwork", "responsibility", "service"]  # the default catalogue's
# The demo's named accounts keep their reviews of the open cycle to write, so that their
# reminders show.
DEMO_USERNAMES = {"manager", "merchandiser", "hr", "admin"}


@contextmanager
def _clock(instant: dt.datetime) -> Iterator[None]:
    """The services run as if at ``instant`` (never after the real now)."""
    instant = min(instant, timezone.now())
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute % 60), tzinfo=company_zone())


@dataclass(frozen=True)
class _Reviewed:
    """A person a cycle reviews, the account they write with, their team manager's account
    (none for a manager of a team nobody manages above), and their working style."""

    employee: Employee
    user: object
    manager_user: object | None
    style: str


def _people(cycle: ReviewCycle, styles: pd.Series) -> list[_Reviewed]:
    people = list(cycle_people(cycle).select_related("team", "user").order_by("employee_no"))
    managers = dict(Team.objects.filter(manager__isnull=False).values_list("id", "manager__user"))
    users = {user.pk: user for user in get_user_model().objects.filter(employee__isnull=False)}
    reviewed = []
    for person in people:
        manager = managers.get(person.team_id)
        reviewed.append(
            _Reviewed(
                employee=person,
                user=person.user,
                manager_user=users.get(manager) if manager != person.user_id else None,
                style=styles.get(person.employee_no, "steady"),
            )
        )
    return reviewed


def _ratings(rng: np.random.Generator, style: str, lift: int = 0) -> dict[str, int]:
    usual = np.array(texts.STYLE_RATINGS.get(style, texts.STYLE_RATINGS["steady"]))
    moved = usual + rng.choice([-1, 0, 0, 1], size=len(usual)) + lift
    return dict(zip(CODES, np.clip(moved, 1, 5).astype(int).tolist(), strict=True))


def _comments(rng: np.random.Generator, ratings: dict[str, int]) -> dict[str, str]:
    """A comment on one or two competencies, as people write them."""
    rated = [code for code in CODES if code in ratings]
    chosen = rng.choice(rated, size=min(len(rated), int(rng.integers(1, 3))), replace=False)
    bands = {
        code: "low" if ratings[code] <= 2 else "mid" if ratings[code] == 3 else "high"
        for code in chosen
    }
    return {code: str(rng.choice(texts.COMMENTS[code][band])) for code, band in bands.items()}


def _write(action, rng, *, user, cycle, person, kind, ratings, comment="") -> None:
    action(
        user=user,
        cycle=cycle,
        employee=person,
        kind=kind,
        ratings=ratings,
        comments=_comments(rng, ratings),
        comment=comment,
    )


def _quarters(months: list[dt.date]) -> tuple[Period, Period]:
    """The last full quarter of ``months`` that ends before the last of them (its reviews were
    written in a month already past), and the quarter after the last month (the current one)."""
    after_last = Period(PeriodKind.MONTH, months[-1]).next()
    current = Period.containing(after_last.start, PeriodKind.QUARTER)
    quarter = Period.containing(months[-1], PeriodKind.QUARTER)
    while not (quarter.start >= months[0] and quarter.end <= months[-1]):
        quarter = quarter.previous()
    return quarter, current


def _month_after(period: Period) -> dt.date:
    return period.end  # the first day after the period


def _setup(hr, name: str, quarter: Period, *, opened_on: dt.date) -> ReviewCycle:
    review_month = _month_after(quarter)
    with _clock(_at(opened_on, 9)):
        return cycle_setup(
            user=hr,
            name=name,
            kind="quarter",
            first_period=Period(PeriodKind.MONTH, quarter.start),
            self_review_due=review_month.replace(day=10),
            manager_review_due=review_month.replace(day=17),
            # Senior staff are judged more on how they work: their final weighs the KPI part 0.6.
            templates=[
                replace(template, kpi_weight=0.6) if template.level == Level.SENIOR else template
                for template in default_templates(list(Level.values))
            ],
            open_now=True,
        )


def _finished_cycle(
    hr, quarter: Period, styles: pd.Series, rng: np.random.Generator
) -> ReviewCycle:
    month = _month_after(quarter)
    cycle = _setup(
        hr,
        f"{quarter.start:%Y}年第{_QUARTER_NAMES[quarter.start.month]}季度绩效考核",
        quarter,
        opened_on=month.replace(day=2),
    )
    people = _people(cycle, styles)
    for number, row in enumerate(people):
        person = row.employee
        if rng.random() < 0.9:  # most write their self-review
            with _clock(_at(month.replace(day=3 + number % 7), 10, number)):
                _write(
                    review_submit,
                    rng,
                    user=row.user,
                    cycle=cycle,
                    person=person,
                    kind=ReviewKind.SELF,
                    ratings=_ratings(rng, row.style, lift=int(rng.random() < 0.4)),
                    comment=str(rng.choice(texts.SELF_COMMENTS)),
                )
        if row.manager_user is not None and rng.random() < 0.95:
            with _clock(_at(month.replace(day=11 + number % 6), 15, number)):
                _write(
                    review_submit,
                    rng,
                    user=row.manager_user,
                    cycle=cycle,
                    person=person,
                    kind=ReviewKind.MANAGER,
                    ratings=_ratings(rng, row.style),
                    comment=str(rng.choice(texts.MANAGER_COMMENTS)),
                )
    managed = [row for row in people if row.manager_user is not None]
    noted = rng.choice(len(managed), size=len(texts.INCIDENTS), replace=False)
    for (days, note), index in zip(texts.INCIDENTS, noted, strict=True):
        row = managed[index]
        day = quarter.start + dt.timedelta(days=days)
        # Each is about an order of theirs: the last they had by that day in the quarter.
        order_id = (
            Order.objects.filter(
                merchandiser=row.employee,
                submitted_at__date__gte=quarter.start,
                submitted_at__date__lte=day,
            )
            .order_by("-submitted_at")
            .values_list("pk", flat=True)
            .first()
        )
        with _clock(_at(day, 18)):
            incident_add(
                user=row.manager_user,
                employee=row.employee,
                day=day,
                note=note,
                record_type="order" if order_id else "",
                record_id=order_id,
            )
    with _clock(_at(month.replace(day=18), 10)):
        cycle_results_compute(user=hr, cycle=cycle)
    results = list(CycleResult.objects.filter(cycle=cycle).select_related("employee"))
    graded_b = sorted((r for r in results if r.grade == "B"), key=lambda r: -r.final)
    if graded_b:
        with _clock(_at(month.replace(day=19), 15)):
            calibration_move(
                user=hr, result=graded_b[0], grade="A", reason=texts.CALIBRATION_REASON
            )
    with _clock(_at(month.replace(day=20), 10)):
        cycle_close(user=hr, cycle=cycle)
    users = {row.employee.pk: row.user for row in people}
    for number, result in enumerate(results):
        if rng.random() < 0.8 and result.employee_id in users:
            with _clock(_at(month.replace(day=21 + number % 7), 9, number)):
                result_acknowledge(
                    user=users[result.employee_id],
                    result=result,
                    comment=str(rng.choice(texts.ACKNOWLEDGE_COMMENTS)),
                )
    return cycle


def _bonus_pool(hr, cycle: ReviewCycle, paid_on: dt.date) -> None:
    """The finished quarter's commission pool, as the e-commerce guide divides it: 20% of each
    bonus by the final score; computed and locked for payroll."""
    with _clock(_at(paid_on, 11)):
        pool = pool_create(
            user=hr,
            cycle=cycle,
            spec=PoolInput(
                name=f"{cycle.name} · 季度奖金池",
                basis=AmountBasis.FIXED,
                amount=BONUS_POOL,
                coefficients=BONUS_COEFFICIENTS,
            ),
        )
        pool_lock(user=hr, pool=pool_compute(user=hr, pool=pool))


_QUARTER_NAMES = {1: "一", 4: "二", 7: "三", 10: "四"}


def _open_cycle(hr, quarter: Period, first_day: dt.date, styles, rng) -> None:
    cycle = _setup(
        hr,
        f"{quarter.start:%Y}年第{_QUARTER_NAMES[quarter.start.month]}季度绩效考核",
        quarter,
        opened_on=first_day,
    )
    people = _people(cycle, styles)
    for number, row in enumerate(people):
        user = row.user
        draw = rng.random()
        if user.username in DEMO_USERNAMES:
            draw = 0.5 if user.username == "merchandiser" else 1.0  # a draft; nothing
        with _clock(_at(first_day, 10, number)):
            if draw < 0.4:
                _write(
                    review_submit,
                    rng,
                    user=user,
                    cycle=cycle,
                    person=row.employee,
                    kind=ReviewKind.SELF,
                    ratings=_ratings(rng, row.style, lift=1),
                    comment=str(rng.choice(texts.SELF_COMMENTS)),
                )
            elif draw < 0.65:
                ratings = _ratings(rng, row.style, lift=1)
                _write(
                    review_draft_save,
                    rng,
                    user=user,
                    cycle=cycle,
                    person=row.employee,
                    kind=ReviewKind.SELF,
                    ratings=dict(list(ratings.items())[:2]),
                    comment=texts.DRAFT_COMMENT,
                )


@transaction.atomic
def cycles_seed(*, months: list[dt.date], styles: pd.Series, seed: int) -> list[ReviewCycle]:
    """Write the demo's finished and open review cycles over the scored ``months`` (the
    published scores must be there); returns them, oldest first."""
    rng = np.random.default_rng(seed + 21)
    hr = get_user_model().objects.get(username="hr")
    finished, current = _quarters(months)
    closed = _finished_cycle(hr, finished, styles, rng)
    _bonus_pool(hr, closed, _month_after(finished).replace(day=28))
    _open_cycle(hr, current, _month_after(Period(PeriodKind.MONTH, months[-1])), styles, rng)
    return list(ReviewCycle.objects.order_by("first_period"))
