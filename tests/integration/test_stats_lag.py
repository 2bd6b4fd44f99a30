"""The indexer group's lag as /v1/stats and /metrics report it, against a real Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.stats import read_stats
from newsfeed_schemas.streams import INDEXER_GROUP


async def _stream_of(redis: aioredis.Redis, keys: Keys, entries: int) -> None:
    await redis.xgroup_create(keys.streams.articles, INDEXER_GROUP, id="0", mkstream=True)
    for n in range(entries):
        await redis.xadd(keys.streams.articles, {"data": f"{n}"})


async def test_lag_counts_what_the_group_has_not_been_given(redis_client: aioredis.Redis, prefix: str) -> None:
    keys = Keys(prefix)
    await _stream_of(redis_client, keys, 10)
    assert (await read_stats(redis_client, keys))["lag"] == 10
    await redis_client.xreadgroup(INDEXER_GROUP, "c1", {keys.streams.articles: ">"}, count=4)
    assert (await read_stats(redis_client, keys))["lag"] == 6
    await redis_client.xreadgroup(INDEXER_GROUP, "c1", {keys.streams.articles: ">"})
    assert (await read_stats(redis_client, keys))["lag"] == 0


async def test_a_group_given_every_entry_has_no_lag_whatever_redis_counts(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    # After a restart from the append-only file, Redis can count fewer entries read than it
    # delivered; setting the count by hand gives the same state.
    keys = Keys(prefix)
    await _stream_of(redis_client, keys, 10)
    await redis_client.xreadgroup(INDEXER_GROUP, "c1", {keys.streams.articles: ">"})
    await redis_client.execute_command("XGROUP", "SETID", keys.streams.articles, INDEXER_GROUP, "$", "ENTRIESREAD", 3)
    groups = await redis_client.xinfo_groups(keys.streams.articles)
    assert groups[0]["lag"] == 7  # Redis's own counter
    assert (await read_stats(redis_client, keys))["lag"] == 0
