"""The live hub against a real Redis: many pages resuming at once, from many places."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from newsfeed_api.live import FeedChangesHub
from newsfeed_schemas.streams import encode_fields
from tests.redis_server import RedisServer
from tests.waiting import eventually


async def _count(items: list[int]) -> int:
    return len(items)


async def _announce(redis: aioredis.Redis, stream: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        delta = {"inserted": [f"a{i}"], "moved": [], "updated": [], "removed": []}
        payload = {"type": "feed.changed", "article_id": f"a{i}", "event_type": "article.published"}
        fields = encode_fields({**payload, "feeds": [{"feed": "all", **delta}]}, type_="feed.changed", subject=f"a{i}")
        ids.append((await redis.xadd(stream, fields)).decode())
    return ids


async def test_pages_resuming_from_many_places_at_once_never_starve_the_hub(
    redis_server: RedisServer, prefix: str
) -> None:
    """Each of 200 pages resumes from its own place (no two share a read): their reads take turns
    instead of each waiting for a connection of the hub's pool, where one that waited too long
    failed and the page got an empty stream; and live changes still reach them all."""
    pool = aioredis.BlockingConnectionPool.from_url(redis_server.url, max_connections=10, timeout=0.02)
    redis = aioredis.Redis(connection_pool=pool)
    stream = f"{{{prefix}}}:feed-changes"
    ids = await _announce(redis, stream, 1000)
    hub = FeedChangesHub(redis, stream, block_ms=200)
    places = ids[-201:-1]  # every page has missed something
    caught_up: list[int] = []

    async def page(place: str) -> tuple[int, int]:
        """(changes caught up, live changes seen) of a page resuming after `place`."""
        frames = hub.watch("all", place)
        missed = (await anext(frames)).count(b"event: feed.changed")
        caught_up.append(missed)
        live = (await anext(frames)).count(b"event: feed.changed")
        await frames.aclose()
        return missed, live

    pages = [asyncio.create_task(page(place)) for place in places]
    await eventually(lambda: _count(caught_up), until=lambda n: n == len(places) or any(p.done() for p in pages))
    assert not any(p.done() for p in pages), [p.exception() for p in pages if p.done()][:1]
    await _announce(redis, stream, 1)
    results = await asyncio.wait_for(asyncio.gather(*pages), 30)
    assert [caught for caught, _ in results] == [len(places) - k for k in range(len(places))]
    assert all(live == 1 for _, live in results)
    await hub.stop()
    await redis.aclose()
    await pool.aclose()  # a client given a pool leaves it open
