"""PostgreSQL advisory locks and write settings (other databases serialise their writers, so
each is a no-op there)."""

from typing import cast

from django.db import connection


def is_postgresql() -> bool:
    return cast(str, connection.vendor) == "postgresql"


def advisory_lock(key: int, *, session: bool = False) -> bool:
    """Take a PostgreSQL advisory lock. A transaction lock waits and lasts until commit; a
    session lock is only tried, and lasts until released or the connection closes, so a killed
    worker cannot leave it held. Returns whether it was granted."""
    if not is_postgresql():
        return True
    function = "pg_try_advisory_lock" if session else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [key])
        granted = cursor.fetchone()[0]
    return granted is not False


def advisory_unlock(key: int) -> None:
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def named_lock(name: str) -> None:
    """Wait for the transaction lock called ``name`` (hashed to a key), held until commit."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def commit_without_waiting_for_disk() -> None:
    """Within the current transaction, do not wait for the commit to reach the disk: for derived
    data that a rerun recreates (score rows), written in large amounts."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
