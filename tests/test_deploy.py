"""Deployment settings: `check --deploy` is clean with production values, plain http is a stated
choice that check --deploy still reports, and every response carries the enforcing CSP."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

# What a production .env holds (a long random key, real host names, a TLS proxy in front).
PRODUCTION = {
    "SECRET_KEY": "k7Qe2-vR9xLw4pTz8NbY3uHc6JdF1gAs5mKo0iUeWqZrXtCvBnMlPoIuYtRe",
    "ALLOWED_HOSTS": "perf.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://perf.example.com",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
}
# Variables of the developer's or CI's shell that must not leak into a "production" process.
DROPPED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "PERF_HTTPS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    # Set by the browser tests' conftest for Playwright's event loop; never in a deployment.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

PROBE = """
import json
from perf import settings as s
print(json.dumps({
    "redirect": s.SECURE_SSL_REDIRECT,
    "session_secure": s.SESSION_COOKIE_SECURE,
    "csrf_secure": s.CSRF_COOKIE_SECURE,
    "hsts": s.SECURE_HSTS_SECONDS,
    "subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "preload": s.SECURE_HSTS_PRELOAD,
    "proxy": s.SECURE_PROXY_SSL_HEADER,
}))
"""


def _run(arguments: list[str], **variables: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in DROPPED}
    environment.update(DJANGO_SETTINGS_MODULE="perf.settings", **variables)
    return subprocess.run(
        [sys.executable, *arguments],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check_deploy(**variables: str) -> subprocess.CompletedProcess:
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **variables)


def _probe(**variables: str) -> dict:
    loaded = _run(["-c", PROBE], **variables)
    assert loaded.returncode == 0, loaded.stderr
    return json.loads(loaded.stdout)


def test_check_deploy_with_production_values_has_no_warning():
    checked = _check_deploy(**PRODUCTION)
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_production_defaults_are_https_only():
    assert _probe(**PRODUCTION) == {
        "redirect": True,
        "session_secure": True,
        "csrf_secure": True,
        "hsts": 31_536_000,
        "subdomains": True,
        "preload": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_each_protection_is_set_on_its_own():
    loaded = _probe(
        **{
            **PRODUCTION,
            "SECURE_HSTS_SECONDS": "3600",
            "SECURE_HSTS_PRELOAD": "false",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "no",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_SCHEME: https",
        }
    )
    assert (loaded["hsts"], loaded["preload"], loaded["subdomains"]) == (3600, False, False)
    assert loaded["redirect"] is True
    assert loaded["proxy"] == ["HTTP_X_FORWARDED_SCHEME", "https"]


def test_plain_http_is_a_stated_choice_that_check_deploy_still_reports():
    assert _probe(**PRODUCTION, PERF_HTTPS="false") == {
        "redirect": False,
        "session_secure": False,
        "csrf_secure": False,
        "hsts": 0,
        "subdomains": False,
        "preload": False,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    checked = _check_deploy(**PRODUCTION, PERF_HTTPS="false")
    assert checked.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in checked.stderr
    assert "(0 silenced)" in checked.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PERF_HTTPS", "ture", "PERF_HTTPS must be true or false, not 'ture'."),
        ("SESSION_COOKIE_SECURE", "maybe", "SESSION_COOKIE_SECURE must be true or false"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("SECURE_PROXY_SSL_HEADER", "https", "SECURE_PROXY_SSL_HEADER must read 'Header-Name"),
    ],
)
def test_a_malformed_value_stops_start_up(variable, value, message):
    refused = _run(["-c", PROBE], **{**PRODUCTION, variable: value})
    assert refused.returncode != 0
    assert message in refused.stderr


@pytest.mark.django_db
def test_every_page_carries_the_enforcing_csp_and_refuses_framing(client):
    response = client.get("/login/")
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_https_redirect_spares_the_health_probe_and_trusts_the_proxy_header(client):
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31_536_000,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        plain = client.get("/login/")
        assert plain.status_code == 301
        assert plain["Location"] == "https://testserver/login/"
        # The container's health check speaks plain http to gunicorn.
        assert client.get("/healthz").status_code in (200, 503)
        # Behind the TLS proxy: the request is known to be HTTPS, served, with HSTS.
        proxied = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
        assert proxied.status_code == 200
        assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")
