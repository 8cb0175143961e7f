"""The admin home: who may open it, what each card says (counts read in a fixed number of
queries), schedules in human words in both languages, and the ways in and out of it (where an
admin lands, the header link, the Django admin's "View site" and its language switcher)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from indicators.models import IndicatorDefinition
from ingest.models import Source, SyncRun, SyncStatus
from ingest.sources import source_schedule_set
from tests.clock import PINNED_NOW
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/manage/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def sources():
    """Three sources: crm synced fine a minute ago and scheduled daily at 01:15; erp whose latest
    run failed (scheduled hourly); files never synced."""
    crm = Source.objects.create(name="crm", kind="file")
    erp = Source.objects.create(name="erp", kind="sql")
    Source.objects.create(name="files", kind="file")
    now = timezone.now()
    SyncRun.objects.create(source=crm, status=SyncStatus.SUCCEEDED, finished_at=now)
    SyncRun.objects.create(source=erp, status=SyncStatus.SUCCEEDED, finished_at=now)
    SyncRun.objects.create(source=erp, status=SyncStatus.FAILED, finished_at=now)
    crm_task = source_schedule_set(source=crm, crontab={"minute": "15", "hour": "1"})
    crm_task.last_run_at = now - dt.timedelta(hours=3)
    crm_task.save(update_fields=["last_run_at"])
    source_schedule_set(source=erp, crontab={"minute": "5"})
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.create(
        name="sweep-stalled-runs", task="scoring.tasks.stalled_runs_sweep", interval=every_minute
    )
    return {"crm": crm, "erp": erp}


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("hr", 200), ("east_manager", 403), ("east_a", 403), ("nobody", 403)],
)
def test_admins_and_hr_open_the_admin_home_and_other_roles_are_refused(
    client, org_chart, who, status
):
    if who == "nobody":
        user = UserFactory(username="nobody")
    else:
        user = org_chart[who] if who == "admin" else org_chart[who].user
    client.force_login(user)
    assert client.get(URL).status_code == status


def test_the_admin_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


def test_admins_land_on_the_admin_home_and_the_header_links_to_it(client, org_chart):
    client.force_login(org_chart["admin"])
    assert client.get("/").url == URL
    page = client.get(reverse("dashboards:me"), follow=True).content.decode()
    assert f'href="{URL}" data-testid="nav-admin-home"' in page


@pytest.mark.parametrize(
    ("who", "linked"), [("hr", True), ("east_manager", False), ("east_a", False)]
)
def test_hr_reaches_the_admin_home_from_the_header_and_others_do_not_see_it(
    client, org_chart, who, linked
):
    client.force_login(org_chart[who].user)
    page = client.get(reverse("indicators:manual")).content.decode()
    assert (f'href="{URL}" data-testid="nav-admin-home"' in page) is linked


def test_each_card_states_its_count_in_a_fixed_number_of_queries(
    client, org_chart, sources, django_assert_num_queries
):
    client.force_login(org_chart["admin"])
    # user (a superuser: no groups read), indicators, schemes, sources (2), schedules (2),
    # people, users (2), lockouts (2: none, so no names read), runs (the latest; none, so no
    # count of those running), the header's appeals badge and employee
    with django_assert_num_queries(16):  # and the header's unread notices
        response = client.get(URL, **ENGLISH)
    html = response.content.decode()
    active = IndicatorDefinition.objects.filter(is_active=True).count()
    total = IndicatorDefinition.objects.count()
    assert f'<span class="big">{active}</span> active, of {total} indicators' in html
    assert '<span class="big">3</span> in force' in html  # the built-in schemes
    assert '<span class="big">3</span> sources' in html
    assert 'data-testid="sources-failing">1 failing<' in html  # erp's latest run
    assert 'data-testid="sources-stale">1 stale<' in html  # files: never synced
    # The org chart's six employees, each with an account, and the admin's account.
    assert '<span class="big">6</span> people employed · 6 can sign in' in html
    assert '<span class="big">7</span> accounts' in html
    roles = ["Administrator 1", "HR 1", "Manager 2", "Merchandiser 3"]
    assert "".join(f"<span>{role}</span>" for role in roles) in html
    assert "Nothing is locked." in html
    assert "No score run yet." in html
    assert "Open the weight editor" in html and "Edit users" in html


def test_hr_sees_only_the_cards_hr_uses(client, org_chart, sources):
    client.force_login(org_chart["hr"].user)
    html = client.get(URL, **ENGLISH).content.decode()
    for card in ("indicators", "sources", "people", "lockouts", "runs", "schedules"):
        assert f'data-testid="card-{card}"' in html
    for card in ("schemes", "users", "django-admin"):
        assert f'data-testid="card-{card}"' not in html
    assert "/admin/" not in html  # HR does not use the Django admin


def _schedules(html: str) -> list[str]:
    start = html.index('data-testid="schedules"')
    return html[start : html.index("</ul>", start)]


def test_schedules_read_in_words_of_each_language_with_last_and_next_run(
    client, org_chart, sources
):
    client.force_login(org_chart["admin"])
    english = _schedules(client.get(URL, **ENGLISH).content.decode())
    chinese = _schedules(client.get(URL).content.decode())
    assert "Sync data source “crm” daily at 01:15" in english
    assert "Sync data source “erp” every hour at minute 5" in english
    assert "Queue again or fail score runs and syncs whose worker stopped every 60 seconds" in (
        english
    )
    assert "每天 01:15 同步数据源「crm」" in chinese
    assert "每小时第 5 分钟 同步数据源「erp」" in chinese
    assert "sync source" not in english + chinese  # the stored key is not shown
    # The pin is 10:00 company time: crm ran at 07:00 and runs next at 01:15 tomorrow.
    tomorrow = PINNED_NOW.date() + dt.timedelta(days=1)
    assert f"last run {PINNED_NOW:%Y-%m-%d} 07:00 · next {tomorrow:%Y-%m-%d} 01:15" in english
    assert f"next {PINNED_NOW:%Y-%m-%d} 10:05" in english  # erp, hourly at :05


def test_the_django_admin_links_back_to_the_admin_home_and_switches_language(client, org_chart):
    client.force_login(org_chart["admin"])
    index = client.get(reverse("admin:index"), **ENGLISH).content.decode()
    assert f'<a href="{URL}">View site</a>' in index
    assert 'data-testid="language-switcher"' in index
    assert 'name="language" value="en"' in index and 'name="language" value="zh-hans"' in index
    switched = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("admin:index")}
    )
    assert switched.url == reverse("admin:index")
    assert "Site administration" in client.get(reverse("admin:index")).content.decode()


def test_the_admins_lists_of_tasks_and_sources_describe_schedules_in_the_active_language(
    client, org_chart, sources
):
    client.force_login(org_chart["admin"])
    url = reverse("admin:django_celery_beat_periodictask_changelist")
    english = client.get(url, **ENGLISH).content.decode()
    assert '">Sync data source “crm” daily at 01:15</a></th>' in english
    assert "What runs, and when" in english
    chinese = client.get(url).content.decode()
    assert "每天 01:15 同步数据源「crm」" in chinese
    sources = client.get(reverse("admin:ingest_source_changelist"), **ENGLISH).content.decode()
    assert "daily at 01:15" in sources and "every hour at minute 5" in sources
    assert "sync source" not in sources and "* * *" not in sources
