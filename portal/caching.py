"""Reading through the cache without depending on it: when the cache server is down, the
value is computed as if nothing were cached, and the page still answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)
T = TypeVar("T")
STALE_FACTOR = 10  # a value is kept this many times longer than it is fresh
ORGANIZATIONS = "organizations"  # the version of the organization tree (portal.signals)
# The longest a value computed from who may see what is kept (rights, grants, accounts,
# anonymous pages): the bound of staleness should a version bump fail (see bump).
FRESH_SECONDS = 120


def remembered(key: str, compute: Callable[[], T], timeout: int) -> T:
    """Return the cached value of ``key``, computing and storing it when absent.

    A value older than ``timeout`` seconds is refreshed by one request while the others
    go on answering with it, so that an expensive count is never computed by every worker
    at the same moment.
    """
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache failure means "not cached"
        logger.warning("cache unavailable while reading %s", key, exc_info=True)
        return compute()
    now = time.time()
    if isinstance(found, tuple) and len(found) == 2:  # anything else: written otherwise
        value, fresh_until = found
        if now < fresh_until or not _claim_refresh(key):
            return value
    value = compute()
    try:
        cache.set(key, (value, now + timeout), timeout * STALE_FACTOR)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while writing %s", key, exc_info=True)
    return value


def _claim_refresh(key: str) -> bool:
    """Return True for the one caller that should refresh a stale value."""
    try:
        return bool(cache.add(f"{key}:refreshing", 1, 30))
    except Exception:  # noqa: BLE001
        return True


def version(name: str) -> int | None:
    """Return the current version of ``name`` (a number that :func:`bump` changes), or None
    when the cache does not answer. A version that was never set (or was evicted) starts
    from the clock, so that it never returns to a number an older cached value was keyed
    on."""
    key = f"version:{name}"
    try:
        found = cache.get(key)
        if found is None:
            cache.add(key, time.time_ns(), None)
            found = cache.get(key)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while reading %s", key, exc_info=True)
        return None
    return found if isinstance(found, int) else None


BUMP_ATTEMPTS = 2  # a blip is tried again; a cache that is down is not waited for


def bump(name: str) -> None:
    """Change the version of ``name``, so that values keyed on the old one are not read
    again.

    A cache that does not answer is tried again, then left with an error in the log: the
    change itself goes through (the portal keeps working while the cache is down, and what
    cannot be read from it is computed). Values kept under the old version may then be
    served once the cache answers again, for at most their lifetime: the caches of who
    may see what keep values for ``FRESH_SECONDS`` at most for that reason."""
    key = f"version:{name}"
    for attempt in range(1, BUMP_ATTEMPTS + 1):
        try:
            try:
                cache.incr(key)
            except ValueError:  # not set: any new number will do
                cache.set(key, time.time_ns(), None)
            return
        except Exception:  # noqa: BLE001
            if attempt == BUMP_ATTEMPTS:
                logger.error("cache unavailable while bumping %s: values kept under its "
                             "old version may be served for %d s once it answers",
                             key, FRESH_SECONDS, exc_info=True)


def is_shared() -> bool:
    """Whether every process reads the same cache (not a per-process memory cache): a
    version bumped in one process (a worker releasing an item) is then seen by all."""
    from django.conf import settings

    return "locmem" not in str(settings.CACHES["default"]["BACKEND"]).lower()


def bump_on_commit(name: str) -> None:
    """Bump ``name`` now and once more when the transaction commits: a reader between the
    two may have computed its value from what was not committed yet, and stored it under
    the new version."""
    from django.db import transaction

    bump(name)
    transaction.on_commit(lambda: bump(name))


def stamped(key: str, versions: tuple[str, ...], compute: Callable[[], T], timeout: int,
            stamp: object = None, shared_only: bool = False) -> T:
    """Return the value of ``key`` if it was computed under the current ``versions`` (and
    ``stamp``, e.g. today's date), else compute and store it: one round trip to the cache
    when the value is there.

    Unlike :func:`remembered`, a value is never served once one of its versions moved: what
    it holds (who may see what) must take effect on the very next request. With
    ``shared_only``, nothing is kept unless every process reads the same cache: a version
    bumped by another process (the worker releasing an item, syncing memberships) would
    not reach this one's memory."""
    if shared_only and not is_shared():
        return compute()
    names = [f"version:{name}" for name in versions]
    try:
        found = cache.get_many([key, *names])
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while reading %s", key, exc_info=True)
        return compute()
    current = []
    for name, full in zip(versions, names, strict=True):
        number = found.get(full)
        if not isinstance(number, int):
            number = version(name)
            if number is None:
                return compute()
        current.append(number)
    label = (tuple(current), stamp)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == label:
        return entry[1]
    value = compute()
    try:
        cache.set(key, (label, value), timeout)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while writing %s", key, exc_info=True)
    return value


class _ReusedClientRedis(RedisCacheClient):
    """Django's Redis client builds a ``redis.Redis`` object (with its table of response
    callbacks, ~50 µs) for every cache operation; a page makes about eight. The object
    holds no connection of its own (its pool does), so one per pool serves them all."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """The shared cache of production (``CACHE_URL``): Django's, reusing its clients."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientRedis
