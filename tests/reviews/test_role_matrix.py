"""Every page and API endpoint of the review cycles and the bonus pool (issue 21) × every role:
what a GET answers, and that a POST by someone who may not is refused before anything is done.

The routes are read from the URL configuration, not listed by hand: a route added to
``reviews.urls``, ``reviews.api_urls``, ``bonus.urls`` or ``bonus.api_urls`` without its row
here fails the first test. The state: 王芳's quarter reviewed, computed, closed (one result
acknowledged by nobody yet) and its pool computed; a second quarter open for reviews."""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reviews.models import ReviewKind
from tests.reviews.conftest import COMPETENCIES, MONTHS

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "east_a", "east_b", "east_manager", "south_manager", "hr", "admin"]
# What each role's GET answers, in ROLES' order. 302: sent to sign in; 405: the route only
# writes (a role refused the route altogether is refused first, whatever the method).
SIGN_IN = 302
PAGES = {
    # The cycles one may see: a list for everyone signed in.
    "reviews:list": [SIGN_IN, 200, 200, 200, 200, 200, 200],
    "reviews:new": [SIGN_IN, 403, 403, 403, 403, 200, 200],
    "reviews:open": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    # The cycle is the east team's: the south manager does not see it.
    "reviews:detail": [SIGN_IN, 200, 200, 200, 404, 200, 200],
    "reviews:compute": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    "reviews:close": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    # 王芳's review: her self-review, her manager's review; nobody else writes one.
    "reviews:review": [SIGN_IN, 200, 404, 200, 404, 403, 403],
    "reviews:calibration": [SIGN_IN, 403, 403, 200, 404, 200, 200],
    "reviews:calibration_move": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    # 王芳's result, once closed: hers, her manager's, HR's and admins'.
    "reviews:result": [SIGN_IN, 200, 404, 200, 404, 200, 200],
    "reviews:result_acknowledge": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    # Her critical incidents: she reads them; her manager, HR and admins also note them.
    "reviews:incidents": [SIGN_IN, 200, 404, 200, 404, 200, 200],
    "bonus:mine": [SIGN_IN, 200, 200, 200, 200, 200, 200],
    "bonus:cycle": [SIGN_IN, 403, 403, 403, 403, 200, 200],
    "bonus:new": [SIGN_IN, 403, 403, 403, 403, 200, 200],
    # A pool is read by whoever may read a line of it: one's own once the cycle is closed, a
    # manager's people's (``test_whose_bonus_lines_each_role_reads``).
    "bonus:pool": [SIGN_IN, 200, 200, 200, 404, 200, 200],
    "bonus:edit": [SIGN_IN, 403, 403, 403, 403, 200, 200],
    "bonus:override": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    "bonus:override_remove": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    "bonus:compute": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    "bonus:lock": [SIGN_IN, 405, 405, 405, 405, 405, 405],
    "bonus:export": [SIGN_IN, 403, 403, 403, 403, 200, 200],
}
API = {
    "api-review-cycles": [403, 200, 200, 200, 200, 200, 200],
    "api-review-cycle": [403, 200, 200, 200, 404, 200, 200],
    "api-review-submit": [403, 405, 405, 405, 405, 405, 405],
    "api-review-results": [403, 200, 200, 200, 404, 200, 200],
    "api-review-open": [403, 403, 403, 403, 403, 405, 405],
    "api-review-compute": [403, 403, 403, 403, 403, 405, 405],
    "api-review-distribution": [403, 403, 403, 200, 404, 200, 200],
    "api-reviews-mine": [403, 200, 200, 200, 200, 200, 200],
    "api-review-incidents": [403, 200, 200, 200, 200, 200, 200],
    "api-review-result": [403, 200, 404, 200, 404, 200, 200],
    "api-review-calibrate": [403, 405, 405, 405, 405, 405, 405],
    "api-review-acknowledge": [403, 405, 405, 405, 405, 405, 405],
    "api-bonus-pools": [403, 200, 200, 200, 404, 200, 200],
    "api-bonus-pool": [403, 200, 200, 200, 404, 200, 200],
    "api-bonus-coefficients": [403, 403, 403, 403, 403, 405, 405],
    "api-bonus-overrides": [403, 403, 403, 403, 403, 200, 200],
    "api-bonus-override": [403, 403, 403, 403, 403, 405, 405],
    "api-bonus-compute": [403, 403, 403, 403, 403, 405, 405],
    "api-bonus-lock": [403, 403, 403, 403, 403, 405, 405],
    "api-bonus-lines": [403, 200, 200, 200, 404, 200, 200],
    "api-bonus-export": [403, 403, 403, 403, 403, 200, 200],
    "api-bonus-mine": [403, 200, 200, 200, 200, 200, 200],
}
# Who may POST to each route that takes one; everyone else is refused (403, 404 or, anonymous
# on a page, sent to sign in) whatever the body.
WRITERS = {
    "reviews:new": {"hr", "admin"},
    "reviews:open": {"hr", "admin"},
    "reviews:compute": {"hr", "admin"},
    "reviews:close": {"hr", "admin"},
    "reviews:review": {"east_a", "east_manager"},
    "reviews:calibration_move": {"east_manager", "hr", "admin"},
    "reviews:result_acknowledge": {"east_a"},
    "reviews:incidents": {"east_manager", "hr", "admin"},
    "bonus:new": {"hr", "admin"},
    "bonus:edit": {"hr", "admin"},
    "bonus:override": {"hr", "admin"},
    "bonus:override_remove": {"hr", "admin"},
    "bonus:compute": {"hr", "admin"},
    "bonus:lock": {"hr", "admin"},
    "api-review-cycles": {"hr", "admin"},
    "api-review-submit": {"east_a", "east_manager"},
    "api-review-open": {"hr", "admin"},
    "api-review-compute": {"hr", "admin"},
    "api-review-incidents": {"east_manager", "hr", "admin"},
    "api-review-calibrate": {"east_manager", "hr", "admin"},
    "api-review-acknowledge": {"east_a"},
    "api-bonus-pools": {"hr", "admin"},
    "api-bonus-pool": {"hr", "admin"},
    "api-bonus-coefficients": {"hr", "admin"},
    "api-bonus-overrides": {"hr", "admin"},
    "api-bonus-override": {"hr", "admin"},
    "api-bonus-compute": {"hr", "admin"},
    "api-bonus-lock": {"hr", "admin"},
}
# The method that writes, where it is not POST.
WRITE_METHOD = {
    "api-bonus-pool": "put",
    "api-bonus-coefficients": "put",
    "api-bonus-override": "delete",
}
REFUSED = {403, 404, 405}


def _routes() -> dict[str, URLPattern]:
    """Every named route of the two apps, pages by ``namespace:name``, API by its name."""
    found = {}

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name and (
                namespace in ("reviews", "bonus")
                or pattern.name.startswith(("api-review", "api-bonus"))
            ):
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def urls(org_chart, cycle, closed_with_pool) -> dict[str, str]:
    result, pool = closed_with_pool
    values = {
        "cycle_id": cycle.pk,
        "employee_id": org_chart["east_a"].pk,
        "result_id": result.pk,
        "pool_id": pool.pk,
    }
    made = {}
    for name, pattern in _routes().items():
        wanted = pattern.pattern.regex.groupindex
        made[name] = reverse(name, kwargs={key: values[key] for key in wanted})
    return made


def _client(client, org_chart, role: str):
    client.logout()
    if role != "anonymous":
        person = org_chart[role]
        client.force_login(person if role == "admin" else person.user)
    return client


def test_every_route_of_the_review_and_bonus_apps_has_its_row():
    assert set(_routes()) == set(PAGES) | set(API)
    assert set(WRITERS) <= set(PAGES) | set(API)


def test_what_each_role_reads(client, org_chart, urls):
    answered = {}
    for name, url in urls.items():
        answered[name] = [
            _client(client, org_chart, role).get(url, HTTP_ACCEPT_LANGUAGE="en").status_code
            for role in ROLES
        ]
    assert answered == {**PAGES, **API}


def _bodies(org_chart) -> dict[str, dict]:
    """A body that would do something, aimed at 王芳, for the API routes whose target is in
    the body (the others' targets are in the address)."""
    me = org_chart["east_a"].pk
    return {
        "api-review-submit": {
            "employee_id": me,
            "kind": ReviewKind.MANAGER,
            "ratings": [{"competency": code, "rating": 4} for code, _weight in COMPETENCIES],
        },
        "api-review-incidents": {"employee_id": me, "day": f"{MONTHS[2].start}", "note": "交期"},
        "api-review-calibrate": {"grade": "S", "reason": "承接重点客户"},
    }


def _written() -> int:
    """Every version the review and bonus models have kept: any write adds one."""
    return sum(
        model.objects.count()
        for app in ("reviews", "bonus")
        for model in apps.get_app_config(app).get_models()
        if model.__name__.startswith("Historical")
    )


def test_who_may_not_write_is_refused_and_nothing_is_written(client, org_chart, urls):
    """A POST by each role not among the route's writers: refused (403 or 404; 405 where the
    route is read-only; anonymous callers of a page are sent to sign in) or, for an API route
    whose target is in the body, a 400 naming the target; and no version of anything kept."""
    bodies = _bodies(org_chart)
    before = _written()
    assert before > 0  # the set-up's versions are counted
    wrong = {}
    for name, url in urls.items():
        writers = WRITERS.get(name, set())
        body = bodies.get(name)
        for role in ROLES:
            if role in writers:
                continue
            send = getattr(_client(client, org_chart, role), WRITE_METHOD.get(name, "post"))
            if body is None:
                status = send(url, {}).status_code
            else:
                status = send(url, body, content_type="application/json").status_code
            refused = REFUSED | ({SIGN_IN} if role == "anonymous" and ":" in name else set())
            if body is not None and role != "anonymous":
                refused |= {400}
            if status not in refused:
                wrong[(name, role)] = status
    assert wrong == {}
    assert _written() == before


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("east_a", {"王芳"}),
        ("east_b", {"李强"}),
        ("east_manager", {"陈主管", "王芳", "李强", "张伟"}),
        ("hr", {"陈主管", "王芳", "李强", "张伟"}),
    ],
)
def test_whose_bonus_lines_each_role_reads(client, org_chart, urls, role, names):
    lines = _client(client, org_chart, role).get(urls["api-bonus-lines"]).json()
    assert {line["employee_name"] for line in lines["results"]} == names
