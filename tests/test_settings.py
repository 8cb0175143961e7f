"""Settings come from the environment, with safe defaults and clear errors for bad values."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json
from perf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "cache": s.CACHES["default"]["BACKEND"],
    "broker": s.CELERY_BROKER_URL,
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "debug": s.DEBUG,
    "hosts": s.ALLOWED_HOSTS,
    "language": s.LANGUAGE_CODE,
    "tz": s.TIME_ZONE,
    "use_tz": s.USE_TZ,
}))
"""


def _load(**variables: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_are_sqlite_eager_celery_and_local_memory_cache():
    loaded = json.loads(_load(SECRET_KEY="x").stdout)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"].endswith("db.sqlite3")
    assert loaded["cache"].endswith("LocMemCache")
    assert loaded["eager"] is True
    assert loaded["debug"] is False
    assert (loaded["language"], loaded["tz"], loaded["use_tz"]) == (
        "zh-hans",
        "Asia/Shanghai",
        True,
    )


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    loaded = json.loads(
        _load(
            SECRET_KEY="x",
            DATABASE_URL="postgres://perf:pw@db.example:5432/perf",
            REDIS_URL="redis://cache.example:6379/2",
            ALLOWED_HOSTS="perf.example.com,127.0.0.1",
        ).stdout
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "perf"
    assert loaded["cache"].endswith("RedisCache")
    assert loaded["broker"] == "redis://cache.example:6379/2"
    assert loaded["eager"] is False
    assert loaded["hosts"] == ["perf.example.com", "127.0.0.1"]


def test_missing_secret_key_stops_start_up_unless_debugging():
    refused = _load()
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in refused.stderr
    assert json.loads(_load(DEBUG="true").stdout)["debug"] is True


def test_malformed_values_fail_with_a_clear_message():
    bad_debug = _load(SECRET_KEY="x", DEBUG="maybe")
    assert bad_debug.returncode != 0
    assert "DEBUG must be true or false" in bad_debug.stderr
    bad_url = _load(SECRET_KEY="x", DATABASE_URL="nosuchdb://x")
    assert bad_url.returncode != 0
    assert "DATABASE_URL is malformed" in bad_url.stderr
    bad_share = _load(SECRET_KEY="x", PERF_MIN_MEASURED_WEIGHT="60")
    assert bad_share.returncode != 0
    assert "PERF_MIN_MEASURED_WEIGHT must be a share between 0 and 1" in bad_share.stderr
    bad_limit = _load(SECRET_KEY="x", PERF_NODE_MAX_HOURS="0")
    assert bad_limit.returncode != 0
    assert "PERF_NODE_MAX_HOURS must be a number of hours from 1 to 8760" in bad_limit.stderr
    bad_site = _load(SECRET_KEY="x", PERF_SITE_URL="perf.example.com")
    assert bad_site.returncode != 0
    assert "PERF_SITE_URL must be perf's address" in bad_site.stderr


def test_migrations_match_the_models_wherever_evidence_is_kept(tmp_path):
    """Migrations hold no machine path: with evidence kept elsewhere (as the test settings do,
    and as PERF_PRIVATE_MEDIA_ROOT does), the models still match them."""
    environment = {**os.environ, "PERF_PRIVATE_MEDIA_ROOT": str(tmp_path / "evidence")}
    environment.pop("DATABASE_URL", None)  # the check reads no database
    check = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env={**environment, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "perf.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
