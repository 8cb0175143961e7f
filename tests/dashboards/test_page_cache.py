"""Kept pages (``dashboards.cache``): a reload costs no query, and nothing a viewer may no longer
see, or that changed since, is ever served from the cache."""

import gzip

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appeals.services import appeal_create, appeal_transition, notifications_read
from ingest.edits import record_save
from ingest.models import Order
from org.models import Role
from tests.clock import LAST_MONTH, at, stamp

pytestmark = pytest.mark.django_db

TEAM = reverse("dashboards:team")


def _warm(client: Client, url: str = TEAM) -> str:
    """Two visits: the first sets the CSRF cookie, the second renders the page that is kept."""
    client.get(url)
    return client.get(url).content.decode()


def test_a_reload_is_served_without_a_query(scored, as_user, django_assert_num_queries):
    client = as_user("east_manager")
    page = _warm(client)
    with django_assert_num_queries(0):
        again = client.get(TEAM)
    assert again.status_code == 200
    assert again.content.decode() == page
    assert "王芳" in page


def test_a_kept_page_is_sent_gzipped_to_a_browser_and_plain_to_others(
    scored, as_user, django_assert_num_queries
):
    client = as_user("east_manager")
    page = _warm(client)
    with django_assert_num_queries(0):
        packed = client.get(TEAM, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content).decode() == page
    assert len(packed.content) < len(page.encode()) / 2
    plain = client.get(TEAM)
    assert "Content-Encoding" not in plain and plain.content.decode() == page


def test_every_dashboard_page_is_kept(scored, as_user, django_assert_num_queries):
    client = as_user("hr")
    east_a = scored["east_a"]
    urls = [
        reverse("dashboards:me"),
        reverse("dashboards:scorecard", args=[east_a.pk]),
        reverse("dashboards:drilldown", args=[east_a.pk, "order_response_time"]),
        TEAM,
        reverse("dashboards:company"),
    ]
    for url in urls:
        _warm(client, url)
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200, url


def test_a_signed_out_browser_gets_the_sign_in_page_not_the_kept_one(scored, as_user):
    client = as_user("east_manager")
    _warm(client)
    client.post(reverse("logout"))
    response = client.get(TEAM)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_lost_role_is_refused_at_once(scored, as_user):
    client = as_user("east_manager")
    _warm(client)
    user = scored["east_manager"].user
    user.groups.set([Group.objects.get(name=Role.MERCHANDISER.value)])
    assert client.get(TEAM).status_code == 403


def test_a_manager_moved_off_a_team_no_longer_sees_it(scored, as_user):
    client = as_user("east_manager")
    assert "王芳" in _warm(client)
    east = scored["teams"]["east"]
    east.manager = scored["south_manager"]
    east.save()
    assert "王芳" not in client.get(TEAM).content.decode()


def test_another_session_of_the_same_person_renders_its_own_page(
    scored, as_user, django_assert_max_num_queries
):
    _warm(as_user("east_manager"))
    other = Client()
    other.force_login(scored["east_manager"].user)
    other.get(TEAM)  # its own CSRF cookie: the kept page's forms would not match it
    with django_assert_max_num_queries(30) as queries:
        other.get(TEAM)
    assert len(queries) > 0


def test_a_browser_without_a_csrf_cookie_is_never_served_a_kept_page(scored, as_user):
    client = as_user("east_manager")
    _warm(client)
    client.cookies.pop(settings.CSRF_COOKIE_NAME)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(TEAM).status_code == 200
    assert len(queries) > 0


def test_the_unread_count_is_current(scored, as_user):
    merchandiser = as_user("east_a")
    me = reverse("dashboards:me")
    assert 'class="badge"' not in _warm(merchandiser, me)
    appeal = appeal_create(
        user=scored["east_manager"].user,
        record_type="order",
        # An order submitted before the claimed confirmation (a claim before it is refused).
        record_id=Order.objects.filter(
            merchandiser=scored["east_a"], submitted_at__lt=at(LAST_MONTH, 5, 11)
        )
        .first()
        .pk,
        field_name="confirmed_at",
        claimed_value=stamp(5, 11),
        category="system_failure",
        description="The ERP was down.",
    )
    appeal_transition(appeal=appeal, action="submit", user=scored["east_manager"].user)
    assert '<span class="badge">1</span>' in merchandiser.get(me).content.decode()
    notifications_read(user=scored["east_a"].user)
    assert 'class="badge"' not in merchandiser.get(me).content.decode()


def test_a_waiting_message_is_shown_not_a_kept_page(scored, as_user):
    client = as_user("east_manager")
    _warm(client)
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, "已保存")])
    assert "已保存" in client.get(TEAM).content.decode()


def test_a_corrected_record_shows_in_the_drill_down_at_once(scored, as_user):
    client = as_user("east_manager")
    east_a = scored["east_a"]
    url = reverse("dashboards:drilldown", args=[east_a.pk, "order_response_time"])
    page = _warm(client, url)
    order = next(o for o in Order.objects.filter(merchandiser=east_a) if o.external_id in page)
    order.external_id = "SO-CORRECTED"
    record_save(record=order, actor="user:1", fields=["external_id"])
    assert "SO-CORRECTED" in client.get(url).content.decode()
