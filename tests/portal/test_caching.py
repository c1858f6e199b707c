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
