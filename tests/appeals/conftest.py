import pytest

from tests.dashboards.company import scored_company


@pytest.fixture
def company(org_chart):
    """The scored company of the dashboards' tests (``tests.dashboards.company``): 王芳's
    last-month records include a process node completed a day late."""
    return scored_company(org_chart)
