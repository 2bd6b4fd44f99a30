"""SIGTERM to `newsfeed indexer`: the batch in hand is finished or handed back, nothing is stranded."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.reader import ReadModelReader
from newsfeed_schemas.streams import encode_fields
from tests.factories import published
from tests.processes import NewsfeedProcess
from tests.redis_server import RedisServer
from tests.waiting import eventually

EVENTS = 1500


def indexer(redis_server: RedisServer, prefix: str, consumer: str, log: Path) -> NewsfeedProcess:
    return NewsfeedProcess(
        ["indexer", "--port", "0", "--redis-url", redis_server.url, "--prefix", prefix, "--consumer", consumer],
        log,
        env={"NEWSFEED_BATCH_SIZE": "50", "NEWSFEED_CLAIM_IDLE_MS": "1000", "NEWSFEED_RECLAIM_INTERVAL_S": "0.2"},
    )


async def test_sigterm_mid_stream_strands_nothing(
    redis_server: RedisServer, redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    keys = Keys(prefix)
    async with redis_client.pipeline(transaction=False) as pipe:
        for n in range(EVENTS):
            env = published(f"g{n:05d}", minutes=n)
            pipe.xadd(keys.streams.articles, encode_fields(env, type_=env["type"], subject=env["subject"]))  # type: ignore[arg-type]
        await pipe.execute()
    read_model = ReadModelReader(redis_client, keys)

    first = indexer(redis_server, prefix, "first", tmp_path / "first.log").start()
    try:
        await eventually(read_model.stats, until=lambda s: s["articles"] > 0, timeout=30)
        first.signal(signal.SIGTERM)
        # uvicorn re-raises SIGTERM after a clean shutdown, so the exit status is -SIGTERM
        assert first.wait(timeout=15) in (0, -signal.SIGTERM), first.log()
        assert "Application shutdown complete" in first.log()
    finally:
        first.kill()
    stats = await read_model.stats()
    assert stats["pending"] == 0, stats  # finished what it held, acknowledged it
    assert "first" not in [c["name"] for c in stats["consumers"]]  # and left the group
    assert 0 < stats["articles"] < EVENTS or stats["lag"] == 0

    second = indexer(redis_server, prefix, "second", tmp_path / "second.log").start()
    try:
        await eventually(read_model.stats, until=lambda s: _all_applied(s, EVENTS), timeout=60)
    finally:
        assert second.stop() in (0, -signal.SIGTERM), second.log()


def _all_applied(stats: dict[str, Any], events: int) -> bool:
    return bool(stats["lag"] == 0 and stats["pending"] == 0 and stats["articles"] == events)
