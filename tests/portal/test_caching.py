"""Cached portal-wide values: fresh, stale-but-served while one caller refreshes, and
computed directly when the cache is down."""

from __future__ import annotations

from unittest import mock

import time_machine
from django.core.cache import cache

from portal.caching import remembered


def test_a_value_is_computed_once_while_fresh():
    calls = []
    for _ in range(3):
        assert remembered("k1", lambda: calls.append(1) or len(calls), 60) == 1
    assert len(calls) == 1


def test_a_stale_value_is_refreshed_by_one_caller_while_others_get_the_old_one():
    with time_machine.travel(0, tick=False) as clock:
        assert remembered("k2", lambda: "old", 60) == "old"
        clock.shift(61)
        cache.add("k2:refreshing", 1, 30)  # another worker is refreshing right now
        assert remembered("k2", lambda: "new", 60) == "old"
        cache.delete("k2:refreshing")
        assert remembered("k2", lambda: "new", 60) == "new"
        assert remembered("k2", lambda: "newer", 60) == "new"


def test_values_written_in_another_shape_are_recomputed():
    cache.set("k3", {"a": 1})
    assert remembered("k3", lambda: "fresh", 60) == "fresh"


def test_a_cache_that_is_down_means_computing():
    with mock.patch.object(cache, "get", side_effect=ConnectionError("down")):
        assert remembered("k4", lambda: 42, 60) == 42
    with mock.patch.object(cache, "set", side_effect=ConnectionError("down")):
        assert remembered("k5", lambda: 43, 60) == 43


def test_the_shared_cache_builds_one_client_for_all_its_operations():
    """Production's Redis cache keeps one client per server (Django's builds one for every
    operation), and works through it as Django's does."""
    import urllib.parse

    from django.conf import settings

    from portal.caching import RedisCache

    broker = urllib.parse.urlparse(settings.CELERY_BROKER_URL)
    shared = RedisCache(f"redis://{broker.hostname}:{broker.port or 6379}/14",
                        {"KEY_PREFIX": "client-test"})
    first = shared._cache.get_client()
    assert shared._cache.get_client("k5", write=True) is first
    shared.set("k5", 1)
    assert shared.incr("k5") == 2 and shared.get("k5") == 2
    assert shared.get_many(["k5", "k6"]) == {"k5": 2}
    shared.delete("k5")
    assert shared.get("k5") is None and shared._cache.get_client() is first
