"""Working time between two instants, the inverse of a node's deadline: days off count nothing,
make-up working days count, an instant on a day off stands at the next working day's 00:00.
Fixed historical dates (the 2025 National Day holiday), as tests/ingest/test_node_due.py."""

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from org.calendar import add_working_hours, working_hours_between

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (local(2025, 11, 14, 16), local(2025, 11, 17, 16), 24),  # over a weekend
        (local(2025, 11, 17, 16), local(2025, 11, 14, 16), -24),  # overdue: negative
        (local(2025, 11, 12, 9), local(2025, 11, 12, 17, 30), 8.5),
        (local(2025, 11, 15, 9), local(2025, 11, 17, 10), 10),  # from a Saturday
        (local(2025, 11, 15, 9), local(2025, 11, 16, 20), 0),  # within a weekend
        (local(2025, 9, 30, 12), local(2025, 10, 9, 12), 24),  # National Day skipped
        (local(2025, 9, 26, 16), local(2025, 9, 28, 16), 24),  # make-up Sunday counts
    ],
)
def test_working_hours_between_two_instants(start, end, hours):
    between = working_hours_between(pd.Series([start]), pd.Series([end]))
    assert between.iloc[0] == pytest.approx(hours)


def test_it_undoes_a_deadline_and_leaves_missing_values_missing():
    starts = pd.Series([local(2025, 9, 30, 12), local(2025, 10, 10, 20), None])
    hours = pd.Series([37.25, 100, 5])
    ends = add_working_hours(starts, hours)
    between = working_hours_between(starts, ends)
    assert between.iloc[:2].tolist() == pytest.approx([37.25, 100])
    assert pd.isna(between.iloc[2])
