"""Settings for the test suite: the real ones, with a fast hasher and Celery run inline."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key")
# The test client and the live server speak plain http (tests/test_deploy.py checks the HTTPS
# defaults in a process of their own).
os.environ.setdefault("PERF_HTTPS", "false")
os.environ.setdefault("PERF_LEDGER_KEY", "test-ledger-key")

from perf.settings import *  # noqa: F403

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
