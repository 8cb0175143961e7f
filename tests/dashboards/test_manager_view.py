"""What a manager reads and can do on the team and scorecard pages: the member table keeps vetoes
and improvement plans in columns of their own, lists are written the way the page's language
writes them, and a member's scorecard offers its manager (HR, an admin) the actions that exist,
which the member never sees."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from org.lists import list_join
from tests.dashboards.company import LAST_MONTH, MONTH_BEFORE

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _cells(page: str, person) -> dict[str, str]:
    """The member table's row of ``person``: its vetoes and improvement-plan cells as text."""
    row = re.search(
        rf'<tr data-testid="member-row" data-employee="{person.pk}">.*?</tr>', page, re.S
    ).group(0)
    text = {}
    for name in ("member-vetoes", "member-plan"):
        cell = re.search(rf'<td data-testid="{name}">(.*?)</td>', row, re.S).group(1)
        text[name] = re.sub(r"<[^>]+>", "", cell).strip()
    return text


def test_the_member_table_has_a_vetoes_column_and_an_improvement_plan_column(scored, as_user):
    page = (
        as_user("east_manager")
        .get(reverse("dashboards:team"), {"period": LAST_MONTH.label}, **ENGLISH)
        .content.decode()
    )
    table = page.split('data-testid="team-members"')[1].split("</thead>")[0]
    headers = re.findall(r"<th>([^<]*)</th>", table)
    assert headers[-2:] == ["Vetoes", "Improvement plan"]
    # Last month 王芳's order entry accuracy (75%) and 李强's CSAT (3 of 5) fell below their
    # floors: each has one veto, and the grade D that calls for a plan; 陈主管 has neither.
    assert _cells(page, scored["east_a"]) == {
        "member-vetoes": "Order entry accuracy",
        "member-plan": "required",
    }
    assert _cells(page, scored["east_b"]) == {
        "member-vetoes": "Customer satisfaction (CSAT)",
        "member-plan": "required",
    }
    assert _cells(page, scored["east_manager"]) == {"member-vetoes": "", "member-plan": ""}


def test_lists_are_joined_as_the_language_writes_them():
    names = ["订单准确率", "客户满意度"]
    with translation.override("zh-hans"):
        assert list_join(names) == "订单准确率、客户满意度"
    with translation.override("en"):
        assert list_join(["Order accuracy", "CSAT"]) == "Order accuracy, CSAT"
        assert list_join([]) == ""


def _actions(client, person) -> dict[str, str]:
    """The scorecard's manager actions, by name, with their links; None when there are none."""
    url = reverse("dashboards:scorecard", args=[person.pk])
    page = client.get(url, {"period": LAST_MONTH.label}, **ENGLISH).content.decode()
    if 'data-testid="manager-actions"' not in page:
        return None
    found = re.findall(r'href="([^"]+)" data-testid="action-([a-z]+)"', page)
    return {name: link.replace("&amp;", "&") for link, name in found}


def test_a_member_s_scorecard_offers_their_manager_what_they_can_do(scored, as_user):
    east = scored["teams"]["east"]
    here = f"team={east.pk}&period={LAST_MONTH.label}"
    client = as_user("east_manager")
    actions = _actions(client, scored["east_a"])
    assert actions == {
        "appeal": "#indicators",
        "team": f"/team/?{here}",
        "change": f"/team/?{here}&compare={MONTH_BEFORE.label}",
        "export": f"/team/export.xlsx?{here}",
        # Her grade D flags her for an improvement plan (plans app), started from this month.
        "plan": f"/plans/new/{scored['east_a'].pk}/?period={LAST_MONTH.label}",
        "notes": f"/plans/people/{scored['east_a'].pk}/notes/",
        "incidents": f"/reviews/people/{scored['east_a'].pk}/incidents/",
    }
    # Every link leads somewhere: the heatmap of 王芳's team, its change, the Excel file, the
    # plan form, her coaching notes and critical incidents, and the table whose rows carry the
    # Appeal links.
    for name in ("team", "change", "export", "plan", "notes", "incidents"):
        assert client.get(actions[name]).status_code == 200, name
    team = client.get(actions["team"], **ENGLISH).content.decode()
    assert f'data-employee="{scored["east_a"].pk}"' in team and "华东跟单一组" in team
    page = client.get(reverse("dashboards:scorecard", args=[scored["east_a"].pk])).content
    assert b'id="indicators"' in page and b'data-testid="appeal-this"' in page


def test_hr_also_reaches_the_team_s_appeals_and_no_one_sees_actions_on_their_own_card(
    scored, as_user
):
    client = as_user("hr")
    actions = _actions(client, scored["east_b"])
    assert actions["appeals"] == f"/appeals/?team={scored['teams']['east'].pk}"
    assert client.get(actions["appeals"]).status_code == 200
    for key in ("east_a", "east_manager"):
        page = as_user(key).get(reverse("dashboards:me"), **ENGLISH).content.decode()
        assert 'data-testid="manager-actions"' not in page, key
        assert "Manager actions" not in page, key
