"""The live hub against a real Redis: many pages resuming at once, from many places."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import redis.asyncio as aioredis

from newsfeed_api import live as live_module
from newsfeed_api.live import FeedChangesHub, _Window
from newsfeed_schemas.streams import encode_fields
from tests.redis_server import RedisServer
from tests.waiting import eventually


async def _count(items: list[int]) -> int:
    return len(items)


async def _stream_reads(redis: aioredis.Redis) -> int:
    stats = await redis.info("commandstats")
    return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("xrange", "xrevrange"))


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
    reads_before = await _stream_reads(redis)

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
    # one read of the stream when the hub started, none per page: their catch-ups come from memory
    assert await _stream_reads(redis) - reads_before == 1
    await _announce(redis, stream, 1)
    results = await asyncio.wait_for(asyncio.gather(*pages), 30)
    assert [caught for caught, _ in results] == [len(places) - k for k in range(len(places))]
    assert all(live == 1 for _, live in results)
    await hub.stop()
    await redis.aclose()
    await pool.aclose()  # a client given a pool leaves it open


def _change(i: int, feeds: list[str]) -> dict[str, object]:
    delta = {"inserted": [f"a{i}"], "moved": [], "updated": [], "removed": []}
    return {"article_id": f"a{i}", "event_type": "article.published", "feeds": [{"feed": f, **delta} for f in feeds]}


def _inserted(frames: bytes) -> list[str]:
    return [orjson.loads(line[6:])["inserted"][0] for line in frames.split(b"\r\n") if line.startswith(b"data: ")]


def test_the_window_replays_a_feeds_changes_after_any_id_it_holds() -> None:
    window = _Window()
    ids = [f"{1000 + i}-0" for i in range(live_module._CATCH_UP + 50)]
    for i, stream_id in enumerate(ids[:10]):
        window.add(stream_id, _change(i, ["all", "tag:even" if i % 2 == 0 else "tag:odd"]))
    assert _inserted(window.after(ids[3], "tag:even") or b"") == ["a4", "a6", "a8"]
    assert _inserted(window.after(ids[3], "all") or b"") == [f"a{i}" for i in range(4, 10)]
    assert (window.after(ids[3], "tag:even") or b"").endswith(b"id: " + ids[9].encode() + b"\r\n\r\n")
    assert window.after("1-0", "all") is None  # never sent
    # kept up as changes come, and the oldest leave once more than _CATCH_UP came after them
    for i, stream_id in enumerate(ids[10:], start=10):
        window.add(stream_id, _change(i, ["all", "tag:even" if i % 2 == 0 else "tag:odd"]))
    newest = len(ids) - 1
    assert window.after(ids[48], "all") is None  # 1,001 changes came after it
    assert _inserted(window.after(ids[49], "all") or b"") == [f"a{i}" for i in range(50, newest + 1)]
    assert _inserted(window.after(ids[newest - 5], "tag:even") or b"") == [
        f"a{i}" for i in range(newest - 4, newest + 1) if i % 2 == 0
    ]
    assert _inserted(window.after(ids[newest], "all") or b"") == []


def test_the_window_keeps_the_frames_of_a_bounded_number_of_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_module, "_FEEDS_KEPT", 3)
    window = _Window()
    window.add("1-0", _change(0, ["all", *(f"tag:t{k}" for k in range(10))]))
    window.add("2-0", _change(1, ["all", *(f"tag:t{k}" for k in range(10))]))
    for k in range(10):
        assert _inserted(window.after("1-0", f"tag:t{k}") or b"") == ["a1"]
    assert len(window.feeds) == 3


def test_a_feed_resumed_once_keeps_no_more_frames_than_the_window_holds() -> None:
    window = _Window()
    window.add("1-0", _change(0, ["all"]))
    window.add("2-0", _change(1, ["all"]))
    assert _inserted(window.after("1-0", "all") or b"") == ["a1"]  # "all" is kept up from now on
    for i in range(2, 3 * live_module._CATCH_UP):
        window.add(f"{i + 1}-0", _change(i, ["all"]))
    numbers, frames = window.feeds["all"]
    assert len(numbers) == len(frames) == live_module._CATCH_UP + 1
    assert numbers[0] == window.first


async def test_a_stream_made_anew_with_older_ids_is_followed_again(redis_server: RedisServer, prefix: str) -> None:
    """A Redis restored from an older copy (or one whose clock is behind) may hold the stream
    again with ids older than the hub's position: reading after that position would deliver
    nothing, ever. Watchers are told to reload, and the new entries reach them."""
    redis = aioredis.Redis.from_url(redis_server.url)
    stream = f"{{{prefix}}}:feed-changes"

    async def add(stream_id: str, i: int) -> None:
        fields = encode_fields({"type": "feed.changed", **_change(i, ["all"])}, type_="feed.changed", subject=f"a{i}")
        await redis.xadd(stream, fields, id=stream_id)

    await add("9000000000000-0", 0)
    hub = FeedChangesHub(redis, stream, block_ms=100)
    frames = hub.watch("all", None)
    assert b"9000000000000-0" in await anext(frames)  # the position
    await redis.delete(stream)
    await add("1000-0", 1)
    reload = await asyncio.wait_for(anext(frames), 10)
    assert b"event: feed.reload" in reload and b"id: 1000-0" in reload
    await add("1001-0", 2)
    live = await asyncio.wait_for(anext(frames), 10)
    assert _inserted(live) == ["a2"]
    await frames.aclose()
    await hub.stop()
    await redis.aclose()
