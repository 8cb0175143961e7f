"""Bulk loading keeps ids, times (to the second, in UTC) and NULLs exactly."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from frames.write import decimal_texts, frame_bulk_load, instants_as_stored
from ingest.models import Ticket
from tests.factories import CustomerFactory, EmployeeFactory, TicketFactory


@pytest.mark.django_db
def test_loaded_rows_read_back_as_written_and_new_ids_follow():
    employee, customer = EmployeeFactory(), CustomerFactory()
    opened = dt.datetime(2026, 10, 31, 23, 30, 5, tzinfo=dt.UTC)  # 07:30 on Nov 1st in Shanghai
    frame = pd.DataFrame(
        {
            "id": [100, 101],
            "source": "crm",
            "external_id": ["TK-1", "TK-2"],
            "employee_id": employee.pk,
            "customer_id": customer.pk,
            "subject": ["查询物流进度", ""],
            "opened_at": [opened.timestamp(), opened.timestamp() + 0.9],
            "resolved_at": [opened.timestamp() + 3600, np.nan],
            "contacts_until_resolved": pd.array([2, None], dtype="Int64"),
        }
    )

    assert frame_bulk_load(Ticket, frame) == 2

    first, second = Ticket.objects.order_by("id")
    assert (first.pk, second.pk) == (100, 101)
    assert first.opened_at == opened
    assert second.opened_at == opened  # stored to the second
    assert first.resolved_at == opened + dt.timedelta(hours=1)
    assert first.contacts_until_resolved == 2
    assert (second.resolved_at, second.contacts_until_resolved, second.subject) == (None, None, "")
    assert Ticket.objects.filter(opened_at__date=dt.date(2026, 11, 1)).count() == 2
    assert first.created_at is not None
    # The id sequence moved past the loaded ids.
    assert TicketFactory(employee=employee, customer=customer).pk > 101


@pytest.mark.django_db
def test_what_a_caller_reads_as_stored_is_what_the_database_gives_back():
    """``instants_as_stored`` and ``decimal_texts`` are what a sync batch compares and hashes
    before writing: they must agree with the rows read back, nanoseconds and a negative zero
    included."""
    employee, customer = EmployeeFactory(), CustomerFactory()
    opened = pd.Series(
        [
            pd.Timestamp("2026-10-31 23:30:05.999999999", tz="UTC"),
            pd.Timestamp("2026-11-01 07:30:05.5", tz="Asia/Shanghai"),
            pd.Timestamp("2026-10-31 23:30:05.123456", tz="UTC"),
        ]
    )
    frame = pd.DataFrame(
        {
            "source": "crm",
            "external_id": ["TK-1", "TK-2", "TK-3"],
            "employee_id": employee.pk,
            "customer_id": customer.pk,
            "subject": "",
            "opened_at": opened,
        }
    )
    frame_bulk_load(Ticket, frame)

    stored = list(Ticket.objects.order_by("external_id").values_list("opened_at", flat=True))
    assert instants_as_stored(opened).tolist() == stored
    assert stored == [dt.datetime(2026, 10, 31, 23, 30, 5, tzinfo=dt.UTC)] * 3
    assert decimal_texts(pd.Series([-0.004, 2.675, Decimal("12.345"), np.nan, 7]), 2).tolist() == [
        "0.00",
        "2.67",  # the float nearest 2.675 is below it
        "12.34",  # a Decimal's tie goes to the even digit
        None,
        "7.00",
    ]
