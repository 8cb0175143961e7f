"""Settings for the test suite: the real ones, with a fast hasher and Celery run inline."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-secret-key")
# The test client and the live server speak plain http (tests/test_deploy.py checks the HTTPS
# defaults in a process of their own).
os.environ.setdefault("PERF_HTTPS", "false")
os.environ.setdefault("PERF_LEDGER_KEY", "test-ledger-key")


def _redis_url_of_worker(url: str, worker: str) -> str:
    """pytest-xdist's worker ``gwN`` gets Redis database (the given one − N) mod 16: each worker
    has a test database of its own (pytest-django suffixes its name) and clears the cache around
    every test, so workers sharing one Redis database would empty each other's cache and broker."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{database % 16}"))


# Set in the environment itself: the worker, beat and web processes some tests start inherit it.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_of_worker(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )

from perf.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Serve static files straight from the finders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Evidence uploads land in a throwaway directory, mail in memory.
PERF_PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="perf-evidence-"))
STORAGES["evidence"]["OPTIONS"]["location"] = PERF_PRIVATE_MEDIA_ROOT  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The suite's sources are loopback servers and files in temporary folders.
PERF_SOURCE_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "::1"]
PERF_IMPORT_ROOT = Path(tempfile.gettempdir())
# The ledger's head file: a throwaway folder (tests that verify the ledger get one of their own).
PERF_LEDGER_HEAD_FILE = Path(tempfile.mkdtemp(prefix="perf-ledger-")) / "head.json"
