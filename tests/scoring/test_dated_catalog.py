"""Catalog changes are dated: rescoring a period reads the indicators' settings of its time, so
switching an indicator off or moving a target from a date leaves the periods before unchanged."""

import pandas as pd
import pytest

from dashboards.selectors.periods import scored_periods
from dashboards.selectors.scorecard import scorecard_read
from indicators.models import IndicatorDefinition
from indicators.selectors import CATALOG_COLUMNS, catalog_in_force
from indicators.services import indicator_update
from scoring import services
from scoring.models import EmployeeScore, IndicatorScore
from tests.clock import LAST_MONTH, THIS_MONTH, at, months_ago, months_ahead
from tests.factories import FeedbackFactory
from tests.scoring.test_pipeline import _month_of_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_months(org_chart):
    """The east team in last month and this one: 王芳 fast with CSAT 5, 李强 slow with CSAT 4,
    their manager in between with CSAT 3 (the south team has no records)."""
    for period in (LAST_MONTH, THIS_MONTH):
        for key, hours, csat in [("east_a", 1, 5), ("east_b", 20, 4), ("east_manager", 6, 3)]:
            _month_of_work(org_chart[key], period, hours)
            FeedbackFactory(
                employee=org_chart[key], csat=csat, comment="", submitted_at=at(period, 10)
            )
    return org_chart


def _results(period):
    """Every current result of the period as people see it: per employee the total, grade,
    vetoes and ranks, and each indicator row."""
    scores = EmployeeScore.objects.filter(is_current=True, period_start=period.start)
    people = {
        row[0]: row[1:]
        for row in scores.values_list(
            "employee_id", "total", "grade", "vetoes", "company_rank", "basic", "quality"
        )
    }
    rows = IndicatorScore.objects.filter(employee_score__in=scores).values_list(
        "employee_score__employee_id",
        "indicator__code",
        "raw",
        "target",
        "normalised",
        "weight",
        "contribution",
    )
    indicators = {(row[0], row[1]): row[2:] for row in rows}
    return people, indicators


def _score_both():
    services.compute_period(LAST_MONTH)
    services.compute_period(THIS_MONTH)


def test_with_nothing_dated_the_catalog_in_force_is_the_active_definitions():
    """What runs read before catalog changes were dated: the active definitions as they are."""
    rows = IndicatorDefinition.objects.filter(is_active=True).values_list(*CATALOG_COLUMNS)
    expected = pd.DataFrame.from_records(list(rows), columns=CATALOG_COLUMNS).set_index("code")
    for period in (months_ago(30), LAST_MONTH, THIS_MONTH, months_ahead(6)):
        pd.testing.assert_frame_equal(catalog_in_force(period), expected)
    # An indicator nobody has dated (its versions gone) is read from its definition.
    IndicatorDefinition.objects.get(code="csat").versions.all().delete()
    pd.testing.assert_frame_equal(catalog_in_force(THIS_MONTH), expected)


def test_switching_an_indicator_off_from_a_date_leaves_earlier_periods_unchanged(two_months):
    _score_both()
    last_before, this_before = _results(LAST_MONTH), _results(THIS_MONTH)
    csat = IndicatorDefinition.objects.get(code="csat")
    indicator_update(
        indicator=csat,
        user=two_months["admin"],
        changes={"is_active": False},
        effective_from=THIS_MONTH.start,
        reason="survey discontinued",
    )

    _score_both()

    # Last month: every total, grade, rank and indicator row as before, CSAT included.
    assert _results(LAST_MONTH) == last_before
    assert any(code == "csat" for _, code in last_before[1])
    # This month: no CSAT row, and its weight shared by the others in proportion.
    people, indicators = _results(THIS_MONTH)
    assert not any(code == "csat" for _, code in indicators)
    fast = two_months["east_a"].id
    old = {code: row[3] for (person, code), row in this_before[1].items() if person == fast}
    new = {code: row[3] for (person, code), row in indicators.items() if person == fast}
    assert old["csat"] > 0
    for code, weight in new.items():
        if weight is not None:
            assert weight == pytest.approx(old[code] / (1 - old["csat"]))
    assert sum(weight for weight in new.values() if weight is not None) == pytest.approx(1.0)
    assert people[fast][0] != this_before[0][fast][0]
    # The definition says what applies from now on.
    csat.refresh_from_db()
    assert csat.is_active is False


def test_a_target_changed_from_a_date_applies_from_that_date_only(two_months):
    response_time = IndicatorDefinition.objects.get(code="order_response_time")
    assert response_time.target == 2.0
    indicator_update(
        indicator=response_time,
        user=two_months["admin"],
        changes={"target": 4.0},
        effective_from=THIS_MONTH.start,
        reason="new carrier contract",
    )

    _score_both()

    def target_used(period):
        return set(
            IndicatorScore.objects.filter(
                employee_score__is_current=True,
                employee_score__period_start=period.start,
                indicator__code="order_response_time",
            ).values_list("target", flat=True)
        )

    assert target_used(LAST_MONTH) == {2.0}
    assert target_used(THIS_MONTH) == {4.0}
    # 李强 takes 20 h: linear from the 24 h baseline to the target, (24 − 20) / (24 − t) × 100.
    slow = IndicatorScore.objects.get(
        employee_score__is_current=True,
        employee_score__period_start=THIS_MONTH.start,
        employee_score__employee=two_months["east_b"],
        indicator__code="order_response_time",
    )
    assert slow.normalised == pytest.approx(4 / 20 * 100)
    before = IndicatorScore.objects.get(
        employee_score__is_current=True,
        employee_score__period_start=LAST_MONTH.start,
        employee_score__employee=two_months["east_b"],
        indicator__code="order_response_time",
    )
    assert before.normalised == pytest.approx(4 / 22 * 100)


def test_an_indicator_switched_off_from_next_month_is_still_scored_this_month(two_months):
    csat = IndicatorDefinition.objects.get(code="csat")
    indicator_update(
        indicator=csat,
        user=two_months["admin"],
        changes={"is_active": False},
        effective_from=months_ahead(1).start,
    )
    services.compute_period(THIS_MONTH)
    _, indicators = _results(THIS_MONTH)
    assert (two_months["east_a"].id, "csat") in indicators
    assert "csat" not in catalog_in_force(months_ahead(1)).index


def test_scorecards_show_the_indicators_scored_in_their_period(two_months):
    csat = IndicatorDefinition.objects.get(code="csat")
    indicator_update(
        indicator=csat,
        user=two_months["admin"],
        changes={"is_active": False},
        effective_from=THIS_MONTH.start,
    )
    _score_both()
    periods = {scored.period: scored for scored in scored_periods()}

    def codes(period):
        card = scorecard_read(
            employee=two_months["east_a"], period=periods[period], periods=list(periods.values())
        )
        return {line.column.code for line in card.lines}

    assert "csat" in codes(LAST_MONTH)
    assert "csat" not in codes(THIS_MONTH)
