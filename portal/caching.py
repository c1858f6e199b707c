"""Reading through the cache without depending on it: when the cache server is down, the
value is computed as if nothing were cached, and the page still answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")
STALE_FACTOR = 10  # a value is kept this many times longer than it is fresh


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


def bump(name: str) -> None:
    """Change the version of ``name``, so that values keyed on the old one are not read
    again."""
    key = f"version:{name}"
    try:
        try:
            cache.incr(key)
        except ValueError:  # not set: any new number will do
            cache.set(key, time.time_ns(), None)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while bumping %s", key, exc_info=True)
