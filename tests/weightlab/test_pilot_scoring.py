"""THE acceptance of issue 22's pilot: a run scores the pilot team's people with the pilot
scheme's weights and everybody else with their level's scheme, records the pilot, and after the
pilot's months the team is back on its level scheme."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from indicators import scheme_services
from indicators.models import SchemeStatus, SchemeWeight, WeightScheme
from org.models import Level
from scoring.models import EmployeeScore, IndicatorScore
from scoring.services import compute_period
from tests.clock import months_ago
from tests.scoring.test_pipeline import _month_of_work
from tests.weightlab.company import MONTHS, WORK
from tests.weightlab.pilot_company import east_pilot_make
from weightlab.services import pilot_cancel

EAST = ["east_a", "east_b", "east_manager"]
SOUTH = ["south_a", "south_manager"]
AFTER = months_ago(1)  # the month after the pilot's two


def _scores(period) -> dict[int, EmployeeScore]:
    return {
        score.employee_id: score
        for score in EmployeeScore.objects.filter(is_current=True, period_start=period.start)
    }


def _weights(scheme: WeightScheme) -> dict[str, float]:
    return dict(
        SchemeWeight.objects.filter(scheme=scheme).values_list("indicator__code", "global_weight")
    )


def _worked_total(score: EmployeeScore, weights: dict[str, float]) -> float:
    """The total worked by hand from the person's indicator scores: each measured indicator's
    0–100 score times its weight in ``weights``, the weights of the measured shared out (the
    weight of the unmeasured goes to them)."""
    lines = IndicatorScore.objects.filter(employee_score=score, normalised__isnull=False)
    pairs = [(line.normalised, weights.get(line.indicator.code, 0.0)) for line in lines]
    weighed = sum(weight for _, weight in pairs)
    return sum(value * weight for value, weight in pairs) / weighed


def _applied(score: EmployeeScore) -> dict[str, float]:
    return dict(
        IndicatorScore.objects.filter(employee_score=score, weight__gt=0).values_list(
            "indicator__code", "weight"
        )
    )


@pytest.mark.django_db
def test_the_pilot_scores_one_team_with_its_scheme_and_the_others_with_theirs(
    scored_company, quality_draft
):
    people = scored_company
    ids = {key: people[key].id for key in WORK}
    for key in WORK:  # the month after the pilot: the same work as its first month
        hours, csat = WORK[key][0]
        _month_of_work(people[key], AFTER, response_hours=hours, csat=csat)
    level_scheme = WeightScheme.objects.get(level=Level.INTERMEDIATE, status=SchemeStatus.ACTIVE)
    before = {month: _scores(month) for month in MONTHS}
    applied = {(month, key): _applied(before[month][ids[key]]) for month in MONTHS for key in SOUTH}

    pilot = east_pilot_make(people["admin"], quality_draft, people["teams"]["east"])
    for month in [*MONTHS, AFTER]:
        with transaction.atomic():
            compute_period(month)

    pilot_weights, level_weights = _weights(quality_draft), _weights(level_scheme)
    assert pilot_weights["csat"] > 1.5 * level_weights["csat"]  # the draft weighs quality more
    for month in MONTHS:
        run = EmployeeScore.objects.get(
            is_current=True, period_start=month.start, employee_id=ids["east_a"]
        ).run
        entry = run.schemes[f"pilot:{pilot.id}"]
        assert entry["id"] == quality_draft.id and entry["team_id"] == people["teams"]["east"].id
        assert entry["levels"] == [Level.INTERMEDIATE] and run.schemes["intermediate"]["id"] == (
            level_scheme.id
        )
        now = _scores(month)
        for key in EAST:
            score = now[ids[key]]
            assert score.uncapped_total == pytest.approx(_worked_total(score, pilot_weights))
            assert score.uncapped_total != pytest.approx(before[month][ids[key]].uncapped_total)
        for key in SOUTH:
            score = now[ids[key]]
            assert score.uncapped_total == pytest.approx(_worked_total(score, level_weights))
            # The others are scored exactly as without the pilot.
            assert score.uncapped_total == pytest.approx(before[month][ids[key]].uncapped_total)
            assert _applied(score) == pytest.approx(applied[(month, key)])

    # After its two months the east team is back on its level's scheme, and the run names no
    # pilot.
    after = _scores(AFTER)
    assert not any(key.startswith("pilot:") for key in after[ids["east_a"]].run.schemes)
    for key in [*EAST, *SOUTH]:
        score = after[ids[key]]
        assert score.uncapped_total == pytest.approx(_worked_total(score, level_weights))

    # A piloted draft keeps its judgments (its months are rescored with them).
    with translation.override("en"), pytest.raises(ValidationError, match="pilot"):
        scheme_services.scheme_update(
            scheme=quality_draft, user=people["admin"], changes={"entropy_alpha": 0.5}
        )

    # Cancelled now, the pilot still weighs its months (they ended before today): a rerun keeps
    # the pilot's weights.
    pilot_cancel(pilot=pilot, user=people["admin"])
    with transaction.atomic():
        compute_period(MONTHS[1])
    score = _scores(MONTHS[1])[ids["east_a"]]
    assert f"pilot:{pilot.id}" in score.run.schemes
    assert score.uncapped_total == pytest.approx(_worked_total(score, pilot_weights))
