"""The weight lab on a small scored company: it lists exactly the people whose grade a rescoring
with the draft would move, and publishes nothing."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators.models import SchemeStatus, WeightScheme
from scoring.models import EmployeeScore, IndicatorScore, ScoreRun
from scoring.services import compute_period
from tests.factories import EmployeeFactory
from tests.scoring.test_pipeline import _month_of_work
from tests.weightlab.company import MONTHS
from weightlab.selectors import lab_replay


class _Rollback(Exception):
    pass


def _published() -> dict[tuple[int, object], tuple[str, float | None]]:
    return {
        (employee_id, start): (grade, total)
        for employee_id, start, grade, total in EmployeeScore.objects.filter(
            is_current=True, run__provisional=False, period_start__in=[m.start for m in MONTHS]
        ).values_list("employee_id", "period_start", "grade", "total")
    }


def _rescored_with(draft) -> dict:
    """The months scored for real with the draft in force for its level, in a transaction
    rolled back. The months are closed (their appeal window passed), so the scheme is swapped
    in directly rather than through ``scheme_activate``, which refuses closed periods."""
    try:
        with transaction.atomic():
            WeightScheme.objects.filter(level=draft.level, status=SchemeStatus.ACTIVE).update(
                status=SchemeStatus.RETIRED
            )
            WeightScheme.objects.filter(pk=draft.pk).update(status=SchemeStatus.ACTIVE)
            for month in MONTHS:
                compute_period(month)
            rescored = _published()
            raise _Rollback
    except _Rollback:
        return rescored


def _counts() -> tuple[int, int, int]:
    return (
        ScoreRun.objects.count(),
        EmployeeScore.objects.count(),
        IndicatorScore.objects.count(),
    )


@pytest.mark.django_db(transaction=False)
def test_the_lab_lists_exactly_whom_a_rescoring_with_the_draft_would_move(
    scored_company, quality_draft
):
    before = _published()
    counts = _counts()
    result = lab_replay(scheme=quality_draft, periods=MONTHS)
    assert _counts() == counts  # nothing scored for real, nothing published
    assert _published() == before

    rescored = _rescored_with(quality_draft)
    assert _published() == before  # the scratch rescoring rolled back
    expected = {key for key, (grade, _total) in rescored.items() if grade != before[key][0]}
    movers = result.comparison.movers
    assert expected, "the draft must move somebody for this test to mean anything"
    assert set(zip(movers["employee_id"], movers["period"], strict=True)) == expected
    for row in movers.itertuples():
        key = (row.employee_id, row.period)
        assert row.grade_before == before[key][0]
        assert row.grade_after == rescored[key][0]
        assert row.total_before == pytest.approx(before[key][1], abs=0.01)
        assert row.total_after == pytest.approx(rescored[key][1], abs=0.01)
    assert result.levels == ["intermediate"]


def test_the_replay_reads_sets_not_people(scored_company, quality_draft):
    with CaptureQueriesContext(connection) as small:
        lab_replay(scheme=quality_draft, periods=MONTHS)
    team = scored_company["teams"]["east"]
    for month in MONTHS:
        for hours in (2, 9, 14):
            _month_of_work(EmployeeFactory(team=team), month, response_hours=hours)
    with CaptureQueriesContext(connection) as larger:
        lab_replay(scheme=quality_draft, periods=MONTHS)
    assert len(larger) == len(small)


def test_the_lab_correlates_indicators_with_the_chosen_outcomes(scored_company, quality_draft):
    result = lab_replay(scheme=quality_draft, periods=MONTHS, outcomes=["csat"])
    rows = result.outcomes.set_index("indicator")
    assert set(rows["outcome"]) == {"csat"}
    # Response hours and ratings of the five people over two months: ten person-months.
    assert rows.loc["order_response_time", "n"] == 10
