"""Redis goes away and comes back (kill -9, AOF with fsync always): services reconnect by themselves,
the publisher answers 503 meanwhile, and no event answered 2xx is missing afterwards."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from newsfeed.allinone import build_all_in_one_app
from newsfeed_publisher.app import build_app as build_publisher
from newsfeed_publisher.settings import PublisherSettings
from newsfeed_schemas.streams import key_root
from tests.conftest import RunningApp, System, system_settings
from tests.factories import published
from tests.redis_server import RedisServer
from tests.waiting import eventually


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", appendfsync="always")
    server.start()
    yield server
    if server.process is not None:
        server.stop()


@pytest.fixture
async def private_system(private_redis: RedisServer, prefix: str) -> AsyncIterator[System]:
    client = aioredis.Redis.from_url(private_redis.url, socket_connect_timeout=1)
    app = build_all_in_one_app(*system_settings(private_redis.url, prefix))
    async with RunningApp(app) as running, httpx.AsyncClient(base_url=running.base_url, timeout=10) as http:
        yield System(http=http, prefix=prefix, redis=client)
    await client.aclose()


async def test_publisher_answers_503_while_redis_is_down_then_recovers(
    private_redis: RedisServer, private_system: System
) -> None:
    system = private_system
    assert (await system.publish(published("before"))).status_code == 202
    await system.caught_up()
    private_redis.kill()
    refused = await system.publish(published("during"))
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) > 0
    private_redis.start()
    envelope = published("after", minutes=5)
    after = await eventually(lambda: system.publish(envelope), until=lambda r: r.status_code == 202)
    assert after.status_code == 202
    await system.caught_up(timeout=30)
    assert await system.feed_ids() == ["after", "before"]


async def test_the_publisher_starts_while_redis_is_down_and_answers_503_until_it_is_back(
    private_redis: RedisServer, prefix: str
) -> None:
    # a host's services may come up before its Redis: `newsfeed publisher` exited with a traceback
    private_redis.kill()
    settings = PublisherSettings(redis_url=private_redis.url, prefix=prefix, dev=True)
    async with RunningApp(build_publisher(settings)) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        refused = await http.post("/v1/events", json=published("early"))
        assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0
        private_redis.start()
        envelope = published("once-back", minutes=1)
        accepted = await eventually(
            lambda: http.post("/v1/events", json=envelope), until=lambda r: r.status_code == 202, timeout=30
        )
        stream_id = accepted.json()["stream_id"]
    client = aioredis.Redis.from_url(private_redis.url)
    assert [entry_id.decode() for entry_id, _ in await client.xrange(f"{key_root(prefix)}:articles")] == [stream_id]
    await client.aclose()


async def test_kill_9_during_a_stream_of_events_loses_nothing_acknowledged(
    private_redis: RedisServer, private_system: System
) -> None:
    system = private_system
    accepted: list[str] = []
    refused: list[int] = []

    async def post_all() -> None:
        for n in range(120):
            envelope = published(f"k{n:03d}", minutes=n)
            while True:  # a CMS retries the same envelope until it gets a 2xx
                response = await system.publish(envelope)
                if response.status_code in (200, 202):
                    accepted.append(envelope["id"])
                    break
                assert response.status_code == 503, response.text
                refused.append(response.status_code)
                await asyncio.sleep(0.05)  # the CMS's retry back-off

    poster = asyncio.create_task(post_all())
    await eventually(lambda: asyncio.sleep(0, len(accepted)), until=lambda n: n >= 30)
    private_redis.kill()
    await eventually(lambda: asyncio.sleep(0, len(refused)), until=lambda n: n >= 3)  # the CMS sees the outage
    private_redis.start()
    await asyncio.wait_for(poster, 60)
    stats = await system.caught_up(timeout=30)
    assert stats["stream_length"] == 120
    assert len(await system.feed_ids(limit=100)) == 100
    assert (await system.stats())["articles"] == 120
    assert len(accepted) == 120


async def test_redis_restarted_without_its_data_the_indexer_recreates_the_group(
    private_redis: RedisServer, private_system: System
) -> None:
    system = private_system
    assert (await system.publish(published("lost-with-the-disk"))).status_code == 202
    await system.caught_up()
    private_redis.kill()
    shutil.rmtree(private_redis.data_dir)
    private_redis.start()
    response = await eventually(lambda: system.publish(published("fresh")), until=lambda r: r.status_code == 202)
    assert response.status_code == 202
    await eventually(system.feed_ids, until=lambda ids: ids == ["fresh"], timeout=30)
