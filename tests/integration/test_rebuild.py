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
from tests.waiting import eventually

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


async def test_a_rebuild_finishes_while_the_cms_keeps_publishing(system: System) -> None:
    """A busy site never gives the rebuild a quiet moment: the CMS publishes, edits and takes
    down throughout, more often than a rebuild of the corpus takes. The rebuild still finishes,
    and what it switched in is what the indexer keeps: once the writes stop, a second rebuild
    changes nothing, and the feed holds exactly the articles left live."""
    keys = Keys(system.prefix)
    corpus = [published(f"art-{i:04d}", minutes=i, tags=TAGS[i % 3]) for i in range(1500)]
    for start in range(0, len(corpus), 500):
        response = await system.http.post("/v1/events/batch", json=corpus[start : start + 500])
        assert response.json()["accepted"] == 500
    await system.caught_up(timeout=60)
    live = {f"art-{i:04d}" for i in range(1500)}
    stop = asyncio.Event()
    sent = 0

    async def cms() -> None:
        nonlocal sent
        while not stop.is_set():
            i = 1500 + sent
            if sent % 3 == 0:  # a new article
                event, article = published(f"art-{i:04d}", minutes=i, tags=TAGS[i % 3]), f"art-{i:04d}"
                live.add(article)
            elif sent % 3 == 1:  # an edit that moves an old article to another tag
                article = f"art-{sent:04d}"
                event = published(article, minutes=sent, revision=2, tags=TAGS[(sent + 1) % 3])
            else:  # a take-down
                article = f"art-{sent + 700:04d}"
                event = unpublished(article, revision=2)
                live.discard(article)
            assert (await system.publish(event)).status_code in (200, 202)
            sent += 1
            await asyncio.sleep(0.005)  # pacing, so that the indexer applies as the CMS sends

    task = asyncio.create_task(cms())
    try:
        await rebuild_feeds(system.redis, keys)
    finally:
        stop.set()
        await task
    assert sent >= 3  # the CMS wrote while the rebuild ran (a rebuild that needs a quiet moment fails)
    await system.caught_up()
    after_writes = await canonical_dump(system.redis, system.prefix)
    await rebuild_feeds(system.redis, keys)
    assert await canonical_dump(system.redis, system.prefix) == after_writes
    assert set(await _all_feed_ids(system)) == live


async def test_the_indexer_waits_out_a_rebuild_that_died_holding_its_writes(system: System) -> None:
    """A `newsfeed reindex` killed during its switch leaves its hold behind: the indexer applies
    nothing while it stands, then carries on by itself once it expires; nothing is lost."""
    keys = Keys(system.prefix)
    await _publish_corpus(system, 3)
    await system.redis.hset(keys.rebuild_hold, "holder", "a-killed-rebuild")
    await system.redis.pexpire(keys.rebuild_hold, 1500)
    expires_at = time.monotonic() + (await system.redis.pttl(keys.rebuild_hold)) / 1000
    assert (await system.publish(published("art-late", minutes=99))).status_code == 202
    await eventually(system.feed_ids, until=lambda ids: "art-late" in ids)
    assert time.monotonic() >= expires_at - 0.05  # not applied while the hold stood
    await system.caught_up()


async def _all_feed_ids(system: System) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = await system.feed(limit=100, **({"cursor": cursor} if cursor else {}))
        ids += [card["id"] for card in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids
