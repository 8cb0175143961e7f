"""Each calculator's rule of which records count is stated once, next to the calculator
(``indicators.calculators.COUNTED``), and read for one person's drill-down by ``indicators.records``
(the drill-downs themselves are tested with the dashboards)."""

from indicators.calculators import CALCULATORS, COUNTED
from indicators.calculators.base import FRAME_COLUMNS
from indicators.records import READS


def test_every_calculator_has_its_drilldown_rule():
    assert set(COUNTED) == set(CALCULATORS)
    assert set(READS) == set(CALCULATORS)


def test_every_rule_reads_a_known_frame_by_a_column_it_has():
    for code, counted in COUNTED.items():
        assert counted.frame in FRAME_COLUMNS, code
        assert counted.person in FRAME_COLUMNS[counted.frame], code
        assert counted.worse in ("", "above", "below"), code
