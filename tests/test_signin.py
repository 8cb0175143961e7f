"""Sign-in hardening (issue 15, point 3): lockout after repeated failures per user and per address,
no password check through HTTP Basic, unlocking, changing one's own password, API throttles."""

import base64
import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.clock import PINNED_NOW
from tests.conftest import PASSWORD
from tests.test_settings import _load

LOCKED = "Too many failed sign-ins for this account or from this address"
MISMATCH = "Your username and password didn't match"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def sign_in(client, username, password, address="127.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **EN,
    )


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


@pytest.mark.django_db
def test_sixty_wrong_passwords_lock_the_account_even_for_the_right_one(client, org_chart):
    for attempt in range(1, 61):
        response = sign_in(client, "east_a", f"guess-{attempt}")
        if attempt < 5:
            assert response.status_code == 200, attempt
            assert MISMATCH in response.content.decode()
        else:  # the fifth failure locks
            assert response.status_code == 429, attempt
    response = sign_in(client, "east_a", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page
    assert "signing in is locked for 15 minutes" in page
    assert 'value="east_a"' in page  # the sign-in form again, in perf's page
    assert not signed_in(client)
    assert client.get(reverse("dashboards:me")).status_code == 302


@pytest.mark.django_db
def test_the_account_lock_holds_from_other_addresses_and_spares_other_accounts(client, org_chart):
    for n in range(5):
        sign_in(client, "east_a", "wrong", address=f"10.0.0.{n + 1}")
    response = sign_in(client, "east_a", PASSWORD, address="10.0.0.99")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # A colleague signing in from one of those addresses is not locked out by them.
    response = sign_in(client, "east_b", PASSWORD, address="10.0.0.1")
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.django_db
def test_failures_for_different_usernames_lock_the_address(client, org_chart):
    for username in ["nobody", "root", "east_b", "south_a", "east_manager"]:
        assert sign_in(client, username, "wrong", address="203.0.113.7").status_code in (200, 429)
    response = sign_in(client, "hr", PASSWORD, address="203.0.113.7")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not signed_in(client)
    # The same account from another address signs in: only the address was locked.
    assert sign_in(client, "hr", PASSWORD, address="203.0.113.8").status_code == 302


@pytest.mark.django_db
def test_failures_older_than_the_lockout_time_no_longer_count(client, org_chart):
    for _ in range(4):
        sign_in(client, "east_a", "wrong")
    with time_machine.travel(PINNED_NOW + dt.timedelta(minutes=16), tick=True):
        assert sign_in(client, "east_a", "wrong").status_code == 200  # 1 failure in 15 minutes
        assert sign_in(client, "east_a", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_ends_after_the_lockout_time(client, org_chart):
    for _ in range(5):
        sign_in(client, "east_a", "wrong")
    assert sign_in(client, "east_a", PASSWORD).status_code == 429
    with time_machine.travel(PINNED_NOW + dt.timedelta(minutes=14), tick=True):
        assert sign_in(client, "east_a", PASSWORD).status_code == 429
    # The refused right password counted as a failure too: 15 minutes after it.
    with time_machine.travel(PINNED_NOW + dt.timedelta(minutes=30), tick=True):
        assert sign_in(client, "east_a", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lockout_message_is_chinese_by_default(client, org_chart):
    for _ in range(5):
        client.post(reverse("login"), {"username": "east_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "east_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多：登录已锁定 15 分钟" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_sign_in_is_locked_the_same_way(client, org_chart):
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"}, **EN)
    right = {"username": "admin", "password": PASSWORD}
    response = client.post(reverse("admin:login"), right, **EN)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not signed_in(client)


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.mark.django_db
def test_http_basic_does_not_sign_in_to_the_api(client, org_chart):
    response = client.get(reverse("api-me"), **basic("hr", PASSWORD), **EN)
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    # No password is checked there, so wrong ones are not an oracle either: the same answer.
    wrong = client.get(reverse("api-me"), **basic("hr", "wrong"), **EN)
    assert (wrong.status_code, wrong.json()) == (403, response.json())


@pytest.mark.django_db
def test_the_api_works_with_the_session_from_the_sign_in_form(client, org_chart):
    assert sign_in(client, "hr", PASSWORD).status_code == 302
    response = client.get(reverse("api-me"))
    assert response.status_code == 200 and response.json()["username"] == "hr"


@pytest.mark.django_db
def test_an_admin_unlocks_an_account_in_the_admin(client, org_chart):
    for _ in range(5):
        sign_in(client, "east_a", "wrong", address="10.1.1.1")
    assert sign_in(client, "east_a", PASSWORD, address="10.1.1.2").status_code == 429

    admin = client.__class__()
    admin.force_login(org_chart["admin"])
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(changelist, {"q": "east_a"})
    assert page.status_code == 200 and "10.1.1.1" in page.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "east_a", PASSWORD, address="10.1.1.2").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["east_a", "east_manager", "hr"])
def test_every_role_finds_the_password_page_in_the_header(as_user, who):
    client = as_user(who)
    page = client.get(reverse("org:home"), follow=True).content.decode()
    assert 'href="/password/"' in page
    assert client.get(reverse("password_change"), **EN).status_code == 200


@pytest.mark.django_db
def test_changing_ones_password(client, org_chart):
    assert sign_in(client, "east_a", PASSWORD).status_code == 302
    url = reverse("password_change")
    new = {"new_password1": "Quiet-river-42", "new_password2": "Quiet-river-42"}
    wrong_old = client.post(url, {"old_password": "nope", **new}, **EN)
    assert wrong_old.status_code == 200
    assert "Your old password was entered incorrectly" in wrong_old.content.decode()
    weak_new = {"new_password1": "12345678", "new_password2": "12345678"}
    weak = client.post(url, {"old_password": PASSWORD, **weak_new}, **EN)
    assert weak.status_code == 200
    assert "This password is too common." in weak.content.decode()
    assert "This password is entirely numeric." in weak.content.decode()
    done = client.post(url, {"old_password": PASSWORD, **new}, **EN)
    assert done.status_code == 302 and done.url == reverse("password_change_done")
    assert "Your password has been changed" in client.get(done.url, **EN).content.decode()
    assert signed_in(client)  # changing it does not sign this session out

    client.post(reverse("logout"))
    assert sign_in(client, "east_a", PASSWORD).status_code == 200
    assert not signed_in(client)
    assert sign_in(client, "east_a", "Quiet-river-42").status_code == 302


@pytest.mark.django_db
def test_the_password_page_needs_a_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "3/minute"},
    }


@pytest.mark.django_db
def test_a_user_hammering_the_api_gets_429(as_user, org_chart, low_rates):
    client = as_user("hr")
    assert [client.get(reverse("api-me")).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(reverse("api-me"), **EN)
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many requests: try again in ")
    assert 1 <= int(response["Retry-After"]) <= 60
    chinese = client.get(reverse("api-me"))
    assert chinese.status_code == 429 and chinese.json()["detail"].startswith("请求过于频繁")
    # Another user has a budget of their own.
    other = client.__class__()
    other.force_login(org_chart["east_a"].user)
    assert other.get(reverse("api-me")).status_code == 200


@pytest.mark.django_db
def test_an_anonymous_caller_hammering_the_api_gets_429(client, low_rates):
    assert client.get(reverse("api-schema")).status_code == 200
    response = client.get(reverse("api-schema"), **EN)
    assert response.status_code == 429


@pytest.mark.django_db
def test_the_rate_limit_lets_calls_through_when_the_cache_is_down(as_user, low_rates, settings):
    client = as_user("hr")
    # The configured cache (it fails open) with Redis on a port nothing listens on.
    settings.CACHES = {
        "default": {"BACKEND": "perf.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert [client.get(reverse("api-me")).status_code for _ in range(5)] == [200] * 5


@pytest.mark.django_db
def test_hr_sees_locked_accounts_and_addresses_and_unlocks_them(org_chart, as_user):
    person = Client()  # as_user signs the test client in as HR
    for _ in range(5):
        sign_in(person, "east_a", "wrong", address="10.2.2.2")
    for username in ["root", "test", "guest", "sa", "oracle"]:
        sign_in(person, username, "wrong", address="10.9.9.9")
    hr = as_user("hr")
    assert 'href="/signins/locked/"' in hr.get(reverse("dashboards:admin_home")).content.decode()
    page = hr.get(reverse("org:lockouts"), **EN)
    assert page.status_code == 200
    rows = page.content.decode()
    assert "Account 王芳 (east_a)" in rows
    assert "Address 10.2.2.2" in rows  # every failure of the address was east_a's
    assert "Address 10.9.9.9" in rows
    assert "Account root" not in rows  # one failure each: those accounts are not locked

    response = hr.post(reverse("org:lockouts"), {"kind": "username", "value": "east_a"}, **EN)
    assert response.status_code == 302
    after = hr.get(reverse("org:lockouts"), **EN).content.decode()
    assert "Unlocked: east_a." in after
    # The account's failures are forgotten, and so the address they came from is free too.
    assert "Account 王芳" not in after and "Address 10.2.2.2" not in after
    assert "Address 10.9.9.9" in after
    assert sign_in(person, "east_a", PASSWORD, address="10.2.2.2").status_code == 302
    person.post(reverse("logout"))

    assert sign_in(person, "east_b", PASSWORD, address="10.9.9.9").status_code == 429
    hr.post(reverse("org:lockouts"), {"kind": "ip_address", "value": "10.9.9.9"})
    assert sign_in(person, "east_b", PASSWORD, address="10.9.9.9").status_code == 302


@pytest.mark.django_db
def test_the_unlock_page_refuses_bad_input_naming_the_field(as_user):
    hr = as_user("hr")
    response = hr.post(reverse("org:lockouts"), {"kind": "everyone", "value": "x"}, **EN)
    assert response.status_code == 400
    assert "What to unlock: Select a valid choice." in response.content.decode()
    response = hr.post(reverse("org:lockouts"), {"kind": "username"}, **EN)
    assert response.status_code == 400
    assert "Account or address: This field is required." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["east_a", "east_manager"])
def test_merchandisers_and_managers_cannot_unlock(as_user, who):
    client = as_user(who)
    assert (
        'href="/signins/locked/"'
        not in client.get(reverse("org:home"), follow=True).content.decode()
    )
    assert client.get(reverse("org:lockouts")).status_code == 403
    assert (
        client.post(reverse("org:lockouts"), {"kind": "username", "value": "hr"}).status_code == 403
    )


@pytest.mark.django_db
def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_names(client, org_chart, settings):
    settings.PERF_CLIENT_IP_HEADER = "X-Real-IP"
    proxy = "172.18.0.2"
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": f"nobody{n}", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_REAL_IP="198.51.100.4",
        )
    attacker = client.post(
        reverse("login"),
        {"username": "hr", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_REAL_IP="198.51.100.4",
    )
    assert attacker.status_code == 429
    colleague = client.post(
        reverse("login"),
        {"username": "hr", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_REAL_IP="198.51.100.5",
    )
    assert colleague.status_code == 302


def test_malformed_sign_in_and_rate_settings_stop_start_up():
    bad_rate = _load(SECRET_KEY="x", PERF_API_RATE_USER="lots")
    assert bad_rate.returncode != 0
    assert "PERF_API_RATE_USER must look like 120/minute" in bad_rate.stderr
    bad_limit = _load(SECRET_KEY="x", PERF_SIGNIN_FAILURE_LIMIT="0")
    assert bad_limit.returncode != 0
    assert "PERF_SIGNIN_FAILURE_LIMIT and PERF_SIGNIN_LOCKOUT_MINUTES must be positive" in (
        bad_limit.stderr
    )
    assert _load(SECRET_KEY="x", PERF_API_RATE_USER="50/second").returncode == 0
