"""The in-process document-frequency cache and the batch's list selection: no Redis needed."""

from __future__ import annotations

import pytest

from newsfeed_readmodel.related.index import DfCache
from newsfeed_readmodel.related.planning import lists_wanted


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize(
    ("elapsed", "expected_missing"),
    [(0.0, ["c"]), (59.0, ["c"]), (61.0, ["a", "b", "c"])],
)
def test_counts_are_served_until_the_ttl_expires(elapsed: float, expected_missing: list[str]) -> None:
    clock = Clock()
    cache = DfCache(60.0, now=clock)
    cache.add(["a", "b"], [b"3", None])
    clock.t = elapsed
    assert cache.missing(["a", "b", "c"]) == expected_missing


def test_own_increments_reach_the_cached_counts_only() -> None:
    cache = DfCache(60.0, now=Clock())
    cache.add(["a"], [b"3"])
    cache.bump(["a", "z"])
    assert cache.counts == {"a": 4}


def test_lists_wanted_keeps_the_best_threshold_and_always_loads_taken_down_lists() -> None:
    ranked = {"new": [("o1", 0.2), ("gone", 0.1)], "edit": [("o1", 0.5), ("o2", 0.1), ("new", 0.3)]}
    wanted = lists_wanted(ranked, gone={"gone"}, live={"new": {}, "edit": {}}, edited={"edit"})
    assert wanted == {"gone": (None, []), "o1": (0.5, ["edit"]), "o2": (0.1, ["edit"])}
