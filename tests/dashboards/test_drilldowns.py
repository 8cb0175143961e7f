"""Each drill-down lists the records its calculator counted: rebuilding the number from the
listed records gives the raw value the pipeline stored, and the records that hurt come first."""

from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from dashboards.drilldown_listings import DRILLDOWNS
from dashboards.drilldowns import Drilldown, drilldown_read
from indicators.calculators import CALCULATORS
from indicators.models import IndicatorDefinition
from scoring.models import IndicatorScore
from tests.dashboards.company import LAST_MONTH

pytestmark = pytest.mark.django_db

WINDOW = LAST_MONTH.window(tz=ZoneInfo("Asia/Shanghai"))


def _number(cell: str) -> float:
    """The number of a cell shown with its unit: ``30.0 h``, ``4/5``, ``33/100``."""
    return float(cell.split()[0].split("/")[0])


def _column(drill: Drilldown, index: int) -> list[float]:
    return [_number(row.cells[index]) for row in drill.rows]


def _share_unflagged(drill: Drilldown) -> float:
    return 100.0 * sum(not row.flagged for row in drill.rows) / len(drill.rows)


def _growth(drill: Drilldown) -> float:
    before, now = sum(_column(drill, 1)), sum(_column(drill, 2))
    return 100.0 * (now - before) / before


# How to get each indicator's raw value back from its drill-down, and to what precision (cells
# are rounded for reading).
REBUILD = {
    "order_volume": (lambda d: d.total, 0),
    "follow_up_count": (lambda d: d.total, 0),
    "order_entry_accuracy": (_share_unflagged, 1e-9),
    "order_response_time": (lambda d: mean(_column(d, 4)), 0.05),
    "node_on_time_rate": (_share_unflagged, 1e-9),
    "exception_handling_hours": (lambda d: mean(_column(d, 4)) + mean(_column(d, 5)), 0.1),
    "first_contact_resolution": (_share_unflagged, 1e-9),
    "csat": (lambda d: mean(_column(d, 3)), 1e-9),
    "order_accuracy": (_share_unflagged, 1e-9),
    "complaint_return_rate": (lambda d: 100.0 - _share_unflagged(d), 1e-9),
    "customer_sentiment": (lambda d: mean(_column(d, 3)), 0.5),
    "process_compliance": (_share_unflagged, 1e-9),
    "customer_repeat_rate": (_share_unflagged, 1e-9),
    "long_customer_growth": (_growth, 1e-9),
    "accepted_suggestions": (lambda d: d.total, 0),
    "training_completion": (_share_unflagged, 1e-9),
}


def _drill(person, code: str) -> tuple[Drilldown, IndicatorScore]:
    line = IndicatorScore.objects.get(
        employee_score__employee=person,
        employee_score__period_start=LAST_MONTH.start,
        employee_score__is_current=True,
        indicator__code=code,
    )
    indicator = IndicatorDefinition.objects.get(code=code)
    drill = drilldown_read(
        employee_id=person.pk, window=WINDOW, calculator=indicator.calculator, target=line.target
    )
    return drill, line


def test_every_calculator_has_a_drilldown():
    assert set(DRILLDOWNS) == set(CALCULATORS)


@pytest.mark.parametrize("code", sorted(REBUILD))
def test_the_listed_records_rebuild_the_number(scored, code):
    drill, line = _drill(scored["east_a"], code)
    rebuild, precision = REBUILD[code]
    assert drill.rows, "王芳 has records behind every indicator in October"
    assert drill.total == len(drill.rows)
    assert rebuild(drill) == pytest.approx(line.raw, abs=precision)
    assert {row.record_type for row in drill.rows} <= {
        "order",
        "order_node",
        "feedback",
        "follow_up",
        "ticket",
        "exception_case",
        "customer",
        "suggestion",
        "training_record",
    }


def test_response_time_lists_the_slowest_first_and_leaves_out_the_cancelled(scored):
    drill, _line = _drill(scored["east_a"], "order_response_time")
    hours = _column(drill, 4)
    assert hours == sorted(hours, reverse=True) and hours[0] == pytest.approx(30.0)
    assert drill.rows[0].record_id == scored["records"]["slow"].pk
    assert drill.rows[0].flagged  # slower than the target
    assert not drill.rows[-1].flagged  # one hour: within the 2-hour target
    assert scored["records"]["cancelled"].pk not in {row.record_id for row in drill.rows}


def test_late_nodes_come_first(scored):
    with translation.override("en"):
        drill, _line = _drill(scored["east_a"], "node_on_time_rate")
    assert [row.record_id for row in drill.rows] == [
        scored["records"]["late_node"].pk,
        scored["records"]["on_time_node"].pk,
    ]
    assert [row.flagged for row in drill.rows] == [True, False]
    assert drill.rows[0].cells[-1] == "1 d 0 h"  # done a day after its deadline


def test_replies_missing_checklist_elements_come_first_and_say_what_is_missing(scored):
    drill, _line = _drill(scored["east_a"], "process_compliance")
    sloppy, compliant = drill.rows
    assert sloppy.record_id == scored["records"]["sloppy"].pk and sloppy.flagged
    assert sloppy.cells[-1]  # the elements it lacks
    assert compliant.record_id == scored["records"]["compliant"].pk and not compliant.flagged
    assert compliant.cells[-1] == ""


def test_tickets_and_trainings_that_hurt_come_first(scored):
    tickets, _line = _drill(scored["east_a"], "first_contact_resolution")
    assert tickets.rows[0].record_id == scored["records"]["three_contacts"].pk
    trainings, _line = _drill(scored["east_a"], "training_completion")
    assert trainings.rows[0].record_id == scored["records"]["training_late"].pk


def test_a_ticket_without_a_subject_is_named_by_its_number_never_perfs_id(scored):
    three = scored["records"]["three_contacts"]
    type(three).objects.filter(pk=three.pk).update(subject="", external_id="TK-2026-0042")
    tickets, _line = _drill(scored["east_a"], "first_contact_resolution")
    row = next(row for row in tickets.rows if row.record_id == three.pk)
    assert row.cells[0] == "TK-2026-0042"
    type(three).objects.filter(pk=three.pk).update(external_id="")
    with translation.override("en"):
        tickets, _line = _drill(scored["east_a"], "first_contact_resolution")
    row = next(row for row in tickets.rows if row.record_id == three.pk)
    assert row.cells[0] == "(no subject)" and f"#{three.pk}" not in row.cells


def test_peer_reviews_are_anonymous(scored):
    drill, _line = _drill(scored["east_a"], "collaboration_360")
    assert drill.rows == [] and drill.total == 2 and drill.note


def test_a_calculator_without_a_reader_gets_a_note(scored):
    drill = drilldown_read(
        employee_id=scored["east_a"].pk, window=WINDOW, calculator="custom", target=None
    )
    assert drill.rows == [] and drill.note


def test_each_comment_shows_the_words_that_decided_its_mood(scored):
    with translation.override("en"):
        drill, _line = _drill(scored["east_a"], "customer_sentiment")
        assert drill.headers[-1] == "Words that decided it"
    assert drill.rows
    for row in drill.rows:
        words = row.cells[-1]
        assert (
            words == "No sentiment words: read as neutral" or words[-3:].lstrip("+−")[:1].isdigit()
        )
