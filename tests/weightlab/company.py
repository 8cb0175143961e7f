"""A small scored company for the lab: two teams' people worked two past months, published
with the built-in schemes; an admin's draft for their level that weighs quality nine times
anything else."""

from django.db import transaction

from indicators import scheme_services
from indicators.models import SchemeMatrix, WeightScheme
from org.models import Level
from scoring.services import compute_period
from tests.clock import months_ago
from tests.scoring.test_pipeline import _month_of_work

MONTHS = [months_ago(3), months_ago(2)]
# Per person and month: hours to confirm an order and the customers' rating (1–5).
WORK = {
    "east_a": [(1, 4), (2, 4)],
    "east_b": [(20, 5), (16, 4)],
    "east_manager": [(6, 4), (8, 5)],
    "south_a": [(3, 5), (30, 5)],
    "south_manager": [(12, 4), (4, 4)],
}


def scored_company_make(org_chart: dict) -> dict:
    for key, months in WORK.items():
        for month, (hours, csat) in zip(MONTHS, months, strict=True):
            _month_of_work(org_chart[key], month, response_hours=hours, csat=csat)
    for month in MONTHS:
        with transaction.atomic():
            compute_period(month)
    return org_chart


def quality_draft_make(admin, tier: str = "quality") -> WeightScheme:
    """The draft, weighing ``tier`` nine times any other."""
    draft = scheme_services.scheme_draft_create(
        user=admin, level=Level.INTERMEDIATE, effective_from=MONTHS[0].start
    )
    tiers = SchemeMatrix.objects.filter(scheme=draft, matrix="tiers").first()
    judgments = [
        [1.0 if a == b else (9.0 if a == tier else 1 / 9 if b == tier else 1.0)
         for b in tiers.items]
        for a in tiers.items
    ]  # fmt: skip
    scheme_services.scheme_judgments_set(
        scheme=draft, user=admin, matrix="tiers", judgments=judgments, expert=tiers.expert
    )
    draft.refresh_from_db()
    return draft
