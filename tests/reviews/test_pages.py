"""The review pages per role: the cycle list, a cycle with one's reviews to write (and HR's
results and actions), and the review form, a manager's beside the person's scores."""

import pytest
from django.urls import reverse

from reviews.models import CycleState, Review, ReviewKind
from reviews.services import cycle_results_compute, review_submit
from tests.reviews.conftest import MONTHS, rated
from tests.reviews.factories import IncidentFactory

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize("key", ["east_a", "east_manager", "hr", "admin"])
def test_the_cycle_list_shows_the_cycle(as_user, cycle, key):
    page = as_user(key).get(reverse("reviews:list"), **ENGLISH)
    assert page.status_code == 200
    assert "2026 第三季度考核" in page.content.decode()


def test_a_cycles_teams_are_listed_as_each_language_lists(as_user, org_chart, cycle):
    cycle.teams.add(org_chart["teams"]["south"])
    client = as_user("hr")
    for language, joined in [
        ("en", "华东跟单一组, 华南跟单二组"),
        ("zh-hans", "华东跟单一组、华南跟单二组"),
    ]:
        listed = client.get(reverse("reviews:list"), HTTP_ACCEPT_LANGUAGE=language)
        assert joined in listed.content.decode()
        facts = client.get(
            reverse("reviews:detail", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
        assert joined in facts.content.decode()


def test_anonymous_callers_are_sent_to_sign_in(client, cycle):
    for url in (
        reverse("reviews:list"),
        reverse("reviews:detail", args=[cycle.pk]),
        reverse("reviews:review", args=[cycle.pk, 1]),
    ):
        assert client.get(url).status_code == 302


def test_someone_of_another_team_has_no_cycle(as_user, cycle):
    client = as_user("south_a")
    assert "No review cycle yet." in client.get(reverse("reviews:list"), **ENGLISH).content.decode()
    assert client.get(reverse("reviews:detail", args=[cycle.pk])).status_code == 404


def test_a_merchandiser_sees_her_self_review_to_write_and_the_formula(as_user, cycle):
    page = as_user("east_a").get(reverse("reviews:detail", args=[cycle.pk]), **ENGLISH)
    text = page.content.decode()
    assert text.count('data-testid="task-row"') == 1 and "Self-review" in text
    assert "final = 0.70 × KPI part + (1 − 0.70) × qualitative part" in text
    assert 'data-testid="compute"' not in text


def test_a_manager_sees_the_reviews_of_their_people_and_their_own(
    as_user, org_chart, cycle, django_assert_max_num_queries
):
    with django_assert_max_num_queries(38):  # 37, and the header's unread notices (then cached)
        page = as_user("east_manager").get(reverse("reviews:detail", args=[cycle.pk]), **ENGLISH)
    text = page.content.decode()
    assert text.count('data-testid="task-row"') == 4  # 陈主管 himself, 王芳, 李强, 张伟
    assert text.count("<td>Manager review</td>") == 3


def test_hr_computes_and_sees_the_results_in_words(as_user, org_chart, cycle, published):
    client = as_user("hr")
    review_submit(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.MANAGER,
        ratings=rated(4, 5, 3),
    )
    answer = client.post(reverse("reviews:compute", args=[cycle.pk]))
    assert answer.status_code == 302
    text = client.get(reverse("reviews:detail", args=[cycle.pk]), **ENGLISH).content.decode()
    assert text.count('data-testid="result-row"') == 4
    assert "82.00" in text and "KPI and manager review" in text  # 王芳
    assert "KPI only: no manager review" in text  # 李强 and 张伟
    assert "Not scored: no published KPI score and no manager review" in text  # 陈主管, no 0


@pytest.mark.parametrize("key", ["east_a", "east_manager"])
def test_only_hr_computes_and_closes(as_user, cycle, key):
    client = as_user(key)
    assert client.post(reverse("reviews:compute", args=[cycle.pk])).status_code == 403
    assert client.post(reverse("reviews:close", args=[cycle.pk])).status_code == 403
    cycle.refresh_from_db()
    assert cycle.state == CycleState.OPEN


def test_the_self_review_form_shows_each_rating_with_its_behaviour(as_user, org_chart, cycle):
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    text = as_user("east_a").get(url, **ENGLISH).content.decode()
    assert "Your self-review" in text
    assert "4 · Teamwork at 4" in text
    assert 'data-testid="scorecard-summary"' not in text  # her own scores are on her scorecard
    chinese = as_user("east_a").get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "4 · 团队协作4分的表现" in chinese


def test_a_self_review_is_submitted_from_the_form(as_user, org_chart, cycle):
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    body = {f"rating_{code}": value for code, value in rated(5, 4, 4).items()}
    body["comment_teamwork"] = "带新人熟悉ERP"
    answer = as_user("east_a").post(url, body)
    assert answer.status_code == 302
    review = Review.objects.get(employee=org_chart["east_a"], kind=ReviewKind.SELF)
    assert {r.competency.code: r.rating for r in review.ratings.all()} == rated(5, 4, 4)


def test_a_form_with_a_rating_missing_says_so(as_user, org_chart, cycle):
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    body = {"rating_communication": 4, "rating_teamwork": 4}
    answer = as_user("east_a").post(url, body, **ENGLISH)
    assert answer.status_code == 400
    assert "Choose a rating." in answer.content.decode()
    assert not Review.objects.exists()


def test_the_manager_reviews_beside_the_persons_scores_incidents_and_self_review(
    as_user, org_chart, cycle, published, django_assert_max_num_queries
):
    review_submit(
        user=org_chart["east_c"].user,
        cycle=cycle,
        employee=org_chart["east_c"],
        kind=ReviewKind.SELF,
        ratings=rated(4, 4, 5),
        comment="第二个月病假",
    )
    IncidentFactory(
        employee=org_chart["east_c"],
        author=org_chart["east_manager"].user,
        day=MONTHS[2].start.replace(day=9),
        note="主动发现供应商交期风险并提前预警",
    )
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_c"].pk])
    with django_assert_max_num_queries(42):  # 40, the kept draft, the unread notices
        page = as_user("east_manager").get(url, **ENGLISH)
    text = page.content.decode()
    assert "Review of 张伟" in text
    assert text.count('data-testid="summary-month"') == 3
    assert "60.0" in text and "70.0" in text
    assert "Not scored: no activity this period" in text  # the second month, in words
    assert "KPI part so far: <strong>65.00</strong>" in text
    assert "主动发现供应商交期风险并提前预警" in text
    assert "Responsibility: 5" in text and "第二个月病假" in text


@pytest.mark.parametrize(("key", "status"), [("south_manager", 404), ("hr", 403), ("east_b", 404)])
def test_nobody_else_reviews_the_person(as_user, org_chart, cycle, key, status):
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    assert as_user(key).get(url).status_code == status


def test_a_review_after_the_cycle_moved_on_is_refused_in_words(as_user, org_chart, cycle):
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    url = reverse("reviews:review", args=[cycle.pk, org_chart["east_a"].pk])
    body = {f"rating_{code}": value for code, value in rated(5, 4, 4).items()}
    answer = as_user("east_a").post(url, body, **ENGLISH)
    assert answer.status_code == 400
    assert "This cannot be done while the cycle is Calibrating." in answer.content.decode()
