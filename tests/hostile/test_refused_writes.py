"""A Redis that refuses writes (maxmemory + noeviction, MISCONF, READONLY) is an outage, not poison.

For longer than many claim timeouts: the publisher answers 503 (never 500), an indexer started
meanwhile waits instead of exiting, nothing is dead-lettered, and once Redis accepts writes
again every event answered 2xx is applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import orjson
import pytest
import redis.asyncio as aioredis

from newsfeed_indexer.app import build_app as build_indexer_app
from newsfeed_publisher.app import build_app as build_publisher_app
from newsfeed_schemas.streams import key_root
from tests.conftest import RunningApp, running_system, system_settings
from tests.factories import published
from tests.redis_server import RedisServer
from tests.waiting import eventually

Switch = Callable[[aioredis.Redis], Awaitable[None]]


async def _oom(client: aioredis.Redis) -> None:
    await client.config_set("maxmemory-policy", "noeviction")
    await client.config_set("maxmemory", "1")


async def _oom_over(client: aioredis.Redis) -> None:
    await client.config_set("maxmemory", "0")


async def _readonly(client: aioredis.Redis) -> None:
    await client.execute_command("REPLICAOF", "127.0.0.1", "1")  # a master that never answers


async def _readonly_over(client: aioredis.Redis) -> None:
    await client.execute_command("REPLICAOF", "NO", "ONE")


def _misconf(data_dir: Path) -> tuple[Switch, Switch]:
    async def on(client: aioredis.Redis) -> None:
        (data_dir / "blocked.rdb").mkdir(exist_ok=True)  # the snapshot cannot be renamed into place
        await client.config_set("save", "3600 1")
        await client.config_set("dbfilename", "blocked.rdb")
        await client.bgsave()
        await eventually(lambda: client.info("persistence"), until=lambda i: i["rdb_last_bgsave_status"] == "err")

    async def off(client: aioredis.Redis) -> None:
        await client.config_set("dbfilename", "dump.rdb")
        await client.bgsave()
        await eventually(lambda: client.info("persistence"), until=lambda i: i["rdb_last_bgsave_status"] == "ok")
        await client.config_set("save", "")

    return on, off


async def _ready(running: RunningApp) -> bool:
    async with httpx.AsyncClient(base_url=running.base_url) as http:
        return (await http.get("/readyz")).status_code == 200


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", extra=("--enable-protected-configs", "yes"))
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("mode", ["oom", "readonly", "misconf"])
async def test_refused_writes_longer_than_the_claim_timeout_lose_nothing(
    private_redis: RedisServer, prefix: str, mode: str
) -> None:
    on, off = {"oom": (_oom, _oom_over), "readonly": (_readonly, _readonly_over)}.get(mode) or _misconf(
        private_redis.data_dir
    )
    client = aioredis.Redis.from_url(private_redis.url, decode_responses=True)
    publisher, indexer = system_settings(
        private_redis.url, prefix, claim_idle_ms=200, reclaim_interval_s=0.1, max_deliveries=2
    )
    accepted: list[str] = []
    async with (
        RunningApp(build_publisher_app(publisher)) as publishing,
        httpx.AsyncClient(base_url=publishing.base_url, timeout=10) as http,
    ):

        async def post(article_id: str, minutes: int) -> httpx.Response:
            response = await http.post("/v1/events", json=published(article_id, minutes=minutes))
            if response.status_code == 202:
                accepted.append(article_id)
            return response

        async with RunningApp(build_indexer_app(indexer)) as once:  # the group exists, then no replica runs
            await eventually(lambda: _ready(once), timeout=30)
        for n in range(10):  # waiting in the stream
            assert (await post(f"before-{n}", n)).status_code == 202
        await on(client)
        async with RunningApp(build_indexer_app(indexer)) as first_indexer:
            during = await post("during", 30)
            assert during.status_code == 503, during.text
            assert int(during.headers["retry-after"]) > 0
            assert "may or may not have been written" in during.json()["detail"]
            # A second replica started while writes are refused waits rather than exiting.
            second = indexer.model_copy(update={"consumer": "started-during-the-outage"})
            async with RunningApp(build_indexer_app(second)) as second_indexer:
                deadline = time.monotonic() + 3.0  # 15 claim timeouts; the retry cap would dead-letter at 6
                while time.monotonic() < deadline:
                    for running in (first_indexer, second_indexer):
                        async with httpx.AsyncClient(base_url=running.base_url) as health:
                            assert (await health.get("/healthz")).status_code == 200
                    await asyncio.sleep(0.2)
                await off(client)
                assert (await post("after", 40)).status_code == 202

                async def settled() -> dict[str, int]:
                    articles = await client.scard(f"{key_root(prefix)}:live")
                    dead = await client.xlen(f"{key_root(prefix)}:articles:dead")
                    return {"articles": articles, "dead": dead}

                final = await eventually(settled, until=lambda s: s["articles"] == len(accepted), timeout=60)
                assert final["dead"] == 0
                deliveries = await client.xinfo_consumers(f"{key_root(prefix)}:articles", "indexer")
                assert all(consumer["pending"] == 0 for consumer in deliveries)
                live = await client.smembers(f"{key_root(prefix)}:live")
                assert sorted(live) == sorted(accepted)
    await client.aclose()


# Appends as the publisher did just before memory ran out (a script flagged allow-oom may still write).
_APPEND_DESPITE_OOM = """#!lua flags=allow-oom
return redis.call('XADD', KEYS[1], '*', 'data', ARGV[1], 'type', ARGV[2], 'subject', ARGV[3])
"""


async def test_entries_read_while_memory_is_full_are_not_dead_lettered(
    private_redis: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Under maxmemory + noeviction a replica still reads entries (XREADGROUP) and claims them
    (XAUTOCLAIM) but cannot apply them: that must not count them towards the dead letters.
    An operator reads it in the log as an outage (warnings), not as failures with tracebacks."""
    client = aioredis.Redis.from_url(private_redis.url, decode_responses=True)
    indexer = {"claim_idle_ms": 200, "reclaim_interval_s": 0.1, "max_deliveries": 2, "batch_size": 20}
    async with running_system(private_redis.url, prefix, **indexer) as system:
        await system.publish(published("first"))
        await system.caught_up()
        await _oom(client)
        for n in range(30):
            event = published(f"a{n}", minutes=n)
            await client.eval(
                _APPEND_DESPITE_OOM, 1, f"{key_root(prefix)}:articles", orjson.dumps(event), event["type"], f"a{n}"
            )
        await asyncio.sleep(3.0)  # 15 claim timeouts: the cap would dead-letter at 6 deliveries
        pending = await client.xpending(f"{key_root(prefix)}:articles", "indexer")
        assert pending["pending"] == 30  # read, not applied
        assert (await system.publish(published("during"))).status_code == 503
        await _oom_over(client)
        stats = await system.caught_up(timeout=60)
        assert stats["dead"] == 0
        assert stats["articles"] == 31
    await client.aclose()
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors
    assert any("entries stay pending until it serves" in r.getMessage() for r in caplog.records)


async def _noreplicas(client: aioredis.Redis) -> None:
    await client.config_set("min-replicas-to-write", "1")  # no replica is attached: every write is refused


async def _noreplicas_over(client: aioredis.Redis) -> None:
    await client.config_set("min-replicas-to-write", "0")


async def _reads_of_the_stream(client: aioredis.Redis) -> int:
    """XREADGROUP commands that reached Redis, refused ones included."""
    stats = (await client.info("commandstats")).get("cmdstat_xreadgroup", {})
    return int(stats.get("calls", 0)) + int(stats.get("rejected_calls", 0)) + int(stats.get("failed_calls", 0))


@pytest.mark.parametrize("mode", ["noreplicas", "readonly", "misconf"])
async def test_a_replica_waits_out_refused_writes_without_spinning(
    private_redis: RedisServer, prefix: str, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    """XREADGROUP is a write. While Redis refuses writes, a replica's stream read fails each
    time; it must try again after a pause, not at once in a loop (which took most of a core
    and wrote an error with a traceback per attempt), and resume by itself afterwards."""
    on, off = {"noreplicas": (_noreplicas, _noreplicas_over), "readonly": (_readonly, _readonly_over)}.get(
        mode
    ) or _misconf(private_redis.data_dir)
    client = aioredis.Redis.from_url(private_redis.url, decode_responses=True)
    async with running_system(private_redis.url, prefix) as system:
        await system.publish(published("first"))
        await system.caught_up()
        await on(client)
        before, began = await _reads_of_the_stream(client), time.monotonic()
        await asyncio.sleep(2.0)  # an observation window: how often the replica reads meanwhile
        reads = await _reads_of_the_stream(client) - before
        elapsed = time.monotonic() - began
        await off(client)
        assert reads <= 2 + elapsed, f"{reads} stream reads in {elapsed:.1f} s while writes were refused"
        assert (await system.publish(published("after", minutes=5))).status_code == 202
        stats = await system.caught_up(timeout=30)
        assert stats["articles"] == 2
    await client.aclose()
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[:3]
