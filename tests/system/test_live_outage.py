"""The live stream when Redis goes away: the stream ends cleanly, and the page reconnects."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from newsfeed_schemas.streams import key_root
from tests.conftest import running_system
from tests.factories import published
from tests.redis_server import RedisServer
from tests.waiting import eventually


async def test_live_streams_end_while_redis_is_gone_and_open_again_once_it_is_back(
    tmp_path: Path, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path / "redis", appendonly=False)
    server.start()
    try:
        async with running_system(server.url, prefix) as system:
            await system.publish(published("a1"))
            await system.caught_up()
            [(place, _)] = await system.redis.xrange(f"{key_root(prefix)}:feed-changes", count=1)
            # two pages open: one new, one resuming
            async with (
                system.http.stream("GET", "/v1/feed/events", timeout=30) as fresh,
                system.http.stream("GET", "/v1/feed/events", headers={"last-event-id": place.decode()}) as resumed,
            ):
                assert (fresh.status_code, resumed.status_code) == (200, 200)
                fresh_chunks = fresh.aiter_bytes()
                await anext(fresh_chunks)  # its position: the stream is open
                server.kill()
                # both end (the browser reconnects): neither is left open on a stream that carries nothing
                rest = await asyncio.wait_for(_all(fresh_chunks), timeout=15)
                await asyncio.wait_for(_all(resumed.aiter_bytes()), timeout=15)
            assert b"event: feed.changed" not in rest

            async def status_now() -> int:
                async with system.http.stream("GET", "/v1/feed/events", timeout=15) as response:
                    return response.status_code

            # while Redis is away, a stream is refused as every route refuses: 503 and Retry-After
            async with system.http.stream("GET", "/v1/feed/events", timeout=15) as refused:
                assert refused.status_code == 503 and refused.headers["retry-after"]
            server.start()
            assert await eventually(status_now, until=lambda status: status == 200, timeout=30) == 200
    finally:
        server.stop()
    tracebacks = [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("newsfeed.api")
    ]
    assert not tracebacks, tracebacks


async def _all(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])
