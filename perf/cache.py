"""The cache backend: Django's Redis cache, failing open when Redis cannot be reached.

Everything perf keeps in the cache (sessions, which ``cached_db`` also writes to the database;
the dashboards' values and pages, which are rebuilt) can be done without it, so a Redis outage
must slow pages down, never break them. Every operation that meets a Redis error (a refused or
timed-out connection above all) answers as if the cache were empty (a read is a miss, a write
does nothing) and logs a warning. After one failure the cache is not tried again for
``RETRY_SECONDS``: with a host that does not answer, each attempt would wait for the socket
timeout.

A write that could not be made leaves the entry Redis still holds out of date (a signed-out
session, a retired page): the keys of those writes are remembered and deleted as soon as Redis
answers again, so nothing stale is served once it is back. They are remembered by this process
only (at most ``MAX_STALE_KEYS``).
"""

import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a Redis that is down, unreachable or unwell raises: redis-py's errors (a refused or timed
# out connection, an answer that is not Redis's, a server out of memory) and raw socket errors.
UNREACHABLE = (RedisError, OSError)
RETRY_SECONDS = 5.0
MAX_STALE_KEYS = 10_000


class FailOpenRedisCache(RedisCache):
    """``RedisCache`` whose reads miss and writes do nothing while Redis is unreachable (or
    answers with an error)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._stale: set[str] = set()

    def _guarded(
        self,
        call: Callable[[], Any],
        fallback: Any,
        written: Iterable[str] = (),
        version: int | None = None,
    ) -> Any:
        """``call()``'s answer, or ``fallback`` when Redis cannot be reached. ``written``: the
        keys (of ``version``) the call writes, deleted once Redis is back if the write could
        not be made (made into Redis keys only then: a write that succeeds makes its own)."""
        if time.monotonic() < self._down_until:
            self._remember(written, version)
            return fallback
        try:
            answer = call()
        except UNREACHABLE as exc:
            self._down_until = time.monotonic() + RETRY_SECONDS
            self._remember(written, version)
            logger.warning(
                "The cache (Redis) cannot be reached, so perf works without it for the next "
                "%s s: %s: %s",
                RETRY_SECONDS,
                type(exc).__name__,
                exc,
            )
            return fallback
        if self._stale:
            self._stale_delete()
        return answer

    def _remember(self, keys: Iterable[str], version: int | None) -> None:
        for key in keys:
            if len(self._stale) >= MAX_STALE_KEYS:
                logger.warning("Too many cache writes failed to keep them all for deletion.")
                return
            self._stale.add(self.make_and_validate_key(key, version=version))

    def _stale_delete(self) -> None:
        stale, self._stale = list(self._stale), set()
        try:
            self._cache.delete_many(stale)
        except UNREACHABLE:
            self._stale.update(stale)  # gone again: next time
        else:
            logger.info(
                "The cache is back: %d entries written during the outage dropped.", len(stale)
            )

    def ping(self) -> None:
        """Raise unless Redis answers (the health check: it must see the outage this class
        hides)."""
        self._cache.get_client(write=True).ping()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        call = partial(super().add, key, value, timeout, version)
        return self._guarded(call, False, [key], version)

    def get(self, key, default=None, version=None):
        return self._guarded(partial(super().get, key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        call = partial(super().set, key, value, timeout, version)
        self._guarded(call, None, [key], version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        call = partial(super().touch, key, timeout, version)
        return self._guarded(call, False, [key], version)

    def delete(self, key, version=None):
        call = partial(super().delete, key, version)
        return self._guarded(call, False, [key], version)

    def get_many(self, keys, version=None):
        return self._guarded(partial(super().get_many, keys, version), {})

    def has_key(self, key, version=None):
        return self._guarded(partial(super().has_key, key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        call = partial(super().incr, key, delta, version)
        answer = self._guarded(call, missing, [key], version)
        if answer is missing:
            raise ValueError(f"Key '{key}' not found (the cache cannot be reached).")
        return answer

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        call = partial(super().set_many, data, timeout, version)
        # Django's contract: the keys that could not be stored.
        return self._guarded(call, list(data), data, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._guarded(partial(super().delete_many, keys, version), None, keys, version)

    def clear(self):
        return self._guarded(super().clear, False)
