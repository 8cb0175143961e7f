"""Every page of a review cycle and its bonus pool, as each role reads it in both languages,
shows no raw identifier (no ``snake_case`` name, no ``#id``, no regular expression): the
cycle list and set-up form, the cycle, a review form, the calibration, a result, the pools,
a pool's sheet and form, and one's own bonus."""

import pytest
from django.urls import reverse

from bonus.services import pool_compute, pool_create
from reviews.models import CycleResult, ReviewKind
from reviews.services import cycle_close, cycle_results_compute, review_submit
from tests.bonus.conftest import spec
from tests.identifiers import raw_identifiers
from tests.reviews.conftest import rated

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def pages(org_chart, cycle, published) -> dict[str, list[str]]:
    """The quarter reviewed, computed, closed and its pool computed: the pages each role
    opens."""
    hr, me = org_chart["hr"].user, org_chart["east_a"]
    review_submit(
        user=me.user, cycle=cycle, employee=me, kind=ReviewKind.SELF, ratings=rated(5, 4, 4)
    )
    review_submit(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=me,
        kind=ReviewKind.MANAGER,
        ratings=rated(4, 5, 3),
    )
    cycle_results_compute(user=hr, cycle=cycle)
    result = CycleResult.objects.get(cycle=cycle, employee=me)
    cycle_close(user=hr, cycle=cycle)
    pool = pool_compute(user=hr, pool=pool_create(user=hr, cycle=cycle, spec=spec()))
    cycle_pages = [
        reverse("reviews:list"),
        reverse("reviews:detail", args=[cycle.pk]),
        reverse("reviews:result", args=[result.pk]),
    ]
    return {
        "east_a": [
            *cycle_pages,
            reverse("reviews:review", args=[cycle.pk, me.pk]),
            reverse("bonus:mine"),
        ],
        "east_manager": [*cycle_pages, reverse("reviews:calibration", args=[cycle.pk])],
        "hr": [
            *cycle_pages,
            reverse("reviews:new"),
            reverse("reviews:calibration", args=[cycle.pk]),
            reverse("bonus:cycle", args=[cycle.pk]),
            reverse("bonus:new", args=[cycle.pk]),
            reverse("bonus:pool", args=[pool.pk]),
            reverse("bonus:edit", args=[pool.pk]),
        ],
    }


def test_review_and_bonus_pages_show_no_raw_identifiers(as_user, pages):
    found = {}
    for role in ["east_a", "east_manager", "hr"]:
        client = as_user(role)
        for url in pages[role]:
            for language in LANGUAGES:
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200, (role, url)
                if raw := raw_identifiers(response.content.decode()):
                    found[(role, url, language)] = raw
    assert found == {}
