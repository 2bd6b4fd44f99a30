"""A primary with a replica: acknowledged means replicated (WAIT), and `REDIS_READ_URL` reads from the replica."""

from __future__ import annotations

from pathlib import Path

import httpx
import redis.asyncio as aioredis

from newsfeed_api.app import build_app as build_api
from newsfeed_api.settings import ApiSettings
from tests.conftest import RunningApp, running_system
from tests.factories import published
from tests.redis_server import RedisServer
from tests.waiting import eventually


async def test_events_wait_for_the_replica_and_reads_come_from_it(prefix: str, tmp_path: Path) -> None:
    primary = RedisServer(tmp_path / "primary", appendonly=False, extra=("--repl-diskless-sync-delay", "0"))
    primary.start()
    replica = RedisServer(tmp_path / "replica", appendonly=False, extra=("--replicaof", "127.0.0.1", str(primary.port)))
    replica.start()
    try:
        watch = aioredis.Redis.from_url(replica.url)
        await eventually(lambda: watch.info("replication"), until=lambda i: i.get("master_link_status") == "up")
        await watch.aclose()
        async with running_system(primary.url, prefix) as system:
            for n in range(3):  # the primary has a replica: each 202 waited for it (NEWSFEED_REPLICA_ACKS 1)
                assert (await system.publish(published(f"a{n}", minutes=n))).status_code == 202
            await system.caught_up()
            api = build_api(ApiSettings(redis_url=primary.url, redis_read_url=replica.url, prefix=prefix))
            async with RunningApp(api) as read, httpx.AsyncClient(base_url=read.base_url) as reader:

                async def feed() -> list[str]:
                    return [card["id"] for card in (await reader.get("/v1/feed")).json()["items"]]

                assert await eventually(feed, until=lambda ids: len(ids) == 3) == ["a2", "a1", "a0"]
                assert (await reader.get("/articles/a1")).status_code == 200

                # The replica goes away: nothing can be acknowledged as replicated any more.
                detached = aioredis.Redis.from_url(replica.url)
                await detached.execute_command("REPLICAOF", "NO", "ONE")
                refused = await system.publish(published("a3", minutes=3))
                assert refused.status_code == 503 and "Retry-After" in refused.headers

                # The 503 says "may or may not have been written": it is on the primary, not replicated.
                await system.caught_up()
                await detached.aclose()
                assert (await reader.get("/v1/stats")).json()["articles"] == 4  # stats: the primary
                assert await feed() == ["a2", "a1", "a0"]  # pages and JSON: the (detached) replica
    finally:
        replica.stop()
        primary.stop()
