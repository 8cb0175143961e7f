"""SQL connector: runs one read-only query against SQLite, PostgreSQL or MySQL/MariaDB.

Config (``kind="sql"``)::

    {
        "engine": "sqlite",                   # "sqlite" | "postgresql" | "mysql"
        "path": "/srv/erp/erp.sqlite3",       # sqlite: the database file, opened read-only
        "host": "erp-db", "port": 5432,       # postgresql (default port 5432), mysql (3306)
        "database": "erp", "user": "reader",  # user optional for postgresql
        "password_env": "PERF_SOURCE_ERP_DB_PASSWORD",  # optional: the password's variable
        "query": "SELECT id, state, write_date FROM sale_order"
                 " WHERE (:since IS NULL OR write_date > :since) ORDER BY write_date, id",
        "full_query": "SELECT ... ORDER BY write_date, id",  # optional: used when since is None
    }

Write the incremental cursor as the named placeholder ``:since`` whatever the engine; it is bound
as a string, or as NULL on a full read. Either let the query handle NULL, as above, or give a
``full_query`` for full reads. The query must order its rows the way the cursor advances. Write
``%`` as usual (``LIKE 'A%'``): it is escaped for the drivers that use it as a placeholder mark.
In SQLite a text ``:since`` compares with numbers only in a column declared INTEGER or REAL;
otherwise write ``CAST(:since AS INTEGER)``.

Rows are streamed (a server-side cursor on PostgreSQL, an unbuffered one on MySQL) and fetched
``batch_size`` at a time, as dicts keyed by column name with the values the driver returns
(datetime, Decimal, int, str…). Every session is read-only.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from django.utils.translation import gettext

from ingest.connectors.base import (
    Batch,
    ConnectorError,
    SourceMisconfigured,
    SourceUnavailable,
    check_batch_size,
    invalid_setting,
    required_setting,
    secret_from,
)
from ingest.connectors.guard import SourcePolicy

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
ENGINES = ("sqlite", *DEFAULT_PORTS)
CONNECT_TIMEOUT = 10  # seconds
# ":since" as a whole word, not the tail of a PostgreSQL cast such as "value::since".
SINCE_PLACEHOLDER = re.compile(r"(?<![:\w]):since\b")

Rows = list[dict[str, object]]


class SqlConnector:
    """Reads the rows of one SQL query as described in the module docstring."""

    def __init__(
        self,
        config: Mapping[str, object],
        *,
        secrets: Mapping[str, str] = os.environ,
        policy: SourcePolicy | None = None,
    ) -> None:
        policy = policy or SourcePolicy.from_settings()
        self.engine = required_setting(config, "engine")
        if self.engine not in ENGINES:
            raise invalid_setting("engine", self.engine)
        self.query = str(required_setting(config, "query"))
        self.full_query = str(config.get("full_query") or "") or None
        if self.engine == "sqlite":
            self.path = policy.path_check(
                Path(str(required_setting(config, "path"))), setting="path"
            )
            return
        self.host = str(required_setting(config, "host"))
        self.port = config.get("port") or DEFAULT_PORTS[self.engine]
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise invalid_setting("port", self.port)
        self.database = str(required_setting(config, "database"))
        policy.host_check(self.host, setting="host")
        policy.database_check(self.host, self.port, self.database)
        self.user = config.get("user") or None
        password_env = config.get("password_env")
        self.password = secret_from(secrets, str(password_env)) if password_env else None

    def batches(self, *, since: str | None, batch_size: int) -> Iterator[Batch]:
        """Yield the query's rows, ``batch_size`` at a time, ``since`` bound to ``:since``."""
        check_batch_size(batch_size)
        query = self.full_query if since is None and self.full_query else self.query
        read = {
            "sqlite": self._sqlite_batches,
            "postgresql": self._postgresql_batches,
            "mysql": self._mysql_batches,
        }[self.engine]
        first_row = 1
        for rows in read(query, since, batch_size):
            yield Batch(rows=rows, first_row=first_row)
            first_row += len(rows)

    def _sqlite_batches(self, query: str, since: str | None, batch_size: int) -> Iterator[Rows]:
        if not self.path.is_file():
            raise SourceMisconfigured(gettext("No such file: %(path)s") % {"path": self.path})
        try:
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as err:
            raise self._connect_error(err) from err
        try:
            # sqlite3 understands the ":since" placeholder as it is.
            yield from _fetch_batches(connection.execute(query, {"since": since}), batch_size)
        except sqlite3.Error as err:
            raise self._query_error(err) from err
        finally:
            connection.close()

    def _postgresql_batches(self, query: str, since: str | None, batch_size: int) -> Iterator[Rows]:
        import psycopg

        try:
            connection = psycopg.connect(
                host=self.host,
                port=self.port,
                dbname=self.database,
                user=self.user,
                password=self.password,
                connect_timeout=CONNECT_TIMEOUT,
            )
        except psycopg.Error as err:
            raise self._connect_error(err) from err
        try:
            connection.read_only = True
            # Bound on the client: with server-side parameters PostgreSQL cannot type the NULL
            # in "(:since IS NULL OR write_date > :since)", and a quoted literal takes the type
            # its comparison needs (timestamp, integer…).
            with psycopg.ClientCursor(connection) as binder:
                statement = binder.mogrify(_pyformat(query), {"since": since})
            with connection.cursor(name="perf_ingest") as cursor:
                cursor.execute(statement)
                yield from _fetch_batches(cursor, batch_size)
        except psycopg.Error as err:
            raise self._query_error(err) from err
        finally:
            connection.close()

    def _mysql_batches(self, query: str, since: str | None, batch_size: int) -> Iterator[Rows]:
        import pymysql
        import pymysql.cursors

        try:
            connection = pymysql.connect(
                host=self.host,
                port=self.port,
                database=self.database,
                user=self.user,
                password=self.password or "",
                charset="utf8mb4",
                connect_timeout=CONNECT_TIMEOUT,
                cursorclass=pymysql.cursors.SSCursor,
            )
        except pymysql.MySQLError as err:
            raise self._connect_error(err) from err
        try:
            # Closing an unbuffered cursor reads whatever rows are left (MySQL cannot cancel a
            # streamed result on a live connection): costly only when a read stops half-way.
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute(_pyformat(query), {"since": since})
                yield from _fetch_batches(cursor, batch_size)
        except pymysql.MySQLError as err:
            raise self._query_error(err) from err
        finally:
            connection.close()

    def _connect_error(self, err: Exception) -> ConnectorError:
        database = self.path if self.engine == "sqlite" else f"{self.database}@{self.host}"
        kind = SourceUnavailable if _transient(err) else SourceMisconfigured
        return kind(
            gettext("Cannot connect to the %(engine)s database %(database)s: %(error)s")
            % {"engine": self.engine, "database": database, "error": err}
        )

    def _query_error(self, err: Exception) -> ConnectorError:
        kind = SourceUnavailable if _transient(err) else SourceMisconfigured
        return kind(
            gettext("The %(engine)s query failed: %(error)s")
            % {"engine": self.engine, "error": err}
        )


# What says a database error will pass: PostgreSQL SQLSTATE classes (connection exception,
# transaction rollback, insufficient resources, operator intervention, lock not available) and
# MySQL error numbers (server gone away, lost connection, cannot connect, lock wait timeout,
# deadlock).
TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "53", "57P", "55P03")
TRANSIENT_MYSQL_ERRORS = {2003, 2006, 2013, 1205, 1213}
POSTGRESQL_BUSY = ("starting up", "shutting down", "too many clients", "connection slots")


def _transient(err: Exception) -> bool:
    """Whether ``err`` is the database being unreachable or busy rather than the source's
    settings or query being wrong (wrong credentials or SQL would fail the same way again)."""
    if isinstance(err, sqlite3.OperationalError):
        return "locked" in str(err)
    if hasattr(err, "sqlstate"):  # psycopg
        if err.sqlstate:
            return err.sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES)
        # A failed connection has no SQLSTATE: a FATAL answer is the server refusing us (a
        # wrong password, no such database) unless it is only starting or full.
        message = str(err)
        return "FATAL:" not in message or any(busy in message for busy in POSTGRESQL_BUSY)
    code = err.args[0] if err.args else None
    return code in TRANSIENT_MYSQL_ERRORS


def _pyformat(query: str) -> str:
    """``query`` in the pyformat style of psycopg and PyMySQL: ``%(since)s``, literal ``%%``."""
    return SINCE_PLACEHOLDER.sub("%(since)s", query.replace("%", "%%"))


def _fetch_batches(cursor, batch_size: int) -> Iterator[Rows]:
    """Rows of an executed DB-API cursor as dicts, ``batch_size`` at a time."""
    columns = _column_names(cursor.description)
    while rows := cursor.fetchmany(batch_size):
        yield [dict(zip(columns, row, strict=True)) for row in rows]


def _column_names(description: Sequence[Sequence[object]] | None) -> list[str]:
    if description is None:
        raise SourceMisconfigured(gettext("The query returns no rows; it must be a SELECT."))
    names = [str(column[0]) for column in description]
    # Two columns under one key would silently lose one of them.
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise SourceMisconfigured(
            gettext("The query returns the column %(name)s twice; give one an alias.")
            % {"name": repeated[0]}
        )
    return names
