"""docker-compose.yml wires every service the way perf's settings read them (no Docker here)."""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.conf import settings
from django.urls import resolve

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ["web", "worker", "beat"]


def _settings_variables() -> set[str]:
    """What perf's settings read from the environment: perf/settings.py and the modules it
    reads its company and Celery settings from (the test settings aside)."""
    modules = ["settings.py", "settings_company.py", "settings_celery.py"]
    source = "".join((ROOT / "perf" / module).read_text() for module in modules)
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", source))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_settings_read_the_documented_variables():
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= (
        _settings_variables()
    )


def test_every_service_is_there_with_a_health_check(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name, service in services.items():
        assert service["healthcheck"]["test"], name


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_exactly_what_settings_read(compose, name):
    service = compose["services"][name]
    environment = service["environment"]
    assert set(environment) <= _settings_variables(), "a variable the settings never read"
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(environment)
    assert environment["DEBUG"] == "false"
    # Plain http on port 8000 unless .env says a TLS proxy is in front (PERF_HTTPS=true).
    assert environment["PERF_HTTPS"] == "${PERF_HTTPS:-false}"
    assert set(service["depends_on"]) == {"postgres", "redis"}

    database = urlparse(environment["DATABASE_URL"].replace("${POSTGRES_PASSWORD:-perf}", "perf"))
    postgres = compose["services"]["postgres"]["environment"]
    assert database.scheme == "postgres"
    assert database.hostname == "postgres"
    assert database.port == 5432
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
    assert database.password == "perf" and postgres["POSTGRES_PASSWORD"].endswith(":-perf}")

    redis = urlparse(environment["REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


def test_commands_start_what_the_project_provides(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert "manage.py migrate" in web
    assert "gunicorn perf.wsgi" in web
    assert settings.WSGI_APPLICATION.rsplit(".", 1)[0] == "perf.wsgi"
    assert services["worker"]["command"].startswith("celery -A perf worker")
    assert services["beat"]["command"].startswith("celery -A perf beat")
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert resolve("/healthz").url_name == "healthz"


def test_env_example_lists_only_variables_that_are_read(compose):
    lines = (ROOT / ".env.example").read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    compose_only = {"POSTGRES_PASSWORD"}  # read by docker-compose.yml itself
    assert names - compose_only <= _settings_variables()
    assert _settings_variables() <= names


def _seconds(duration: str) -> int:
    """A compose duration such as ``2m`` or ``35s``."""
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[unit] for n, unit in re.findall(r"(\d+)([smh])", duration))


def test_containers_restart_and_get_time_to_finish_their_work(compose):
    services = compose["services"]
    assert {name: service.get("restart") for name, service in services.items()} == dict.fromkeys(
        services, "unless-stopped"
    )
    # A warm shutdown finishes the running chunks and sync batches (seconds each at the bench
    # company's size): two minutes, not Docker's default 10 s.
    assert _seconds(services["worker"]["stop_grace_period"]) >= 120
    assert _seconds(services["web"]["stop_grace_period"]) > 30  # gunicorn's graceful timeout
    # Health checks run the project's probes (tests/test_processes.py runs them live).
    assert services["worker"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "perf.probe",
        "worker",
    ]
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "-m", "perf.probe", "beat"]
