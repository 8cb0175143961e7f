"""The dashboards' reads: periods and their run stamps, team scopes, sorting, the operational
warnings (nodes past their threshold, data freshness) and the open appeals."""

import dataclasses
import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from dashboards.selectors.boards import members_sorted, team_board, team_scope_for_user
from dashboards.selectors.operations import appeals_open_count, overdue_nodes, source_freshness
from dashboards.selectors.periods import period_pick, scored_periods
from dashboards.selectors.scorecard import scorecard_employee_get
from ingest.models import Source, SyncRun, SyncStatus
from scoring.services import compute_period
from tests.dashboards.company import LAST_MONTH, MONTH_BEFORE
from tests.factories import OrderFactory, OrderNodeFactory

pytestmark = pytest.mark.django_db


def test_scored_periods_are_newest_first_and_a_new_run_changes_the_stamp(scored):
    periods = scored_periods()
    assert [p.period for p in periods] == [LAST_MONTH, MONTH_BEFORE]
    before = periods[0].stamp
    compute_period(LAST_MONTH)
    assert scored_periods()[0].stamp != before
    assert scored_periods()[1].stamp == periods[1].stamp  # September's results did not change


def test_period_pick(scored):
    periods = scored_periods()
    assert period_pick("", periods).period == LAST_MONTH
    assert period_pick(MONTH_BEFORE.label, periods).period == MONTH_BEFORE
    unscored = period_pick("2027-01", periods)
    assert not unscored.scored
    with pytest.raises(Http404):
        period_pick("last month", periods)
    assert period_pick("", []) is None


def test_a_manager_of_several_teams_sees_them_all_at_once_or_one_by_one(org_chart):
    department = org_chart["teams"]["department"]
    department.manager = org_chart["south_manager"]
    department.save()
    user = org_chart["south_manager"].user
    scope = team_scope_for_user(user=user, team_id=None)
    east, south = org_chart["teams"]["east"], org_chart["teams"]["south"]
    # The department itself is not scored: it is no choice.
    assert {choice.id for choice in scope.choices} == {east.pk, south.pk}
    assert scope.selected is None and set(scope.team_ids) == {east.pk, south.pk}
    assert scope.can_show_all
    one = team_scope_for_user(user=user, team_id=east.pk)
    assert one.team_ids == (east.pk,)
    # Another manager of the east team alone sees fewer people: cached boards must not mix.
    other = team_scope_for_user(user=org_chart["east_manager"].user, team_id=None)
    assert other.team_ids == (east.pk,) and other.visibility != one.visibility


def test_hr_starts_on_the_first_team_and_nobody_opens_a_team_out_of_scope(org_chart):
    scope = team_scope_for_user(user=org_chart["hr"].user, team_id=None)
    assert scope.selected.name == "华东跟单一组" and not scope.can_show_all
    with pytest.raises(Http404):
        team_scope_for_user(
            user=org_chart["east_manager"].user, team_id=org_chart["teams"]["south"].pk
        )
    assert team_scope_for_user(user=org_chart["east_a"].user, team_id=None).empty


def test_everyone_may_open_their_own_scorecard_and_only_that(org_chart):
    # A manager placed in a team they do not manage still sees their own scorecard.
    manager = org_chart["south_manager"]
    manager.team = org_chart["teams"]["hr"]
    manager.save()
    assert scorecard_employee_get(user=manager.user, employee_id=manager.pk) == manager
    with pytest.raises(Http404):
        scorecard_employee_get(user=org_chart["east_a"].user, employee_id=org_chart["east_b"].pk)


def test_members_sort_best_first_with_the_unscored_last(scored):
    board = team_board(
        user=scored["hr"].user,
        period=scored_periods()[0],
        scope=team_scope_for_user(user=scored["hr"].user, team_id=scored["teams"]["east"].pk),
    )
    by_quality = members_sorted(board.members, "quality")
    values = [member.tiers["quality"] for member in by_quality]
    assert values == sorted(values, reverse=True)
    assert members_sorted(board.members, "nonsense") == members_sorted(board.members, "total")
    blank = dataclasses.replace(board.members[0], total=None)
    assert members_sorted([blank, *board.members[1:]], "total")[-1] is blank


@pytest.mark.usefixtures("every_day_works")
def test_overdue_nodes_are_the_open_ones_past_their_deadline(org_chart):
    now = timezone.now()
    person = org_chart["east_a"]

    def node(order_no: str, hours_ago: float, threshold: int, done: bool = False):
        started = now - dt.timedelta(hours=hours_ago)
        return OrderNodeFactory(
            order=OrderFactory(merchandiser=person, external_id=order_no),
            started_at=started,
            threshold_hours=threshold,
            completed_at=started + dt.timedelta(hours=1) if done else None,
        )

    node("SO-LONG", 100, 24)  # 76 hours overdue
    node("SO-SHORT", 30, 24)  # 6 hours overdue
    node("SO-DONE", 100, 24, done=True)
    node("SO-NOT-YET", 10, 24)
    found = overdue_nodes(now=now)
    assert (found.nodes, found.orders) == (2, 2)
    assert [n.order_no for n in found.oldest] == ["SO-LONG", "SO-SHORT"]
    assert found.oldest[0].hours_overdue == pytest.approx(76)
    assert found.oldest[0].merchandiser == "王芳" and found.oldest[0].node_label


def test_data_freshness_per_source(db):
    now = timezone.now()
    fresh = Source.objects.create(name="erp", kind="sql")
    SyncRun.objects.create(
        source=fresh, status=SyncStatus.SUCCEEDED, finished_at=now - dt.timedelta(hours=3)
    )
    SyncRun.objects.create(source=fresh, status=SyncStatus.FAILED, finished_at=now)
    stale = Source.objects.create(name="crm", kind="file")
    SyncRun.objects.create(
        source=stale, status=SyncStatus.SUCCEEDED, finished_at=now - dt.timedelta(days=3)
    )
    Source.objects.create(name="new", kind="rest")
    rows = {row.name: row for row in source_freshness(now=now)}
    assert not rows["erp"].stale and rows["erp"].last_success == now - dt.timedelta(hours=3)
    assert rows["erp"].latest_status == str(SyncStatus.FAILED.label)
    assert rows["crm"].stale and rows["new"].stale and rows["new"].last_success is None


def test_the_open_appeals_count_comes_from_the_appeals_app(db):
    assert appeals_open_count() == 0  # no appeal yet
