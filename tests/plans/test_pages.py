"""The plan pages for every role: who opens which page, who may act from it, the scorecard's
button on a flagged month, and a form's refusals under their fields."""

import datetime as dt

import pytest

from plans.models import CheckIn, CoachingNote, ImprovementPlan
from tests.clock import THIS_MONTH, months_ago
from tests.plans.conftest import ROLES
from tests.plans.factories import indicator, published_values

pytestmark = pytest.mark.django_db

SEES_PLAN = {"east_a", "east_b", "east_manager", "hr"}


def expected(role, allowed: int, *, visible=SEES_PLAN, forbidden=()) -> int:
    if role is None:
        return 302  # to the login page
    if role in visible - set(forbidden):
        return allowed
    return 403 if role in forbidden else 404


@pytest.mark.parametrize("role", ROLES)
def test_the_plan_list_shows_only_ones_plans(plan, sign_in, role):
    page = sign_in(role).get("/plans/")
    if role is None:
        assert page.status_code == 302
        return
    assert page.status_code == 200
    assert ("王芳" in page.content.decode()) == (role in SEES_PLAN)


@pytest.mark.parametrize("role", ROLES)
def test_the_plan_page(plan, sign_in, role, django_assert_max_num_queries):
    client = sign_in(role)
    with django_assert_max_num_queries(16):
        page = client.get(f"/plans/{plan.pk}/")
    assert page.status_code == expected(role, 200)
    if page.status_code == 200:
        html = page.content.decode()
        check_in = html.split('data-testid="check-in"', 1)[1].split("</li>", 1)[0]
        # Written by the mentor, named as the person, not by the login.
        assert "回访三家客户" in check_in and "李强" in check_in and "east_b" not in check_in
        assert ('data-testid="check-in-form"' in html) == (role in {"east_b", "east_manager", "hr"})
        assert ('data-testid="close-plan"' in html) == (role in {"east_manager", "hr"})
        assert ('data-testid="send-reply"' in html) == (role == "east_a")


@pytest.mark.parametrize("role", ROLES)
def test_starting_a_plan_page(org_chart, sign_in, role):
    page = sign_in(role).get(f"/plans/new/{org_chart['east_a'].pk}/")
    assert page.status_code == expected(
        role, 200, visible={"east_manager", "hr", "east_a", "admin"}, forbidden={"east_a", "admin"}
    )


@pytest.mark.parametrize(
    ("role", "path", "data", "allowed", "forbidden"),
    [(r, "check-in/", {"day": THIS_MONTH.start, "note": "好"}, 302, {"east_a"}) for r in ROLES]
    + [
        (r, "extend/", {"new_end": "+30", "reason": "再观察"}, 302, {"east_a", "east_b"})
        for r in ROLES
    ]
    + [(r, "close/", {}, 302, {"east_a", "east_b"}) for r in ROLES],
)
def test_plan_actions(plan, sign_in, role, path, data, allowed, forbidden):
    if data.get("new_end") == "+30":
        data = {**data, "new_end": plan.end + dt.timedelta(days=30)}
    answer = sign_in(role).post(f"/plans/{plan.pk}/{path}", data)
    code = expected(role, allowed, forbidden=forbidden)
    assert answer.status_code == code
    if role is not None and code == 302:
        assert answer["Location"] == f"/plans/{plan.pk}/"


@pytest.mark.parametrize("role", ROLES)
def test_replying(plan, sign_in, role):
    check_in = CheckIn.objects.get()
    answer = sign_in(role).post(f"/plans/{plan.pk}/check-ins/{check_in.pk}/reply/", {"reply": "好"})
    assert answer.status_code == expected(role, 302, forbidden={"east_b", "east_manager", "hr"})
    check_in.refresh_from_db()
    assert (check_in.reply == "好") == (role == "east_a")


@pytest.mark.parametrize("role", ROLES)
def test_coaching_notes_page(plan, org_chart, sign_in, role):
    client = sign_in(role)
    person = org_chart["east_a"].pk
    page = client.get(f"/plans/people/{person}/notes/")
    assert page.status_code == expected(role, 200, visible={"east_a", "east_manager", "hr"})
    if page.status_code == 200:
        html = page.content.decode()
        assert "一对一：首次解决率的改进" in html
        assert org_chart["east_manager"].name in html
        assert org_chart["east_manager"].user.username not in html
        assert ('data-testid="note-form"' in html) == (role != "east_a")
    posted = client.post(
        f"/plans/people/{person}/notes/", {"day": THIS_MONTH.start, "note": "再谈一次"}
    )
    assert posted.status_code == expected(
        role, 302, visible={"east_a", "east_manager", "hr"}, forbidden={"east_a"}
    )
    assert CoachingNote.objects.count() == (2 if role in {"east_manager", "hr"} else 1)


def test_the_scorecard_offers_a_plan_on_a_flagged_month_and_the_form_starts_it(org_chart, sign_in):
    person = org_chart["east_a"]
    published_values(person, {months_ago(1): {"first_contact_resolution": 55.0}}, flagged=True)
    client = sign_in("east_manager")
    card = client.get(f"/people/{person.pk}/?period={months_ago(1).label}").content.decode()
    link = f"/plans/new/{person.pk}/?period={months_ago(1).label}"
    assert link in card
    form = client.get(link)
    assert 'data-testid="flagged-month"' in form.content.decode()
    fcr = indicator("first_contact_resolution")

    def post(**changes):
        """The form as filled: 李强 mentoring from this month, one goal (FCR 70)."""
        body = {"mentor": org_chart["east_b"].pk, "start": THIS_MONTH.start}
        return client.post(link, body | {"indicator_0": fcr.pk, "target_0": "70"} | changes)

    bad = post(end=THIS_MONTH.start, indicator_0="", target_0="")
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"indicator_0"}
    assert set(post(end=THIS_MONTH.start).context["form"].errors) == {"end"}
    # The mentor is chosen among the manager's teams only: another team's person is not offered
    # (nor named), and 90 days from a start in 9999 is no date.
    assert org_chart["south_a"].name not in form.content.decode()
    assert set(post(mentor=org_chart["south_a"].pk).context["form"].errors) == {"mentor"}
    late = post(start="9999-12-01")
    assert late.status_code == 400 and set(late.context["form"].errors) == {"start"}
    started = post()
    plan = ImprovementPlan.objects.get()
    assert started["Location"] == f"/plans/{plan.pk}/"
    assert plan.flagged_period == months_ago(1).start


def test_the_person_never_sees_the_plan_button_on_her_own_scorecard(org_chart, sign_in):
    person = org_chart["east_a"]
    published_values(person, {months_ago(1): {"first_contact_resolution": 55.0}}, flagged=True)
    card = sign_in("east_a").get(f"/me/?period={months_ago(1).label}").content.decode()
    assert "/plans/new/" not in card
