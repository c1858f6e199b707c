"""Reading through the cache without depending on it: when the cache server is down, the
value is computed as if nothing were cached, and the page still answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")
_MISSING = object()


def remembered(key: str, compute: Callable[[], T], timeout: int) -> T:
    """Return the cached value of ``key``, computing and storing it when absent."""
    try:
        found = cache.get(key, _MISSING)
    except Exception:  # noqa: BLE001 - any cache failure means "not cached"
        logger.warning("cache unavailable while reading %s", key, exc_info=True)
        return compute()
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = compute()
    try:
        cache.set(key, value, timeout)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable while writing %s", key, exc_info=True)
    return value
