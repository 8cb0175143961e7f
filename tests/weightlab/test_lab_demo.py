"""The weight lab on the demo company's past months (64 people, six months, every record type,
scored as ``make demo`` scores them): it lists exactly the people whose grade a real rescoring
with the draft moves, and publishes nothing."""

import dataclasses
import math

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from demo.seed.company import DEMO
from demo.services import company_seed
from indicators.models import SchemeMatrix, SchemeStatus, WeightScheme
from indicators.scheme_services import scheme_draft_create, scheme_judgments_set
from ingest.models import LedgerEntry
from org.models import Level
from org.periods import Period
from scoring.models import EmployeeScore, IndicatorScore, ScoreRun
from scoring.replay import published_months
from scoring.services import compute_period
from tests.clock import LAST_MONTH
from weightlab.selectors import lab_replay


class _Rollback(Exception):
    pass


def _published(months: list[Period]) -> dict[tuple[int, object], tuple[str, float | None]]:
    """(person, month) → (grade, total) as published."""
    return {
        (employee_id, start): (grade, None if total is None else float(total))
        for employee_id, start, grade, total in EmployeeScore.objects.filter(
            is_current=True,
            run__provisional=False,
            period_start__in=[month.start for month in months],
        ).values_list("employee_id", "period_start", "grade", "total")
    }


def _total(value: float) -> float | None:
    return None if math.isnan(value) else value


def _written() -> dict[str, int]:
    return {
        "runs": ScoreRun.objects.count(),
        "scores": EmployeeScore.objects.count(),
        "indicator scores": IndicatorScore.objects.count(),
        "ledger entries": LedgerEntry.objects.count(),
    }


def _efficiency_draft(admin, first: Period) -> WeightScheme:
    """The intermediate level's next version, judged otherwise: efficiency seven times above
    every other tier, and within quality the customers' rating five times above the rest."""
    draft = scheme_draft_create(user=admin, level=Level.INTERMEDIATE, effective_from=first.start)
    emphasis = {"tiers": ("efficiency", 7.0), "quality": ("csat", 5.0)}
    for matrix in SchemeMatrix.objects.filter(scheme=draft, matrix__in=emphasis):
        above, times = emphasis[matrix.matrix]
        judgments = [
            [1.0 if a == b else times if a == above else 1 / times if b == above else 1.0
             for b in matrix.items]
            for a in matrix.items
        ]  # fmt: skip
        scheme_judgments_set(
            scheme=draft,
            user=admin,
            matrix=matrix.matrix,
            judgments=judgments,
            expert=matrix.expert,
        )
    draft.refresh_from_db()
    return draft


def _rescored_with(draft: WeightScheme, months: list[Period]) -> dict:
    """The months scored for real, oldest first, by the normal pipeline with the draft in force
    for its level, read, and rolled back. The months are closed (their appeal windows passed),
    so the draft is put in force directly rather than through ``scheme_activate``, which
    refuses closed periods."""
    try:
        with transaction.atomic():
            WeightScheme.objects.filter(level=draft.level, status=SchemeStatus.ACTIVE).update(
                status=SchemeStatus.RETIRED
            )
            WeightScheme.objects.filter(pk=draft.pk).update(status=SchemeStatus.ACTIVE)
            for month in months:
                compute_period(month)
            rescored = _published(months)
            raise _Rollback
    except _Rollback:
        return rescored


@pytest.mark.django_db
def test_the_lab_on_the_demos_past_months_lists_exactly_whom_a_rescoring_would_move():
    # The demo's company, its six months ending last month, each scored as ``make demo`` scores
    # them. Its records are loaded straight into the tables rather than through the ERP and CRM
    # syncs: the same records, in a quarter of the time (the syncs are tested in tests/demo).
    seeded = company_seed(
        scale=dataclasses.replace(DEMO, through_sources=False),
        seed=2026,
        end_month=LAST_MONTH.start,
    )
    months = [Period.containing(month) for month in seeded.months]
    for month in months:
        compute_period(month)
    assert sorted(published_months()) == months
    admin = get_user_model().objects.get(username="admin")
    draft = _efficiency_draft(admin, months[0])

    before, written = _published(months), _written()
    result = lab_replay(scheme=draft, periods=months)
    assert _written() == written  # no run, no score, no ledger entry
    assert _published(months) == before

    rescored = _rescored_with(draft, months)
    assert _published(months) == before and _written() == written  # the scratch rolled back
    assert rescored.keys() == before.keys()
    moved = {key for key, (grade, _total) in rescored.items() if grade != before[key][0]}
    assert len(moved) >= 3, "the draft must move a few people for this test to mean anything"
    movers = result.comparison.movers
    assert set(zip(movers["employee_id"], movers["period"], strict=True)) == moved
    assert len(movers) == len(moved)  # each once
    for row in movers.itertuples():
        key = (row.employee_id, row.period)
        assert (row.grade_before, row.grade_after) == (before[key][0], rescored[key][0])
        # A draft can also move somebody in or out of being scored at all (the share of their
        # weight measured): a total published as none is NaN in the lab.
        assert _total(row.total_before) == pytest.approx(before[key][1], abs=0.01)
        assert _total(row.total_after) == pytest.approx(rescored[key][1], abs=0.01)
    assert result.levels == [Level.INTERMEDIATE]
