"""An ERP database for SQL sources in the tests: on the PostgreSQL server of DATABASE_URL, but a
database of its own, since sources may never read perf's (ingest.connectors.guard)."""

import os
from contextlib import suppress
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

ERP_DATABASE = "perf_test_erp"


def erp_database_url() -> str | None:
    """The ERP database's URL (created on first use), or ``None`` without PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [ERP_DATABASE])
        if found.fetchone() is None:
            # Another test run may create it meanwhile.
            with suppress(psycopg.errors.DuplicateDatabase):
                admin.execute(f'CREATE DATABASE "{ERP_DATABASE}"')
    return urlunsplit(parts._replace(path=f"/{ERP_DATABASE}"))


def erp_source_config(url: str) -> tuple[dict[str, object], dict[str, str]]:
    """A SQL source config reading the ERP database, and the secrets it needs."""
    parts = urlsplit(url)
    config: dict[str, object] = {
        "engine": "postgresql",
        "host": parts.hostname,
        "port": parts.port or 5432,
        "database": unquote(parts.path.lstrip("/")),
        "user": unquote(parts.username or ""),
    }
    secrets = {}
    if parts.password:
        config["password_env"] = "PERF_SOURCE_PG_PASSWORD"
        secrets["PERF_SOURCE_PG_PASSWORD"] = unquote(parts.password)
    return config, secrets
