"""`rebuild_feeds`: fresh keys from the stored articles, switched atomically while serving."""

from __future__ import annotations

import asyncio
import time

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.reindex import ABANDONED_AFTER_S, rebuild_feeds, scratch_token
from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import deleted, published, unpublished
from tests.readmodel_dump import canonical_dump

TAGS = [[{"slug": "world"}], [{"slug": "economy"}, {"slug": "world"}], [{"slug": "sport"}]]


async def _publish_corpus(system: System, n: int) -> None:
    for i in range(n):
        await system.publish(published(f"art-{i:03d}", minutes=i, tags=TAGS[i % 3]))
    await system.publish(unpublished("art-001", revision=2))
    await system.publish(deleted("art-002", revision=2))
    await system.caught_up()


async def test_rebuild_restores_a_damaged_read_model(system: System) -> None:
    keys = Keys(system.prefix)
    await _publish_corpus(system, 12)
    before = await canonical_dump(system.redis, system.prefix)
    await system.redis.delete(keys.feed("tag:sport"), keys.slug("art-004"))
    await system.redis.zadd(keys.slug("art-005"), {"000000000000001|nobody": 0})
    await system.redis.zadd(keys.feed("tag:ghost"), {"000000000000001|nobody": 0})
    await system.redis.srem(keys.live, "art-003")
    progress: list[tuple[int, int]] = []
    assert await rebuild_feeds(system.redis, keys, lambda done, total: progress.append((done, total))) == 10
    assert await canonical_dump(system.redis, system.prefix) == before
    assert progress[-1] == (12, 12)  # every article hash, live or not
    assert [k async for k in system.redis.scan_iter(match=f"{key_root(system.prefix)}:rebuild:*")] == []


async def test_readers_never_see_a_partial_feed(system: System) -> None:
    keys = Keys(system.prefix)
    await _publish_corpus(system, 60)
    expected = await system.redis.zrange(keys.feed("all"), 0, -1)
    seen: list[int] = []
    done = asyncio.Event()

    async def reader() -> None:
        while not done.is_set():
            seen.append(len(await system.feed_ids(limit=100)))
            await asyncio.sleep(0)

    task = asyncio.create_task(reader())
    for _ in range(3):
        await rebuild_feeds(system.redis, keys)
    done.set()
    await task
    assert seen and set(seen) == {58}
    assert await system.redis.zrange(keys.feed("all"), 0, -1) == expected


async def test_rebuild_during_writes_loses_nothing(system: System) -> None:
    keys = Keys(system.prefix)
    await _publish_corpus(system, 20)

    async def writer() -> None:
        for i in range(20, 50):
            await system.publish(published(f"art-{i:03d}", minutes=i))

    task = asyncio.create_task(writer())
    await rebuild_feeds(system.redis, keys, attempts=100)
    await task
    await system.caught_up()
    ids = await system.feed_ids(limit=100)
    assert len(ids) == 48
    before = await canonical_dump(system.redis, system.prefix)
    await rebuild_feeds(system.redis, keys)
    assert await canonical_dump(system.redis, system.prefix) == before


async def test_a_rebuild_removes_what_a_killed_one_left_and_nothing_of_a_running_one(system: System) -> None:
    keys = Keys(system.prefix)
    await _publish_corpus(system, 6)
    now = time.time()
    killed = keys.scratch(scratch_token(now - ABANDONED_AFTER_S - 60))  # a `newsfeed reindex` killed an hour ago
    older = keys.scratch("0a1b2c3d4e5f")  # a token written before tokens said when they started
    running = keys.scratch(scratch_token(now))  # another rebuild, still at work
    for scratch in (killed, older, running):
        await system.redis.zadd(scratch.feed("all"), {"000000000000001|x": 0})
        await system.redis.sadd(scratch.live, "x")
    await rebuild_feeds(system.redis, keys)
    left = {k.decode() async for k in system.redis.scan_iter(match=f"{key_root(system.prefix)}:rebuild:*")}
    assert left == {running.feed("all"), running.live}
