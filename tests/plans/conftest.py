"""王芳's plan (east team, mentored by 李强, started by 陈主管) with a check-in, and a coaching
note about her: what every role may and may not see or do with them."""

import pytest

from plans.services import check_in_add, coaching_note_add
from tests.clock import THIS_MONTH, months_ago
from tests.plans.factories import plan_for

# Everyone of the org chart, and nobody signed in.
ROLES = ["east_a", "east_b", "east_manager", "south_manager", "south_a", "hr", "admin", None]


@pytest.fixture
def plan(org_chart):
    made = plan_for(org_chart, start=months_ago(3).start, end=months_ago(1).last_day)
    check_in_add(
        user=org_chart["east_b"].user, plan=made, day=THIS_MONTH.start, note="回访三家客户"
    )
    coaching_note_add(
        user=org_chart["east_manager"].user,
        employee=org_chart["east_a"],
        day=THIS_MONTH.start,
        note="一对一：首次解决率的改进",
    )
    return made


@pytest.fixture
def sign_in(client, org_chart):
    """The test client signed in as a role's person (``None``: nobody)."""

    def signed(key):
        if key is not None:
            person = org_chart[key]
            client.force_login(person if key == "admin" else person.user)
        return client

    return signed
