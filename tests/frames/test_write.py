"""Bulk loading keeps ids, times (to the second, in UTC) and NULLs exactly."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from frames.write import frame_bulk_load
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
