"""Calibration and sign-off, pages and API, against the database.

The east quarter (tests.reviews.conftest) computed: 王芳 KPI (80 + 90 + 85) / 3 = 85, her
manager's 4, 5, 3 → 75, final 0.7 × 85 + 0.3 × 75 = 82 → A, growth (5 + 0 + 0) / 2 = +2.5 a
month; 李强 KPI 95 alone → S, growth +3; 张伟 KPI (60 + 70) / 2 = 65 alone → C, growth +10 over
two months = +5; 陈主管 not scored. Three graded: the target expects S 0, A 1, B 1, C 1, D 0."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.models import Role
from reviews.models import CycleResult, CycleState, ReviewKind
from reviews.services import (
    calibration_move,
    cycle_close,
    cycle_results_compute,
    result_acknowledge,
    review_submit,
)
from tests.factories import EmployeeFactory
from tests.identifiers import raw_identifiers
from tests.reviews.conftest import MONTHS, rated
from tests.reviews.factories import CycleResultFactory, ReviewCycleFactory, published_totals

pytestmark = pytest.mark.django_db
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
API = "/api/v1/reviews"
# Everybody who may ask: the person (王芳), another employee of her team, her manager, the
# manager of another team, HR, an admin.
KEYS = ["east_a", "east_b", "east_manager", "south_manager", "hr", "admin"]


@pytest.fixture
def computed(org_chart, cycle, published):
    """The quarter in calibration; 王芳's manager reviewed her (4, 5, 3)."""
    review_submit(
        user=org_chart["east_manager"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.MANAGER,
        ratings=rated(4, 5, 3),
        comments={"teamwork": "带新人熟悉ERP"},
    )
    review_submit(
        user=org_chart["east_a"].user,
        cycle=cycle,
        employee=org_chart["east_a"],
        kind=ReviewKind.SELF,
        ratings=rated(5, 5, 4),
    )
    cycle_results_compute(user=org_chart["hr"].user, cycle=cycle)
    return cycle


def _result(org_chart, key: str) -> CycleResult:
    return CycleResult.objects.get(employee=org_chart[key])


def _calibration(cycle) -> str:
    return reverse("reviews:calibration", args=[cycle.pk])


def _move(cycle, result) -> str:
    return reverse("reviews:calibration_move", args=[cycle.pk, result.pk])


def _body(result, grade: str, reason: str) -> dict:
    return {f"r{result.pk}-grade": grade, f"r{result.pk}-reason": reason}


# The calibration page and its API ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("east_a", 403),  # the person calibrated never sees it
        ("east_b", 403),
        ("east_manager", 200),
        ("south_manager", 404),  # the cycle is the east team's
        ("hr", 200),
        ("admin", 200),
    ],
)
def test_who_opens_the_calibration_page(as_user, computed, key, status):
    assert as_user(key).get(_calibration(computed)).status_code == status


def test_anonymous_callers_are_sent_to_sign_in(client, org_chart, computed):
    result = _result(org_chart, "east_a")
    for url in (
        _calibration(computed),
        reverse("reviews:result", args=[result.pk]),
    ):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login/" in answer.url
    for url in (_move(computed, result), reverse("reviews:result_acknowledge", args=[result.pk])):
        assert "/login/" in client.post(url, {}).url
    result.refresh_from_db()
    assert not result.calibrated_grade and result.acknowledged_at is None


def test_the_distribution_against_the_target_and_the_nine_box(as_user, computed):
    text = as_user("hr").get(_calibration(computed), **ENGLISH).content.decode()
    assert text.count('data-testid="distribution-row"') == 2  # the east team, the whole cycle
    assert "Whole cycle" in text and "华东跟单一组" in text
    # S: 1 person (李强) over a target of 0; B: 0 people under a target of 1.
    assert text.count('data-testid="over"') == 2 and text.count('data-testid="under"') == 2
    assert "1 over the target" in text and "1 under the target" in text
    assert "3 people graded" in text
    assert "Not scored" in text
    # 9-box: everybody placed improves; 李强 high (95), 王芳 middle (82), 张伟 low (65).
    assert 'data-box="high-improving"' in text
    high = text.split('data-box="high-improving"')[1].split("</td>")[0]
    middle = text.split('data-box="middle-improving"')[1].split("</td>")[0]
    low = text.split('data-box="low-improving"')[1].split("</td>")[0]
    assert "李强" in high and "+3.00 pts/month" in high
    assert "王芳" in middle and "82.00 pts" in middle and "+2.50 pts/month" in middle
    assert "张伟" in low and "+5.00 pts/month" in low
    not_placed = text.split('data-testid="not-placed"')[1].split("</ul>")[0]
    assert "陈主管" in not_placed and "Not scored in the cycle: no final score" in not_placed
    assert "below -1 declining, -1 to +1 steady, above +1 improving" in text
    assert (
        "Finals are graded by the thresholds: S from 90, A from 80, B from 70, C from 60, "
        "D below." in text
    )
    assert "The KPI part is never edited here" in text
    assert text.count('data-testid="move-form"') == 3  # not for 陈主管: no grade to move
    for language in (ENGLISH, CHINESE):
        page = as_user("hr").get(_calibration(computed), **language).content.decode()
        assert raw_identifiers(page) == []


def test_a_manager_calibrates_their_people_only(as_user, computed):
    text = as_user("east_manager").get(_calibration(computed), **ENGLISH).content.decode()
    assert text.count('data-testid="calibration-row"') == 3  # 王芳, 李强, 张伟; not himself
    assert "All your people" in text


def test_the_calibration_page_reads_the_same_queries_for_more_people(
    as_user, org_chart, computed, django_assert_num_queries
):
    client = as_user("hr")
    client.get(_calibration(computed))  # warm the session and the role
    with CaptureQueriesContext(connection) as few:
        assert client.get(_calibration(computed)).status_code == 200
    for _ in range(15):
        person = EmployeeFactory(team=org_chart["teams"]["east"])
        published_totals(person, {MONTHS[0]: 75.0, MONTHS[1]: 78.0})
    cycle_results_compute(user=org_chart["hr"].user, cycle=computed)
    with django_assert_num_queries(len(few)):
        page = client.get(_calibration(computed))
    assert page.content.decode().count('data-testid="calibration-row"') == 19


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("east_a", 403),
        ("east_b", 403),
        ("east_manager", 200),
        ("south_manager", 404),
        ("hr", 200),
        ("admin", 200),
    ],
)
def test_who_reads_the_distribution_api(as_user, computed, key, status):
    answer = as_user(key).get(f"{API}/cycles/{computed.pk}/distribution/", **ENGLISH)
    assert answer.status_code == status
    if status == 200:
        body = answer.json()
        team, whole = body["distribution"]
        assert (team["name"], whole["is_whole"]) == ("华东跟单一组", True)
        counts = {row["grade"]: (row["expected"], row["actual"]) for row in team["grades"]}
        assert counts == {"S": (0, 1), "A": (1, 1), "B": (1, 0), "C": (1, 1), "D": (0, 0)}
        assert team["not_scored"] == (1 if key != "east_manager" else 0)
        boxes = {(box["performance"], box["growth"]): box["people"] for box in body["nine_box"]}
        assert [person["employee_name"] for person in boxes[("middle", "improving")]] == ["王芳"]
        assert boxes[("middle", "improving")][0]["slope"] == 2.5
        assert body["rules"]["performance_high"] == 85.0


def test_a_cycle_without_results_yet_has_an_empty_distribution(as_user, cycle):
    """The open quarter before HR computes it: nobody graded, nobody placed (schemathesis
    found a 500 here)."""
    answer = as_user("hr").get(f"{API}/cycles/{cycle.pk}/distribution/", **ENGLISH)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["distribution"], body["not_placed"]) == ([], [])
    assert all(box["people"] == [] for box in body["nine_box"])
    page = as_user("hr").get(reverse("reviews:calibration", args=[cycle.pk]))
    assert page.status_code == 200


def test_anonymous_callers_get_no_distribution(client, computed):
    assert client.get(f"{API}/cycles/{computed.pk}/distribution/").status_code == 403


# Moving a grade ----------------------------------------------------------------------------


def test_hr_moves_one_grade_with_a_reason_and_the_result_page_shows_who_before_after_why(
    as_user, org_chart, computed
):
    result = _result(org_chart, "east_a")
    client = as_user("hr")
    reason = "本季度承接两个重点客户，超额完成"
    answer = client.post(_move(computed, result), _body(result, "S", reason))
    assert answer.status_code == 302 and answer.url.endswith(f"#result-{result.pk}")
    result.refresh_from_db()
    assert (result.grade, result.calibrated_grade, result.final) == ("A", "S", 82.0)
    page = client.get(reverse("reviews:result", args=[result.pk]), **ENGLISH).content.decode()
    history = page.split('data-testid="calibration-history"')[1]
    assert "周人事 moved the grade from A to S" in history and reason in history
    board = client.get(_calibration(computed), **ENGLISH).content.decode()
    assert "calibrated" in board and reason in board


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("east_a", 403),
        ("east_b", 403),
        ("east_manager", 302),
        ("south_manager", 404),
        ("hr", 302),
        ("admin", 302),
    ],
)
def test_who_moves_a_grade_on_the_page(as_user, org_chart, computed, key, status):
    result = _result(org_chart, "east_a")
    answer = as_user(key).post(_move(computed, result), _body(result, "B", "交付延误两次"))
    assert answer.status_code == status
    result.refresh_from_db()
    assert result.grade_shown == ("B" if status == 302 else "A")


@pytest.mark.parametrize(
    ("grade", "reason", "says"),
    [
        ("S", "   ", "Why the grade moves: Say why the grade moves."),
        ("", "交付延误", "New grade: Choose a grade: S, A, B, C or D."),
        ("E", "交付延误", "New grade: Choose a grade: S, A, B, C or D."),
        ("A", "交付延误", "New grade: The grade is A already."),
    ],
)
def test_a_move_that_cannot_be_says_why_at_the_field(
    as_user, org_chart, computed, grade, reason, says
):
    result = _result(org_chart, "east_a")
    answer = as_user("hr").post(_move(computed, result), _body(result, grade, reason), **ENGLISH)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert says in text.replace("&#x27;", "'")
    assert "<details open>" in text  # the row's form is open at its error
    result.refresh_from_db()
    assert not result.calibrated_grade


def test_no_move_once_the_cycle_is_closed(as_user, org_chart, computed):
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    result = _result(org_chart, "east_a")
    client = as_user("hr")
    answer = client.post(_move(computed, result), _body(result, "S", "超额完成"), **ENGLISH)
    assert answer.status_code == 400
    assert "This cannot be done while the cycle is Closed." in answer.content.decode()
    board = client.get(_calibration(computed), **ENGLISH).content.decode()
    assert 'data-testid="move-form"' not in board
    assert "Grades move only while the cycle is calibrating." in board


def test_a_result_of_another_cycle_is_not_moved_from_this_one(as_user, org_chart, computed):
    other = CycleResultFactory(
        cycle=ReviewCycleFactory(state=CycleState.CALIBRATING), employee=org_chart["east_b"]
    )
    answer = as_user("hr").post(_move(computed, other), _body(other, "S", "x"))
    assert answer.status_code == 404
    other.refresh_from_db()
    assert not other.calibrated_grade


def test_the_api_moves_a_grade_for_the_manager_and_names_the_field(call_api, org_chart, computed):
    result = _result(org_chart, "east_b")  # 95 → S
    url = f"{API}/results/{result.pk}/calibrate/"
    empty = call_api("east_manager").post(url, {"grade": "A", "reason": " "}, "application/json")
    assert empty.status_code == 400 and "reason" in empty.json()
    moved = call_api("east_manager").post(
        url, {"grade": "A", "reason": "客户投诉两次"}, "application/json"
    )
    assert moved.status_code == 200
    [move] = moved.json()["calibrations"]
    assert (move["by"], move["before"], move["after"]) == ("陈主管", "S", "A")
    for key, status in [("south_manager", 404), ("east_b", 404), ("east_a", 404)]:
        answer = call_api(key).post(url, {"grade": "B", "reason": "x"}, "application/json")
        assert answer.status_code == status


@pytest.fixture
def call_api(client, org_chart):
    def as_key(key: str):
        person = org_chart[key]
        client.force_login(person if key == "admin" else person.user)
        return client

    return as_key


def test_nobody_moves_their_own_grade_hr_included(as_user, org_chart, computed):
    """李强 is also in the HR group (the widest role counts): he calibrates his colleagues, never
    himself, on the page or through the API."""
    org_chart["east_b"].user.groups.add(Group.objects.get(name=Role.HR.value))
    client = as_user("east_b")
    own, colleague = _result(org_chart, "east_b"), _result(org_chart, "east_a")
    board = client.get(_calibration(computed), **ENGLISH).content.decode()
    own_row = board.split(f'id="result-{own.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Your own grade: someone else moves it." in own_row
    assert 'data-testid="move-form"' not in own_row
    assert 'data-testid="move-form"' in board.split(f'id="result-{colleague.pk}"', 1)[1]
    refused = client.post(_move(computed, own), _body(own, "A", "自评"), **ENGLISH)
    assert refused.status_code == 400
    assert "Nobody moves their own grade: HR or your manager does." in refused.content.decode()
    api = client.post(
        f"{API}/results/{own.pk}/calibrate/", {"grade": "A", "reason": "x"}, "application/json"
    )
    assert api.status_code == 403
    own.refresh_from_db()
    assert (own.grade_shown, own.calibrated_grade) == ("S", "")
    moved = client.post(_move(computed, colleague), _body(colleague, "B", "交付延误两次"))
    assert moved.status_code == 302


# The result page and the sign-off ----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "calibrating", "closed"),
    [
        ("east_a", 404, 200),  # her own, once the cycle is closed
        ("east_b", 404, 404),
        ("east_manager", 200, 200),
        ("south_manager", 404, 404),
        ("hr", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_who_reads_a_result(as_user, org_chart, computed, key, calibrating, closed):
    url = reverse("reviews:result", args=[_result(org_chart, "east_a").pk])
    assert as_user(key).get(url).status_code == calibrating
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    assert as_user(key).get(url).status_code == closed


def test_the_result_explains_the_final_in_words_with_months_ratings_and_appeal_links(
    as_user, org_chart, computed, django_assert_max_num_queries
):
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    result = _result(org_chart, "east_a")
    url = reverse("reviews:result", args=[result.pk])
    with django_assert_max_num_queries(30):
        page = as_user("east_a").get(url, **ENGLISH)
    text = page.content.decode()
    assert "Final = 0.7 × KPI 85.00 + 0.3 × qualitative 75.00 = 82.00 pts" in text
    assert "KPI part = the mean of 3 scored months (80.0, 90.0, 85.0) = 85.00 pts" in text
    assert "Computed grade A by the thresholds: S from 90, A from 80" in text
    assert text.count('data-testid="result-month"') == 3
    # The pinned clock is on the 18th: last month's window (30 days from its end) is open,
    # the month three months back closed.
    appeals = text.count('data-testid="appeal-month"')
    assert 1 <= appeals <= 2
    assert f"?period={MONTHS[2].label}" in text
    assert "The appeal window closed on" in text
    ratings = text.split('data-testid="result-ratings"')[1]
    assert ratings.count("Communication at 4") == 1  # the manager's, with its behaviour
    assert ratings.count("Teamwork at 5") == 2  # the self-review's and the manager's
    assert "带新人熟悉ERP" in ratings
    assert 'data-testid="acknowledge-form"' in text
    chinese = as_user("east_a").get(url, **CHINESE).content.decode()
    assert "沟通4分的表现" in chinese
    for html in (text, chinese):
        assert raw_identifiers(html) == []


@pytest.mark.parametrize(
    ("key", "basis_text"),
    [
        ("east_b", "Final = KPI 95.00 = 95.00 pts: there is no manager review"),
        ("east_manager", "Not scored: no published KPI score in the cycle's months"),
    ],
)
def test_the_rule_applied_when_a_part_is_missing(as_user, org_chart, computed, key, basis_text):
    url = reverse("reviews:result", args=[_result(org_chart, key).pk])
    text = as_user("hr").get(url, **ENGLISH).content.decode().replace("&#x27;", "'")
    assert basis_text in text


def test_the_employee_acknowledges_and_the_flags_go(as_user, org_chart, computed):
    hr = as_user("hr")
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    detail = hr.get(reverse("reviews:detail", args=[computed.pk]), **ENGLISH).content.decode()
    assert "4 results not acknowledged yet" in detail
    assert detail.count('data-testid="not-acknowledged"') == 4

    client = as_user("east_a")
    listed = client.get(reverse("reviews:list"), **ENGLISH).content.decode()
    assert "You have 1 review result to acknowledge" in listed
    result = _result(org_chart, "east_a")
    url = reverse("reviews:result_acknowledge", args=[result.pk])
    answer = client.post(url, {"comment": "认可，下季度继续提升交付准时率。"})
    assert answer.status_code == 302
    result.refresh_from_db()
    assert result.acknowledged_at is not None
    assert result.employee_comment == "认可，下季度继续提升交付准时率。"
    page = client.get(reverse("reviews:result", args=[result.pk]), **ENGLISH).content.decode()
    assert 'data-testid="acknowledged"' in page and 'data-testid="acknowledge-form"' not in page
    assert (
        'data-testid="to-acknowledge"' not in client.get(reverse("reviews:list")).content.decode()
    )
    hr = as_user("hr")  # one test client: signed in as HR again
    detail = hr.get(reverse("reviews:detail", args=[computed.pk]), **ENGLISH).content.decode()
    assert "3 results not acknowledged yet" in detail

    again = as_user("east_a").post(url, {"comment": ""}, **ENGLISH)
    assert again.status_code == 400
    assert "You have acknowledged this result already." in again.content.decode()


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("east_b", 404),
        ("east_manager", 403),
        ("south_manager", 404),
        ("hr", 403),
        ("admin", 403),
    ],
)
def test_only_the_person_acknowledges(as_user, org_chart, computed, key, status):
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    result = _result(org_chart, "east_a")
    url = reverse("reviews:result_acknowledge", args=[result.pk])
    assert as_user(key).post(url, {"comment": "x"}).status_code == status
    result.refresh_from_db()
    assert result.acknowledged_at is None


def test_a_too_long_comment_is_refused_at_the_field(as_user, org_chart, computed):
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    result = _result(org_chart, "east_a")
    url = reverse("reviews:result_acknowledge", args=[result.pk])
    answer = as_user("east_a").post(url, {"comment": "长" * 2001}, **ENGLISH)
    assert answer.status_code == 400
    assert "Your comment (optional):" in answer.content.decode()


def test_the_calibrated_result_reads_for_the_person_once_closed(as_user, org_chart, computed):
    result = _result(org_chart, "east_c")
    calibration_move(
        user=org_chart["east_manager"].user, result=result, grade="B", reason="第二个月病假"
    )
    cycle_close(user=org_chart["hr"].user, cycle=computed)
    text = as_user("east_c").get(reverse("reviews:result", args=[result.pk]), **ENGLISH)
    text = text.content.decode()
    assert "calibrated from C" in text
    assert "陈主管 moved the grade from C to B" in text and "第二个月病假" in text
    result_acknowledge(user=org_chart["east_c"].user, result=result)
