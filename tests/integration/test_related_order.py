"""Guarantee 2 for related lists: the same events in any order give the same lists, equal to a reindex."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.maintainer import reindex_related
from tests.conftest import System, running_system
from tests.integration.test_related_reindex import store_for, stored_lists
from tests.redis_server import RedisServer
from tests.related_corpus import history

PREFIX = "order"
JSON = {"content-type": "application/json"}


async def publish_in_order(system: System, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 100):
        body = orjson.dumps(events[start : start + 100])
        response = await system.http.post("/v1/events/batch", content=body, headers=JSON)
        assert response.status_code in (200, 202, 207), response.text
    await system.caught_up(timeout=120)


async def lists_after(tmp: Path, events: list[dict[str, Any]]) -> dict[str, list[tuple[str, float]]]:
    """Publish `events` in this order into a fresh redis-server; the related lists it keeps."""
    server = RedisServer(tmp, appendonly=False)
    server.start()
    try:
        async with running_system(server.url, PREFIX) as system:
            await publish_in_order(system, events)
            live = await stored_lists(system)
            assert await reindex_related(store_for(system), lambda _: None) > 0
            assert await stored_lists(system) == live  # the live path kept what a reindex computes
            return live
    finally:
        server.stop()


def top5_jaccard(a: dict[str, list[tuple[str, float]]], b: dict[str, list[tuple[str, float]]]) -> float:
    scores = []
    for key in a.keys() | b.keys():
        first, second = {m for m, _ in a.get(key, [])[:5]}, {m for m, _ in b.get(key, [])[:5]}
        scores.append(len(first & second) / len(first | second) if first | second else 1.0)
    return sum(scores) / len(scores)


async def test_two_shuffled_orders_give_identical_lists_equal_to_a_reindex(tmp_path: Path) -> None:
    events = history(240, topics=40)
    one, two = events[:], events[:]
    random.Random(1).shuffle(one)
    random.Random(2).shuffle(two)
    first = await lists_after(tmp_path / "one", one)
    second = await lists_after(tmp_path / "two", two)
    assert len(first) > 150  # most live articles have neighbours: the comparison is not vacuous
    assert top5_jaccard(first, second) == 1.0
    assert first == second
    prefix = Keys(PREFIX).related("")
    assert all(key.startswith(prefix) for key in first)
