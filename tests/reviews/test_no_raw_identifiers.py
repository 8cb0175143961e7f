"""Every page of a review cycle and its bonus pool, as each role reads it in both languages,
shows no raw identifier (no ``snake_case`` name, no ``#id``, no regular expression): the
cycle list and set-up form, the cycle, a review form, the calibration, a result, the pools,
a pool's sheet and form, and one's own bonus."""

import pytest
from django.urls import reverse

from tests.identifiers import raw_identifiers

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def pages(org_chart, cycle, closed_with_pool) -> dict[str, list[str]]:
    """The quarter reviewed, computed, closed and its pool computed: the pages each role
    opens."""
    result, pool = closed_with_pool
    me = org_chart["east_a"]
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
