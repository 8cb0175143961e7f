"""Each role lands on its own page, sees its name, role and team, and nothing beyond its scope."""

import pytest
from django.urls import reverse

from org.selectors import employee_get_for_user, employees_visible_to, teams_visible_to
from tests.factories import UserFactory

LANDING = {
    "east_a": "/me/",
    "east_manager": "/team/",
    "hr": "/hr/",
    "admin": "/manage/",
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(LANDING))
def test_login_lands_each_role_on_its_page(client, org_chart, who):
    response = client.post(
        reverse("login"), {"username": who, "password": "pw-for-tests"}, follow=True
    )
    assert response.redirect_chain[-1][0] == LANDING[who]
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "name", "role", "team"),
    [
        ("east_a", "王芳", "跟单员", "华东跟单一组"),
        ("east_manager", "陈主管", "主管", "华东跟单一组"),
        ("hr", "周人事", "人事", "人力资源部"),
    ],
)
def test_landing_page_shows_real_name_role_and_team(client, org_chart, who, name, role, team):
    client.force_login(org_chart[who].user)
    page = client.get(reverse("org:home"), follow=True).content.decode()
    assert name in page
    assert role in page
    assert team in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("east_a", "dashboards:team", 403),
        ("east_a", "dashboards:company", 403),
        ("east_manager", "dashboards:company", 403),
        ("east_manager", "dashboards:team", 200),
        ("hr", "dashboards:team", 200),
        ("hr", "dashboards:company", 200),
        ("admin", "dashboards:company", 200),
    ],
)
def test_pages_refuse_roles_they_are_not_for(client, org_chart, who, url, status):
    user = org_chart[who] if who == "admin" else org_chart[who].user
    client.force_login(user)
    assert client.get(reverse(url)).status_code == status


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    for url in ("org:home", "dashboards:me", "dashboards:team", "dashboards:company"):
        response = client.get(reverse(url))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_user_without_role_is_told_so(client):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("org:home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("org:no_role")
    assert "还没有角色" in response.content.decode()


@pytest.mark.django_db
def test_scoping_for_every_role(org_chart):
    people = org_chart
    everyone = {
        people[k].pk for k in ("east_manager", "east_a", "east_b", "south_manager", "south_a", "hr")
    }
    east = {people[k].pk for k in ("east_manager", "east_a", "east_b")}

    def visible(user):
        return set(employees_visible_to(user).values_list("pk", flat=True))

    assert visible(people["admin"]) == everyone
    assert visible(people["hr"].user) == everyone
    assert visible(people["east_manager"].user) == east
    assert visible(people["east_a"].user) == {people["east_a"].pk}
    assert set(teams_visible_to(people["east_a"].user)) == set()
    assert set(teams_visible_to(people["east_manager"].user)) == {people["teams"]["east"]}


@pytest.mark.django_db
def test_manager_of_a_parent_team_sees_the_teams_below(org_chart):
    department = org_chart["teams"]["department"]
    department.manager = org_chart["south_manager"]
    department.save()
    teams = set(teams_visible_to(org_chart["south_manager"].user))
    assert teams == {department, org_chart["teams"]["east"], org_chart["teams"]["south"]}


@pytest.mark.django_db
def test_an_id_outside_ones_scope_is_not_found(org_chart):
    from django.http import Http404

    with pytest.raises(Http404):
        employee_get_for_user(user=org_chart["east_a"].user, employee_id=org_chart["east_b"].pk)
    with pytest.raises(Http404):
        employee_get_for_user(
            user=org_chart["east_manager"].user, employee_id=org_chart["south_a"].pk
        )
    assert employee_get_for_user(user=org_chart["hr"].user, employee_id=org_chart["south_a"].pk)


@pytest.mark.django_db
def test_language_switcher_changes_the_page(client, org_chart):
    client.force_login(org_chart["east_a"].user)
    assert "我的工作" in client.get(reverse("dashboards:me")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/me/"})
    page = client.get(reverse("dashboards:me")).content.decode()
    assert "My work" in page
    assert "Merchandiser" in page
