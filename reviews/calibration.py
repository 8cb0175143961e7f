"""Reads for a cycle's calibration: the grades that stand per team and for everybody shown
against the target distribution, the 9-box (final × growth over the cycle's months), and the
rows whose grades may move. The arithmetic is ``reviews.engine.calibration``'s; this module
reads the results the user may see and their monthly totals (two queries however many people)
and puts names and words on the numbers.

HR and admins calibrate everybody in the cycle, a manager the people they manage
(``reviews.access``); the person calibrated never sees it."""

from dataclasses import dataclass

import pandas as pd
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.access import calibrates, runs_cycles
from reviews.engine.calibration import (
    DECLINING,
    FEW_MONTHS,
    GRADES,
    GROWTH_BOUNDS,
    GROWTH_LEVELS,
    HIGH,
    IMPROVING,
    LOW,
    MIDDLE,
    MIN_MONTHS,
    NOT_SCORED,
    PERFORMANCE_BOUNDS,
    PERFORMANCE_LEVELS,
    STEADY,
    grade_distribution,
    growth_slopes,
    nine_box,
)
from reviews.models import CycleResult, CycleState, ReviewCycle
from reviews.selectors import cycle_totals, results_visible_to
from reviews.wording import thresholds_text
from scoring.runs import scoring_config

PERFORMANCE_NAMES = {
    LOW: gettext_lazy("Final below 70"),
    MIDDLE: gettext_lazy("Final 70 to 85"),
    HIGH: gettext_lazy("Final 85 and above"),
}
GROWTH_NAMES = {
    DECLINING: gettext_lazy("Declining"),
    STEADY: gettext_lazy("Steady"),
    IMPROVING: gettext_lazy("Improving"),
}
NOT_PLACED_REASONS = {
    NOT_SCORED: gettext_lazy("Not scored in the cycle: no final score"),
    FEW_MONTHS: gettext_lazy("Fewer than two scored months: no growth to measure"),
}


@dataclass(frozen=True)
class GradeCount:
    grade: str
    target_share: float  # 0–1
    expected: int  # people
    actual: int
    difference: int  # actual − expected
    actual_share: float  # 0–1 of the group's people graded

    @property
    def gap(self) -> int:
        """How many people over or under the target (the difference without its sign)."""
        return abs(self.difference)


@dataclass(frozen=True)
class GroupDistribution:
    name: str
    is_whole: bool
    graded: int
    not_scored: int
    grades: list[GradeCount]


@dataclass(frozen=True)
class Placed:
    result: CycleResult
    slope: float


@dataclass(frozen=True)
class Box:
    performance: str
    growth: str
    performance_name: str
    growth_name: str
    people: list[Placed]


@dataclass(frozen=True)
class NotPlaced:
    result: CycleResult
    reason: str  # in words


@dataclass(frozen=True)
class CalibrationRow:
    result: CycleResult
    slope: float | None  # points per month; None without two scored months
    months: int  # scored months


@dataclass(frozen=True)
class CalibrationBoard:
    cycle: ReviewCycle
    distribution: list[GroupDistribution]
    boxes: list[list[Box]]  # rows from high performance down, columns declining → improving
    not_placed: list[NotPlaced]
    rows: list[CalibrationRow]
    may_move: bool  # the cycle is calibrating: the rows' grades may move
    rules: dict[str, float]
    thresholds: str  # the finals each grade takes, in words


def _value(number: float) -> float | None:
    return None if pd.isna(number) else float(number)


WHOLE = 0  # the group key of everybody shown (team ids start at 1)


def _distribution(user: AbstractBaseUser, results: list[CycleResult]) -> list[GroupDistribution]:
    """Per team (in the results' order) and for everybody shown."""
    names = {result.employee.team_id: result.employee.team.name for result in results}
    names[WHOLE] = _("Whole cycle") if runs_cycles(user) else _("All your people")
    grades = pd.DataFrame(
        [(result.employee.team_id, result.grade_shown) for result in results],
        columns=["group", "grade"],
    )
    frame = grade_distribution(
        pd.concat([grades, grades.assign(group=WHOLE)]), scoring_config().distribution
    )
    groups = []
    for group, name in names.items():
        counts = frame.loc[group].to_dict("index")  # grade → its columns
        graded = int(counts[GRADES[0]]["graded"])
        groups.append(
            GroupDistribution(
                name=name,
                is_whole=group == WHOLE,
                graded=graded,
                not_scored=int(counts[GRADES[0]]["not_scored"]),
                grades=[
                    GradeCount(
                        grade=grade,
                        target_share=float(counts[grade]["target_share"]),
                        expected=int(counts[grade]["expected"]),
                        actual=int(counts[grade]["actual"]),
                        difference=int(counts[grade]["difference"]),
                        actual_share=int(counts[grade]["actual"]) / max(graded, 1),
                    )
                    for grade in GRADES
                ],
            )
        )
    return groups


def _boxes(placed: pd.DataFrame, by_id: dict[int, CycleResult]) -> list[list[Box]]:
    """The 9-box's rows from high performance down, its columns from declining to improving."""
    people: dict[tuple[str, str], list[Placed]] = {}
    for employee_id, performance, growth, slope in zip(
        placed.index, placed["performance"], placed["growth"], placed["slope"], strict=True
    ):
        if not pd.isna(performance):
            people.setdefault((performance, growth), []).append(
                Placed(by_id[employee_id], float(slope))
            )
    return [
        [
            Box(
                performance=performance,
                growth=growth,
                performance_name=str(PERFORMANCE_NAMES[performance]),
                growth_name=str(GROWTH_NAMES[growth]),
                people=people.get((performance, growth), []),
            )
            for growth in GROWTH_LEVELS
        ]
        for performance in reversed(PERFORMANCE_LEVELS)
    ]


def calibration_board(*, user: AbstractBaseUser, cycle: ReviewCycle) -> CalibrationBoard:
    """The cycle's calibration as ``user`` may see it (``PermissionDenied`` for people who do not
    calibrate): their results of the cycle, by team and person name. Two queries."""
    if not calibrates(user):
        raise PermissionDenied
    results = list(
        results_visible_to(user)
        .filter(cycle=cycle)
        .order_by("employee__team__name", "employee__employee_no")
    )
    by_id = {result.employee_id: result for result in results}
    slopes = growth_slopes(cycle_totals(cycle, list(by_id)))
    finals = pd.Series(
        {result.employee_id: result.final for result in results}, dtype=float
    ).rename_axis("employee_id")
    placed = nine_box(finals, slopes)
    boxes = _boxes(placed, by_id)
    not_placed = [
        NotPlaced(by_id[employee_id], str(NOT_PLACED_REASONS[reason]))
        for employee_id, reason in placed["reason"].dropna().items()
    ]
    slope, months = placed["slope"].to_dict(), placed["months"].to_dict()
    rows = [
        CalibrationRow(
            result=result,
            slope=_value(slope[result.employee_id]),
            months=int(months[result.employee_id]),
        )
        for result in results
    ]
    return CalibrationBoard(
        cycle=cycle,
        distribution=_distribution(user, results) if results else [],
        boxes=boxes,
        not_placed=not_placed,
        rows=rows,
        may_move=cycle.state == CycleState.CALIBRATING,
        rules={
            "performance_low": PERFORMANCE_BOUNDS[0],
            "performance_high": PERFORMANCE_BOUNDS[1],
            "growth_falling": GROWTH_BOUNDS[0],
            "growth_rising": GROWTH_BOUNDS[1],
            "min_months": MIN_MONTHS,
        },
        thresholds=thresholds_text(scoring_config().thresholds),
    )
