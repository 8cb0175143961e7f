import pytest

from tests.dashboards.company import scored_company


@pytest.fixture
def scored(org_chart):
    """The org chart with two scored months; see ``tests.dashboards.company``."""
    return scored_company(org_chart)
