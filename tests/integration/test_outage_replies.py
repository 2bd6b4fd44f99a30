"""Replies of a real Redis that mean "not now" are outages (retry), not a wrong request (poison)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newsfeed_runtime.redis import is_outage
from tests.redis_server import RedisServer
from tests.waiting import eventually


async def test_a_read_blocked_on_a_stream_that_is_taken_away_is_an_outage(
    redis_server: RedisServer, prefix: str
) -> None:
    """What a consumer meets while a cluster slot migrates: MIGRATE deletes the stream on the
    source, and Redis unblocks the XREADGROUP waiting on it with an error."""
    stream = f"{prefix}:articles"
    admin, reader = Redis.from_url(redis_server.url), Redis.from_url(redis_server.url)
    try:
        await admin.xgroup_create(stream, "indexer", id="$", mkstream=True)
        blocked = asyncio.create_task(reader.xreadgroup("indexer", "c1", {stream: ">"}, block=10_000))

        async def waiting() -> bool:
            clients = await admin.client_list()
            return any(c.get("cmd") == "xreadgroup" and "b" in c.get("flags", "") for c in clients)

        await eventually(waiting, timeout=5)  # the read is blocked on the stream now
        await admin.delete(stream)
        with pytest.raises(ResponseError) as raised:
            await asyncio.wait_for(blocked, 5)
        assert "UNBLOCKED" in str(raised.value)
        assert is_outage(raised.value)
    finally:
        await admin.aclose()
        await reader.aclose()


async def test_a_wrong_request_is_not_an_outage(redis_client: Redis, prefix: str) -> None:
    await redis_client.set(f"{prefix}:text", "x")
    with pytest.raises(ResponseError) as raised:
        await redis_client.xadd(f"{prefix}:text", {"a": "b"})  # WRONGTYPE
    assert not is_outage(raised.value)


async def test_a_cluster_none_of_whose_nodes_answers_is_an_outage() -> None:
    # what a replica, the publisher and the operator commands meet when the startup node is down
    from newsfeed.embedded import free_port
    from newsfeed_runtime.redis import connect

    client = connect(f"redis://127.0.0.1:{free_port()}", cluster=True)
    try:
        with pytest.raises(Exception) as raised:
            await client.exists("{site}:articles")
        assert is_outage(raised.value), repr(raised.value)
    finally:
        await client.aclose()
