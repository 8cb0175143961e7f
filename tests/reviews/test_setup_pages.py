"""The set-up page (HR and admins), opening a draft, review drafts on the form, the reminders
where people land and HR's completion counts; every page × role."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.models import Level
from reviews.models import CycleState, Review, ReviewCycle, ReviewKind, ReviewState
from reviews.reminders import pending_reviews
from reviews.services import review_draft_save, review_submit
from reviews.setup_forms import _initial_competencies
from tests.clock import THIS_MONTH, at
from tests.factories import EmployeeFactory
from tests.reviews.conftest import MONTHS, rated

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _setup_body(org_chart, **changes) -> dict:
    body = {
        "name": "2026 第三季度考核",
        "kind": "quarter",
        "first_month": MONTHS[0].label,
        "scope": "teams",
        "teams": [org_chart["teams"]["east"].pk],
        "self_review_due": f"{THIS_MONTH.start.replace(day=24):%Y-%m-%d}",
        "manager_review_due": f"{THIS_MONTH.start.replace(day=28):%Y-%m-%d}",
        "kpi_weight": "0.7",
        "action": "open",
    }
    for level in Level.values:
        rows = _initial_competencies()
        body |= {
            f"{level}-TOTAL_FORMS": str(len(rows) + 1),
            f"{level}-INITIAL_FORMS": str(len(rows)),
            f"{level}-level-self_review_weight": "0",
        }
        for index, row in enumerate(rows):
            body |= {f"{level}-{index}-{key}": value for key, value in row.items()}
    return body | changes


@pytest.mark.parametrize(
    ("key", "status"), [("east_a", 403), ("east_manager", 403), ("hr", 200), ("admin", 200)]
)
def test_the_set_up_page_is_hrs(as_user, key, status):
    page = as_user(key).get(reverse("reviews:new"), **ENGLISH)
    assert page.status_code == status
    if status == 200:
        text = page.content.decode()
        assert text.count('data-testid="competency-setup"') == 3 * 5  # 4 defaults + 1 blank
        assert "沟通" in text and "Service attitude" in text


def test_anonymous_callers_are_sent_to_sign_in(client, cycle):
    assert client.get(reverse("reviews:new")).status_code == 302
    assert client.post(reverse("reviews:open", args=[cycle.pk])).status_code == 302


def test_hr_opens_a_cycle_from_the_default_template(as_user, org_chart):
    answer = as_user("hr").post(reverse("reviews:new"), _setup_body(org_chart))
    cycle = ReviewCycle.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "reviews:detail", args=[cycle.pk]
    )
    assert (cycle.state, cycle.last_period) == (CycleState.OPEN, MONTHS[2].start)
    assert list(cycle.teams.all()) == [org_chart["teams"]["east"]]
    assert cycle.templates.count() == 3
    codes = list(cycle.templates.get(level="senior").competencies.values_list("code", flat=True))
    assert codes == ["communication", "teamwork", "responsibility", "service-attitude"]


def test_hr_edits_removes_and_adds_competencies(as_user, org_chart):
    body = _setup_body(
        org_chart,
        **{
            "action": "draft",
            "junior-0-weight": "0.5",
            "junior-3-remove": "on",
            "junior-4-name_zh": "学习能力",
            "junior-4-name_en": "Learning",
            "junior-4-weight": "0.2",
            **{f"junior-4-anchor_{r}_zh": f"学习{r}" for r in range(1, 6)},
            **{f"junior-4-anchor_{r}_en": f"Learning {r}" for r in range(1, 6)},
        },
    )
    assert as_user("hr").post(reverse("reviews:new"), body).status_code == 302
    cycle = ReviewCycle.objects.get()
    assert cycle.state == CycleState.DRAFT
    junior = cycle.templates.get(level="junior").competencies.order_by("position")
    assert [(c.name_en, c.weight) for c in junior] == [
        ("Communication", 0.5),
        ("Teamwork", 0.25),
        ("Responsibility", 0.25),
        ("Learning", 0.2),
    ]
    assert as_user("hr").post(reverse("reviews:open", args=[cycle.pk])).status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == CycleState.OPEN


def test_adding_a_competency_shows_one_more_blank(as_user, org_chart):
    body = _setup_body(org_chart, more="senior")
    page = as_user("hr").post(reverse("reviews:new"), body, **ENGLISH)
    assert page.status_code == 200 and not ReviewCycle.objects.exists()
    assert page.content.decode().count('data-testid="competency-setup"') == 3 * 5 + 1


@pytest.mark.parametrize("count", ["x", "", "9" * 5000, "-1"])
def test_adding_a_competency_to_a_tampered_count_is_no_server_error(as_user, org_chart, count):
    body = _setup_body(org_chart, more="senior") | {"senior-TOTAL_FORMS": count}
    page = as_user("hr").post(reverse("reviews:new"), body, **ENGLISH)
    # The page comes back to be filled in (adding saves nothing), whatever the count said.
    assert page.status_code == 200 and not ReviewCycle.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kpi_weight": "1.5"}, "The KPI weight is a share from 0 to 1 (0.7 for 70%), not 1.5."),
        (
            {"senior-level-kpi_weight": "1.2"},
            "The KPI weight is a share from 0 to 1 (0.7 for 70%), not 1.2.",
        ),
        ({"first_month": "2026-Q3"}, "Choose a month (YYYY-MM)."),
        ({"scope": "teams", "teams": []}, "Choose at least one team, or the whole company."),
        ({"senior-1-anchor_3_en": ""}, "Describe the behaviour that earns a 3 in English."),
        (
            {f"intermediate-{i}-remove": "on" for i in range(4)},
            "A template needs at least one competency.",
        ),
        ({"junior-2-weight": "0"}, "A competency&#x27;s weight is more than 0 and at most 100."),
        (
            {"junior-2-weight": "1e307"},
            "A competency&#x27;s weight is more than 0 and at most 100.",
        ),
        ({"self_review_due": "2020-01-01"}, "is before the cycle begins"),
    ],
)
def test_a_set_up_that_cannot_be_says_why_beside_the_field(as_user, org_chart, changes, message):
    page = as_user("hr").post(reverse("reviews:new"), _setup_body(org_chart, **changes), **ENGLISH)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not ReviewCycle.objects.exists()


def test_a_level_given_its_own_kpi_weight_on_the_page(as_user, org_chart):
    body = _setup_body(org_chart, **{"senior-level-kpi_weight": "0.5"})
    assert as_user("hr").post(reverse("reviews:new"), body, **ENGLISH).status_code == 302
    weights = dict(ReviewCycle.objects.get().templates.values_list("level", "kpi_weight"))
    assert weights == {Level.JUNIOR: None, Level.INTERMEDIATE: None, Level.SENIOR: 0.5}


@pytest.mark.parametrize(("key", "status"), [("east_a", 403), ("east_manager", 403)])
def test_only_hr_opens_a_draft(as_user, org_chart, key, status):
    as_user("hr").post(reverse("reviews:new"), _setup_body(org_chart, action="draft"))
    cycle = ReviewCycle.objects.get()
    assert as_user(key).post(reverse("reviews:open", args=[cycle.pk])).status_code == status
    cycle.refresh_from_db()
    assert cycle.state == CycleState.DRAFT


def test_a_review_form_keeps_a_draft(as_user, org_chart, cycle):
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    client = as_user("east_a")
    body = {"action": "draft", "rating_teamwork": 4, "comment_teamwork": "带新人熟悉ERP"}
    assert client.post(url, body).status_code == 302
    review = Review.objects.get()
    assert review.state == ReviewState.DRAFT
    text = client.get(url, **ENGLISH).content.decode()
    [checked] = re.findall(r'<input type="radio" name="rating_\w+" value="\d"[^>]*checked', text)
    assert 'name="rating_teamwork" value="4"' in checked
    assert "带新人熟悉ERP" in text and "Draft saved" in text
    submit = {"action": "submit", **{f"rating_{c}": v for c, v in rated(5, 4, 3).items()}}
    assert client.post(url, submit).status_code == 302
    review.refresh_from_db()
    assert review.state == ReviewState.SUBMITTED


def _reminders(text: str) -> int:
    return text.count('data-testid="reminder"')


def test_reminders_where_people_land(as_user, org_chart, cycle):
    me = as_user("east_a").get(reverse("dashboards:me"), **ENGLISH).content.decode()
    assert _reminders(me) == 1 and "Your self-review" in me
    assert f"due {THIS_MONTH.start.replace(day=24):%Y-%m-%d}" in me
    team = as_user("east_manager").get(reverse("dashboards:team"), **ENGLISH).content.decode()
    assert _reminders(team) == 4  # 王芳, 李强 and 张伟, and his own self-review
    listed = as_user("east_a").get(reverse("reviews:list"), **ENGLISH).content.decode()
    assert _reminders(listed) == 1
    assert _reminders(as_user("south_a").get(reverse("dashboards:me")).content.decode()) == 0


def test_a_near_deadline_is_highlighted_and_a_passed_one_flagged(org_chart, cycle):
    manager = org_chart["east_manager"].user
    review_submit(
        user=manager,
        cycle=cycle,
        employee=org_chart["east_b"],
        kind=ReviewKind.MANAGER,
        ratings=rated(4, 4, 4),
    )
    review_draft_save(
        user=manager,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.MANAGER,
        ratings={"teamwork": 4},
    )
    with time_machine.travel(at(THIS_MONTH, 26), tick=True):
        tasks = {(t.employee.name, t.kind): t for t in pending_reviews(manager)}
    assert set(tasks) == {("陈主管", "self"), ("王芳", "manager"), ("张伟", "manager")}
    own = tasks[("陈主管", "self")]
    assert (own.overdue, own.days_left) == (True, -2)  # due on the 24th
    draft = tasks[("王芳", "manager")]
    assert (draft.draft, draft.soon, draft.overdue, draft.days_left) == (True, True, False, 2)


def test_reminders_read_the_same_few_queries_whatever_the_team_size(org_chart, cycle):
    manager = org_chart["east_manager"].user
    with CaptureQueriesContext(connection) as few:
        assert len(pending_reviews(manager)) == 4
    for _ in range(10):
        EmployeeFactory(team=org_chart["teams"]["east"])
    manager = type(manager).objects.get(pk=manager.pk)  # a new request's user
    with CaptureQueriesContext(connection) as many:
        assert len(pending_reviews(manager)) == 14
    # Whether a cycle is open, the role, the scope of the cycles and of the people (org's
    # selectors), the open cycles, their teams, the people, the reviews written: none per person.
    assert len(many) == len(few) <= 14


def test_hr_sees_how_far_the_reviews_are(as_user, org_chart, cycle):
    review_submit(
        user=org_chart["east_a"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.SELF,
        ratings=rated(4, 4, 4),
    )
    page = as_user("hr").get(reverse("reviews:detail", args=[cycle.pk]), **ENGLISH)
    text = page.content.decode()
    assert "1 of 4 submitted" in text and "0 of 4 submitted" in text
    assert "overdue" not in text
    with time_machine.travel(at(THIS_MONTH, 25), tick=True):
        text = as_user("hr").get(reverse("reviews:detail", args=[cycle.pk]), **ENGLISH)
        assert "3 overdue" in text.content.decode()
    merchandiser = as_user("east_a").get(reverse("reviews:detail", args=[cycle.pk]))
    assert 'data-testid="completion"' not in merchandiser.content.decode()
