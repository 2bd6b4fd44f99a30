"""Trimming `{prefix}:articles` against a real consumer group."""

from __future__ import annotations

import redis.asyncio as aioredis

from newsfeed_indexer.trimming import trim_stream
from newsfeed_readmodel.keys import Keys
from newsfeed_schemas.streams import INDEXER_GROUP


async def _fill(client: aioredis.Redis, stream: str, n: int) -> list[bytes]:
    return [await client.xadd(stream, {"data": b"{}"}, id=f"{i}-0") for i in range(1, n + 1)]


async def test_trims_only_processed_entries(redis_client: aioredis.Redis, prefix: str) -> None:
    stream = Keys(prefix).streams.articles
    await _fill(redis_client, stream, 10)
    await redis_client.xgroup_create(stream, INDEXER_GROUP, id="0")
    assert await trim_stream(redis_client, stream, retention_s=0) == 0  # nothing read yet

    await redis_client.xreadgroup(INDEXER_GROUP, "c1", {stream: ">"}, count=6)  # 1..6 delivered
    await redis_client.xack(stream, INDEXER_GROUP, "1-0", "2-0", "4-0", "5-0", "6-0")  # 3-0 still pending
    assert await trim_stream(redis_client, stream, retention_s=0) == 2
    assert next(i for i, _ in await redis_client.xrange(stream)) == b"3-0"

    await redis_client.xack(stream, INDEXER_GROUP, "3-0")
    assert await trim_stream(redis_client, stream, retention_s=0) == 4  # 3..6 processed; 7..10 never read
    assert await redis_client.xlen(stream) == 4


async def test_keeps_recent_entries_and_respects_other_groups(redis_client: aioredis.Redis, prefix: str) -> None:
    stream = Keys(prefix).streams.articles
    await _fill(redis_client, stream, 10)
    await redis_client.xgroup_create(stream, INDEXER_GROUP, id="$")  # everything "processed"
    assert await trim_stream(redis_client, stream, retention_s=0.005, now_ms=12) == 6  # ids 7.. are younger than 5 ms
    await _fill_more(redis_client, stream)
    await redis_client.xgroup_create(stream, "downstream", id="10-0")  # has not read 11..
    assert await trim_stream(redis_client, stream, retention_s=0) == 4  # 7..10 go, 11.. stay for downstream
    assert next(i for i, _ in await redis_client.xrange(stream)) == b"11-0"


async def _fill_more(client: aioredis.Redis, stream: str) -> None:
    for i in range(11, 14):
        await client.xadd(stream, {"data": b"{}"}, id=f"{i}-0")


async def test_missing_stream_is_not_an_error(redis_client: aioredis.Redis, prefix: str) -> None:
    assert await trim_stream(redis_client, Keys(prefix).streams.articles, retention_s=0) == 0
