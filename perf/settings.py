"""perf's Django settings: every deployment-specific value comes from the environment.

Variables (see ``.env.example``):
    SECRET_KEY      required unless DEBUG is on
    PERF_LEDGER_KEY the ledger's HMAC key, required unless DEBUG is on
    DEBUG           off unless set ("true"/"1")
    ALLOWED_HOSTS   comma-separated host names
    CSRF_TRUSTED_ORIGINS  comma-separated origins, for a deployment behind a proxy
    PERF_HTTPS      HTTPS only (the default with DEBUG off); "false" for plain http, see below
    DATABASE_URL    e.g. postgres://user:pass@host:5432/perf; SQLite file ``db.sqlite3`` when unset
    REDIS_URL       e.g. redis://host:6379/0; Celery broker, result backend and cache.
                    When unset Celery runs tasks eagerly (inline) and the cache is local memory.
    PERF_UPLOAD_INLINE_MAX_BYTES  uploads above this size are synced in the background (1 MB)
    PERF_MAX_BODY_BYTES / PERF_MAX_PUSH_BYTES  request body limits (see perf.limits)
    PERF_TIME_ZONE  the company's time zone (Asia/Shanghai), see the company calendar below
    PERF_WEEK_START / PERF_WORKING_DAYS / PERF_HOLIDAY_CALENDAR  the company's week (org.calendar)
    PERF_SITE_URL   perf's own address, for set-password links mailed by people syncs
    PERF_NODE_MAX_HOURS  the longest process-node threshold a source may send (2160)
    PERF_NODE_WARNING_HOURS / PERF_NODE_SOON_HOURS / PERF_NODE_WARNING_EMAIL  node warnings
    PERF_GRADING / PERF_VETO_CAP / PERF_VETO_GRADE  how totals become grades (scoring)
    PERF_MIN_MEASURED_WEIGHT  the least share of the weight measured for a total (0.6)
    PERF_SWEEP_SECONDS / PERF_RUN_STALL_SECONDS / PERF_SYNC_STALL_SECONDS  healing (see below)
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
_debug = env("DEBUG", default="false").strip().lower()
if _debug not in _TRUE | _FALSE:
    # A typo must stop start-up, not silently switch debugging off (or on).
    raise ImproperlyConfigured(f"DEBUG must be true or false, not {_debug!r}.")
DEBUG = _debug in _TRUE

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Transport security (`manage.py check --deploy` is clean with the defaults). With DEBUG off perf
# assumes HTTPS: secure cookies, HSTS and a redirect from http. PERF_HTTPS=false is the one
# documented way to serve plain http (docker-compose on one machine, CI's API fuzzing server);
# each setting below may still be set on its own. Behind a TLS proxy, SECURE_PROXY_SSL_HEADER
# names the header the proxy sets (and strips from clients), e.g. "X-Forwarded-Proto: https".


def _switch(name: str, value: str, default: bool) -> bool:
    """A true/false variable; a typo stops start-up rather than turning a protection off."""
    value = value.strip().lower()
    if not value:
        return default
    if value not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")
    return value in _TRUE


PERF_HTTPS = _switch("PERF_HTTPS", env("PERF_HTTPS", default=""), not DEBUG)
SECURE_SSL_REDIRECT = _switch(
    "SECURE_SSL_REDIRECT", env("SECURE_SSL_REDIRECT", default=""), PERF_HTTPS
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes inside the container speak plain http
SESSION_COOKIE_SECURE = _switch(
    "SESSION_COOKIE_SECURE", env("SESSION_COOKIE_SECURE", default=""), PERF_HTTPS
)
CSRF_COOKIE_SECURE = _switch(
    "CSRF_COOKIE_SECURE", env("CSRF_COOKIE_SECURE", default=""), PERF_HTTPS
)
try:
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PERF_HTTPS else 0)
except ValueError as exc:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must be a whole number of seconds.") from exc
SECURE_HSTS_INCLUDE_SUBDOMAINS = _switch(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", env("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=""), PERF_HTTPS
)
SECURE_HSTS_PRELOAD = _switch(
    "SECURE_HSTS_PRELOAD", env("SECURE_HSTS_PRELOAD", default=""), PERF_HTTPS
)
_proxy_header = env("SECURE_PROXY_SSL_HEADER", default="").strip()
SECURE_PROXY_SSL_HEADER = None
if _proxy_header:
    _name, _sep, _value = _proxy_header.partition(":")
    if not _sep or not _name.strip() or not _value.strip():
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must read 'Header-Name: value', not {_proxy_header!r}."
        )
    _meta = _name.strip().upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (
        _meta if _meta.startswith("HTTP_") else f"HTTP_{_meta}",
        _value.strip(),
    )
# Content Security Policy (django-csp), enforced: scripts, styles and everything else from perf
# itself only. Plotly draws heatmaps as data: images (Swagger UI's icons are data: SVGs too) and
# clears its colour bars' style attributes (style=""): the one hash allowed is the empty one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "axes",
    "org",
    "ingest",
    "indicators",
    "scoring",
    "appeals",
    "reviews",
    "bonus",
    "plans",
    "notices",
    "dashboards",
    "weightlab",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed, after WhiteNoise (which answers static files itself, already compressed)
    # and before whatever reads or writes a body. BREACH needs a secret and attacker-chosen text
    # in one compressed body, fetched again and again with the victim's cookies. Here the CSRF
    # token is masked afresh on every render, the middleware pads every body with up to 100
    # random bytes (Heal the Breach), and the session cookie is SameSite=Lax, so the many
    # cross-site fetches (images, scripts, frames) the attack needs get the login page.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a form's body: an oversized body is refused unread.
    "perf.limits.BodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into perf's lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "perf.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "org.context_processors.viewer",
                "appeals.context_processors.appeal_notifications",
                "notices.context_processors.unread_notices",
            ],
        },
    },
]

WSGI_APPLICATION = "perf.wsgi.application"

try:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    }
except (ValueError, KeyError, ImproperlyConfigured) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
SUPPORTED_DATABASES = {"django.db.backends.postgresql", "django.db.backends.sqlite3"}
if DATABASES["default"]["ENGINE"] not in SUPPORTED_DATABASES:
    raise ImproperlyConfigured(
        "DATABASE_URL is malformed: use postgres://user:password@host:5432/name or sqlite:///path"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a seed or sync writes.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The company's calendar, its address, its process-node limit and its grading rules.
from perf.settings_company import *  # noqa: E402, F403

# Node warnings (notices): "My work today" lists the open process nodes due within
# PERF_NODE_WARNING_HOURS working hours (24: a working day ahead) and those overdue; the
# scheduled job warns a node's merchandiser once when it is due within PERF_NODE_SOON_HOURS
# working hours (1) and once when it has timed out, by email too when PERF_NODE_WARNING_EMAIL
# is on (off by default: not every company sends mail).
PERF_NODE_WARNINGS = {
    "horizon_hours": env.float("PERF_NODE_WARNING_HOURS", default=24.0),
    "soon_hours": env.float("PERF_NODE_SOON_HOURS", default=1.0),
    "email": _switch("PERF_NODE_WARNING_EMAIL", env("PERF_NODE_WARNING_EMAIL", default=""), False),
}
if not 0 < PERF_NODE_WARNINGS["soon_hours"] <= PERF_NODE_WARNINGS["horizon_hours"] <= 8760:
    raise ImproperlyConfigured(
        "PERF_NODE_SOON_HOURS and PERF_NODE_WARNING_HOURS must be working hours with "
        "0 < PERF_NODE_SOON_HOURS <= PERF_NODE_WARNING_HOURS <= 8760."
    )
# The cache, Celery, the heartbeats and the sweep that heals stalled runs and syncs.
from perf.settings_celery import *  # noqa: E402, F403

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes): after PERF_SIGNIN_FAILURE_LIMIT wrong passwords within
# PERF_SIGNIN_LOCKOUT_MINUTES, counted separately per username and per client address, sign-in is
# refused (even with the right password) until the failures are that old or HR/an admin unlocks
# it. Failures are kept in the database, not the cache: the lockout holds while Redis is down.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("PERF_SIGNIN_FAILURE_LIMIT", default=5)
_lockout_minutes = env.int("PERF_SIGNIN_LOCKOUT_MINUTES", default=15)
if AXES_FAILURE_LIMIT < 1 or _lockout_minutes < 1:
    raise ImproperlyConfigured(
        "PERF_SIGNIN_FAILURE_LIMIT and PERF_SIGNIN_LOCKOUT_MINUTES must be positive."
    )
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes)
# Each failure counts for the cool-off time after it ("5 failures in 15 minutes").
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "org.signin.lockout_response"
# Behind a reverse proxy every request comes from the proxy's address: name the header in which
# the proxy puts the client's (e.g. X-Real-IP), or all users share one address and one lockout.
# Only a header the proxy always overwrites: a client could otherwise choose its own address.
PERF_CLIENT_IP_HEADER = env("PERF_CLIENT_IP_HEADER", default="")
AXES_CLIENT_IP_CALLABLE = "org.signin.client_address"
LOGIN_URL = "login"
# Sessions are read from the cache (written through to the database): a kept dashboard page
# (dashboards.cache) is then served without a query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_REDIRECT_URL = "org:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers are formatted per language (Django localises them); perf.formats holds what
# differs from Django's own formats: ISO first among Chinese date inputs.
FORMAT_MODULE_PATH = ["perf.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Plotly is our own partial bundle (static/js/plotly-perf.min.js, built from static-src/plotly):
# no CDN, since installs may be offline, and a fifth of the full bundle's bytes.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site's root rather than under STATIC_URL: /favicon.ico, which browsers
# ask for on every page that names no icon (the Django admin, the API's pages).
WHITENOISE_ROOT = BASE_DIR / "static-root"
MEDIA_ROOT = BASE_DIR / "media"
# Appeal evidence: outside MEDIA_ROOT, served only through a view that checks access. The
# "evidence" storage alias keeps the path out of migrations.
PERF_PRIVATE_MEDIA_ROOT = env.path("PERF_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PERF_PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# What data sources may reach (ingest.connectors.guard): hosts that resolve to internal
# addresses only when listed here (names or addresses), files only inside the import folder.
PERF_SOURCE_ALLOWED_HOSTS = env.list("PERF_SOURCE_ALLOWED_HOSTS", default=[])
PERF_IMPORT_ROOT = env.path("PERF_IMPORT_ROOT", default=BASE_DIR / "imports")

# The tamper-evident ledger (ingest.ledger): entries are HMAC-SHA256 under a key of their own,
# not SECRET_KEY (a database-only attacker cannot recompute them, and rotating SECRET_KEY does not
# break the chain). Its head (last entry's id and hash) is also written to a file outside the
# database after each append commits, so deleting the latest entries is noticed; one file per
# database, in a git-ignored folder unless set.
PERF_LEDGER_KEY = env("PERF_LEDGER_KEY", default="")
if not PERF_LEDGER_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PERF_LEDGER_KEY must be set when DEBUG is off (a long random string, kept apart "
            "from the database and from SECRET_KEY)."
        )
    PERF_LEDGER_KEY = "insecure-ledger-key-only-used-with-debug-on"
# Only for ``verify_ledger --rekey`` when rotating: the key the chain was written under.
PERF_LEDGER_PREVIOUS_KEY = env("PERF_LEDGER_PREVIOUS_KEY", default="")
_ledger_database = Path(str(DATABASES["default"]["NAME"])).stem or "default"
PERF_LEDGER_HEAD_FILE = env.path(
    "PERF_LEDGER_HEAD_FILE", default=BASE_DIR / "var" / f"ledger-head-{_ledger_database}.json"
)

# Appeals: how long after a period ends it may be appealed (then it is closed), how many working
# days HR has to decide, and the largest evidence file.
PERF_APPEALS = {
    "window_days": env.int("PERF_APPEAL_WINDOW_DAYS", default=30),
    "decision_working_days": env.int("PERF_APPEAL_DECISION_DAYS", default=5),
    "max_evidence_mb": env.int("PERF_APPEAL_MAX_EVIDENCE_MB", default=10),
    # Files attached at once while filing.
    "max_evidence_files": env.int("PERF_APPEAL_MAX_EVIDENCE_FILES", default=5),
}


# Request bodies (perf.limits): forms and JSON at most PERF_MAX_BODY_BYTES (Django's own form
# limit is the same), a webhook's pushed rows at most PERF_MAX_PUSH_BYTES; file uploads get their
# file limit plus the envelope. Larger bodies are refused with 413 before anything reads them.
def _body_bytes(name: str, text: str) -> int:
    text = text.strip()
    if not text.isdigit() or int(text) < 64 * 1024:
        raise ImproperlyConfigured(
            f"{name} must be a number of bytes of at least 65536, not {text!r}."
        )
    return int(text)


# Django's own default form limit (2.5 MiB): roomy for any form or JSON perf takes.
PERF_MAX_BODY_BYTES = _body_bytes(
    "PERF_MAX_BODY_BYTES", env("PERF_MAX_BODY_BYTES", default=str(2560 * 1024))
)
PERF_MAX_PUSH_BYTES = _body_bytes(
    "PERF_MAX_PUSH_BYTES", env("PERF_MAX_PUSH_BYTES", default=str(16 * 1024 * 1024))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = PERF_MAX_BODY_BYTES
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="perf@localhost")

REST_FRAMEWORK = {
    # Sessions only (signed in through /login/, so through the lockout); no HTTP Basic, which
    # would check passwords without CSRF or lockout. Webhooks have their own token.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    # Per signed-in user and per address of anonymous callers; far above what pages and scripts
    # need, low enough that the API cannot be hammered.
    "DEFAULT_THROTTLE_CLASSES": ["perf.throttles.AnonThrottle", "perf.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("PERF_API_RATE_ANON", default="120/minute"),
        "user": env("PERF_API_RATE_USER", default="1200/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with a JSON parser that answers 400 to JSON nested too deeply to read.
    "DEFAULT_PARSER_CLASSES": [
        "org.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # One error shape for every app: a 400's keys are paths to the input at fault.
    "EXCEPTION_HANDLER": "org.refusals.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
for _scope, _rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items():
    _count, _slash, _period = _rate.partition("/")
    if not (_count.isdigit() and _period in {"second", "minute", "hour", "day"}):
        raise ImproperlyConfigured(
            f"PERF_API_RATE_{_scope.upper()} must look like 120/minute (per second, minute, "
            f"hour or day), not {_rate!r}."
        )
SPECTACULAR_SETTINGS = {
    "TITLE": "perf API",
    "DESCRIPTION": "Performance scores computed from operational data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from our own static files: installs may be offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Score runs and sync runs share their status values; name the two enums apart.
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "ingest.models.SyncStatus",
        "ScoreStateEnum": "scoring.models.ScoreState",
        "AppealStateEnum": "appeals.models.AppealState",
        # Review cycles have kinds too: the sources' keep their name.
        "KindEnum": "ingest.models.sources.SourceKind",
        "CycleStateEnum": "reviews.models.CycleState",
        "CycleKindEnum": "reviews.models.CycleKind",
        "ReviewKindEnum": "reviews.models.ReviewKind",
        "ReviewStateEnum": "reviews.models.ReviewState",
        # A bonus pool's amount has a basis too (a fixed amount or revenue); so has a result.
        "AmountBasisEnum": "bonus.models.AmountBasis",
        "ResultBasisEnum": "reviews.models.ResultBasis",
        "LineRuleEnum": "bonus.models.LineRule",
        "PoolStateEnum": "bonus.models.PoolState",
        "PlanStateEnum": "plans.models.PlanState",
        "PlanOutcomeEnum": "plans.models.PlanOutcome",
        "PilotStateEnum": "weightlab.pilots.PilotState",
        # Notices have kinds too; the nodes they name are the orders' process nodes.
        "NoticeKindEnum": "notices.models.NoticeKind",
        "ProcessNodeEnum": "ingest.models.ProcessNode",
    },
    # Every operation's error answers (400 with field errors, 401/403, 404, …), in one place.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "perf.openapi.document_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_one_line": {"()": "perf.logs.ClientErrorsOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own defaults give "django" a console handler of its own (with DEBUG on): each of
    # its records would be printed there and again by the root's. Everything goes to the root.
    # django-axes logs every successful sign-in at INFO; its failures and lockouts are warnings.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "axes": {"level": "WARNING"},
    },
}
