"""What a source may reach. A source's settings make the server connect, read files and use
secrets, and an admin writes them: so every host, path and secret a config names is checked
against the deployment's policy (``SourcePolicy.from_settings``) when the source is saved and
again before it is read.

- Hosts (REST URLs, SQL servers) must not resolve to a loopback, private, link-local, reserved
  or cloud-metadata address unless the host or the address is listed in
  ``PERF_SOURCE_ALLOWED_HOSTS``; perf's own database is refused whatever the spelling.
- Files (file sources, SQLite databases) must resolve, symlinks followed, inside
  ``PERF_IMPORT_ROOT``.
- Secrets come only from environment variables whose name starts with ``PERF_SOURCE_``
  (``base.secret_from``), so a config cannot send ``DATABASE_URL`` or ``SECRET_KEY`` anywhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext

from ingest.connectors.base import SourceMisconfigured

# Cloud metadata services (AWS, GCP, Azure, Alibaba, Oracle…) answer on these addresses.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class SourceRefused(SourceMisconfigured):
    """The config names a host, file or secret the deployment does not let sources reach."""


@dataclass(frozen=True)
class OwnDatabase:
    """Where perf's own database is: no SQL source may read it."""

    addresses: frozenset[Address]
    port: int
    name: str


@dataclass(frozen=True)
class SourcePolicy:
    allowed_hosts: frozenset[str]  # lower-case names and addresses, reachable though internal
    import_root: Path
    own_database: OwnDatabase | None

    @classmethod
    def from_settings(cls) -> SourcePolicy:
        from django.conf import settings
        from django.db import connections

        # The connection's settings name the database really in use (a test run's own).
        database = connections["default"].settings_dict
        own = None
        if "postgresql" in database["ENGINE"] or "mysql" in database["ENGINE"]:
            host = str(database.get("HOST") or "localhost")
            default_port = 5432 if "postgresql" in database["ENGINE"] else 3306
            own = OwnDatabase(
                addresses=_database_addresses(host),
                port=int(database.get("PORT") or default_port),
                name=str(database["NAME"]),
            )
        return cls(
            allowed_hosts=frozenset(h.lower() for h in settings.PERF_SOURCE_ALLOWED_HOSTS),
            import_root=Path(settings.PERF_IMPORT_ROOT).resolve(),
            own_database=own,
        )

    def host_check(self, host: str, *, setting: str) -> None:
        """Refuse a host that is, or resolves to, an internal address not explicitly allowed."""
        if host.lower() in self.allowed_hosts:
            return
        # A name that does not resolve now cannot be judged (nor reached); it is checked again
        # before every read.
        for address in _resolve(host):
            if str(address) in self.allowed_hosts:
                continue
            if _internal(address):
                raise SourceRefused(
                    gettext(
                        "The setting %(key)s names %(host)s, which is an internal address "
                        "(%(address)s). Sources may only reach it if the deployment lists it in "
                        "PERF_SOURCE_ALLOWED_HOSTS."
                    )
                    % {"key": setting, "host": host, "address": address}
                )

    def database_check(self, host: str, port: int, name: str) -> None:
        """Refuse perf's own database, however its host is written."""
        own = self.own_database
        if own is None or port != own.port or name.lower() != own.name.lower():
            return
        if _database_addresses(host) & own.addresses:
            raise SourceRefused(
                gettext("A source may not read perf's own database (%(name)s).") % {"name": name}
            )

    def path_check(self, path: Path, *, setting: str) -> Path:
        """The path, resolved (symlinks followed), if it lies inside the import folder."""
        resolved = path.expanduser().resolve()
        if not resolved.is_relative_to(self.import_root):
            raise SourceRefused(
                gettext(
                    "The setting %(key)s names %(path)s, outside the import folder %(root)s: "
                    "sources read files only there."
                )
                % {"key": setting, "path": path, "root": self.import_root}
            )
        return resolved


def _internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address in METADATA_ADDRESSES
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _resolve(host: str) -> list[Address]:
    """Every address ``host`` resolves to (itself when it is an address; none if unknown)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def _database_addresses(host: str) -> frozenset[Address]:
    """Where a database host points, resolved once: a local socket (an empty host or a path)
    and any loopback address stand for loopback in all its spellings."""
    local = not host or host.startswith("/")
    addresses = frozenset(() if local else _resolve(host))
    if local or any(address.is_loopback for address in addresses):
        addresses |= {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    return addresses
