import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from ingest.models import ProcessNode
from org.models import CompanyDay, CompanyDayKind
from tests.clock import PINNED_NOW
from tests.factories import OrderFactory, OrderNodeFactory

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _stopped_clock():
    """Working time left is shown to the hour: the clock stands still at the pinned instant."""
    with time_machine.travel(PINNED_NOW, tick=False):
        yield


@pytest.fixture
def calendar(settings, db):
    """Every day a working day but tomorrow, a company holiday: working time then differs from
    clock time by a whole day across it, whatever the weekday of the pinned clock."""
    settings.PERF_WORKING_DAYS = tuple(range(7))
    settings.PERF_HOLIDAY_CALENDAR = "none"
    CompanyDay.objects.create(day=(PINNED_NOW + DAY).date(), kind=CompanyDayKind.HOLIDAY)


def open_node(person, *, started: dt.datetime, hours: str, node=ProcessNode.STOCK_CHECK, **more):
    order = OrderFactory(merchandiser=person, external_id=more.pop("order_no"))
    return OrderNodeFactory(
        order=order,
        node=node,
        started_at=started,
        threshold_hours=Decimal(hours),
        completed_at=more.pop("completed_at", None),
    )


@pytest.fixture
def nodes(org_chart, calendar):
    """Now is the 18th 10:00 (company time), the 19th a holiday.

    - soon: 王芳's, 09:00 + 2 h: due 11:00, 1 working hour left;
    - late: 王芳's, the 16th 10:00 + 20 h: due the 17th 06:00, 28 working hours over;
    - later: 王芳's, 09:00 + 23 h: 15 h of the 18th, the 19th skipped, due the 20th 08:00:
      22 working hours left (46 by the clock);
    - done: 王芳's, overdue but completed: never listed;
    - far: 王芳's, due beyond the 24 working hours listed;
    - other: 李强's (same team), due 10:30;
    - south: 刘洋's (the other team), overdue."""
    now = PINNED_NOW
    east_a, east_b, south_a = org_chart["east_a"], org_chart["east_b"], org_chart["south_a"]
    return {
        "soon": open_node(east_a, started=now - HOUR, hours="2", order_no="SO-SOON"),
        "late": open_node(
            east_a,
            started=now - 2 * DAY,
            hours="20",
            node=ProcessNode.QUALITY_CHECK,
            order_no="SO-LATE",
        ),
        "later": open_node(east_a, started=now - HOUR, hours="23", order_no="SO-LATER"),
        "done": open_node(
            east_a, started=now - 2 * DAY, hours="2", order_no="SO-DONE", completed_at=now - HOUR
        ),
        "far": open_node(east_a, started=now, hours="40", order_no="SO-FAR"),
        "other": open_node(east_b, started=now - HOUR, hours="1.5", order_no="SO-OTHER"),
        "south": open_node(south_a, started=now - 2 * DAY, hours="4", order_no="SO-SOUTH"),
    }
