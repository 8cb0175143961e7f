"""What every connector shares: the Batch it yields, the error it raises and the factory.

A connector reads raw rows from one outside source (a REST API, a SQL database, a CSV or XLSX
file) and yields them in order, in batches. It knows nothing of models, field mappings or
cursors: the sync service maps each batch, commits it and computes the next cursor from the rows
it has committed, so a connector only passes the stored ``since`` value on to the source.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext

if TYPE_CHECKING:
    from ingest.connectors.guard import SourcePolicy


@dataclass(frozen=True)
class Batch:
    """Raw rows exactly as the source gives them (keys are the source's field names).

    ``first_row`` is the 1-based position of ``rows[0]`` in the whole read, so ``rows[i]`` is row
    ``first_row + i`` in error reports. For files it is the row number a person sees in Excel.
    """

    rows: list[dict[str, object]]
    first_row: int


class ConnectorError(Exception):
    """A source could not be read; the message says which URL, file or query and what went wrong.

    Messages are shown to the people who set up the source, so they are translated and short.
    Raised as such for what the source sent (a body that is not JSON, a file that is not CSV):
    reading again would get the same.
    """


class SourceMisconfigured(ConnectorError):
    """The source's settings cannot work (a missing or invalid setting, an unset secret, a file
    or sheet that does not exist, credentials refused): the sync fails at once, it is not
    retried, and the message tells the admin what to fix."""


class SourceUnavailable(ConnectorError):
    """The source could not be reached or answered with a transient failure (network errors,
    timeouts, HTTP 429 and 5xx after the connector's own retries, a lost database connection):
    the task is retried with backoff and resumes from the last committed cursor."""


class Connector(Protocol):
    def batches(self, *, since: str | None, batch_size: int) -> Iterator[Batch]:
        """Yield every row changed after ``since`` (every row when None), in order.

        Batches hold at most ``batch_size`` rows.
        """
        ...


KINDS = ("rest", "sql", "file")
# The environment variables sources may read their secrets from start with this.
SECRET_PREFIX = "PERF_SOURCE_"


def connector_for(
    kind: str,
    config: dict,
    *,
    secrets: Mapping[str, str] | None = None,
    policy: SourcePolicy | None = None,
) -> Connector:
    """The connector for a source of this kind, its config checked and its secrets resolved.

    ``secrets`` is an environment-like mapping for the config's ``*_env`` references
    (default ``os.environ``); ``policy`` what sources may reach (default: the deployment's,
    ``SourcePolicy.from_settings``). Raises ConnectorError for an unknown kind, a malformed
    config, a missing environment variable, or a host, file or secret the policy refuses.
    """
    # Imported here because each connector module imports this one, and so that a source of one
    # kind never loads the drivers of the others.
    from ingest.connectors.files import FileConnector
    from ingest.connectors.guard import SourcePolicy
    from ingest.connectors.rest import RestConnector
    from ingest.connectors.sql import SqlConnector

    secrets = os.environ if secrets is None else secrets
    policy = SourcePolicy.from_settings() if policy is None else policy
    if kind == "rest":
        return RestConnector(config, secrets=secrets, policy=policy)
    if kind == "sql":
        return SqlConnector(config, secrets=secrets, policy=policy)
    if kind == "file":
        return FileConnector(config, policy=policy)
    raise SourceMisconfigured(
        gettext("Unknown source kind %(kind)s (expected one of: %(kinds)s).")
        % {"kind": kind, "kinds": ", ".join(KINDS)}
    )


def secret_from(secrets: Mapping[str, str], variable: str) -> str:
    """The value of environment variable ``variable``; ConnectorError naming it when unset, or
    when it is not one sources may read (its name must start with ``SECRET_PREFIX``: a config
    must not send ``DATABASE_URL`` or ``SECRET_KEY`` anywhere)."""
    if not variable.startswith(SECRET_PREFIX) or variable == SECRET_PREFIX:
        raise SourceMisconfigured(
            gettext(
                "Sources read secrets only from environment variables whose name starts with "
                "%(prefix)s, not from %(name)s."
            )
            % {"prefix": SECRET_PREFIX, "name": variable}
        )
    try:
        return secrets[variable]
    except KeyError:
        raise SourceMisconfigured(
            gettext("Environment variable %(name)s is not set.") % {"name": variable}
        ) from None


def required_setting(config: Mapping[str, object], key: str) -> object:
    """``config[key]``; ConnectorError naming the setting when it is missing or empty."""
    value = config.get(key)
    if value is None or value == "":
        raise SourceMisconfigured(gettext("The setting %(key)s is missing.") % {"key": key})
    return value


def invalid_setting(key: str, value: object) -> SourceMisconfigured:
    """The error for a setting whose value cannot be used."""
    return SourceMisconfigured(
        gettext("The setting %(key)s has an invalid value: %(value)r.")
        % {"key": key, "value": value}
    )


def check_batch_size(batch_size: int) -> None:
    """Reject a batch size that would make a connector loop forever or yield nothing."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
