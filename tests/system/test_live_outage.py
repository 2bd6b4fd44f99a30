"""The live stream when Redis goes away: the stream ends cleanly, and the page reconnects."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from newsfeed_schemas.streams import key_root
from tests.conftest import running_system
from tests.factories import published
from tests.redis_server import RedisServer


async def test_a_live_stream_ends_cleanly_when_redis_is_gone(
    tmp_path: Path, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path / "redis", appendonly=False)
    server.start()
    try:
        async with running_system(server.url, prefix) as system:
            await system.publish(published("a1"))
            await system.caught_up()
            [(place, _)] = await system.redis.xrange(f"{key_root(prefix)}:feed-changes", count=1)
            server.kill()
            headers = {"last-event-id": place.decode()}
            async with system.http.stream("GET", "/v1/feed/events", headers=headers, timeout=15) as response:
                assert response.status_code == 200
                body = b"".join([chunk async for chunk in response.aiter_bytes()])  # the stream ends
            assert b"event: feed.changed" not in body
            server.start()
    finally:
        server.stop()
    tracebacks = [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("newsfeed.api")
    ]
    assert not tracebacks, tracebacks
    assert any("live stream of all ended: Redis unavailable" in r.getMessage() for r in caplog.records)
