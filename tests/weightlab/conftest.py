import pytest

from tests.weightlab.company import quality_draft_make, scored_company_make


@pytest.fixture
def scored_company(org_chart):
    return scored_company_make(org_chart)


@pytest.fixture
def quality_draft(scored_company):
    return quality_draft_make(scored_company["admin"])
