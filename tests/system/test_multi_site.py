"""One `newsfeed indexer` process serving several sites (`NEWSFEED_SITES`), each in its own keys."""

from __future__ import annotations

import httpx
import redis.asyncio as aioredis

from newsfeed_api.app import build_app as build_api
from newsfeed_api.settings import ApiSettings
from newsfeed_indexer.app import build_app as build_indexer
from newsfeed_indexer.settings import IndexerSettings
from newsfeed_publisher.app import build_app as build_publisher
from newsfeed_publisher.settings import PublisherSettings
from newsfeed_schemas.streams import key_root
from tests.conftest import RunningApp
from tests.factories import published
from tests.redis_server import RedisServer
from tests.waiting import eventually


async def test_one_indexer_process_indexes_every_site_it_is_given(redis_server: RedisServer, prefix: str) -> None:
    sites = [f"{prefix}-a", f"{prefix}-b"]
    url = redis_server.url
    indexer = IndexerSettings(redis_url=url, sites=",".join(sites), consumer="multi", related_lease_ms=2000)
    async with RunningApp(build_indexer(indexer)) as running_indexer:
        for site in sites:
            publisher = build_publisher(PublisherSettings(redis_url=url, prefix=site, dev=True))
            api = build_api(ApiSettings(redis_url=url, prefix=site))
            async with (
                RunningApp(publisher) as pub,
                RunningApp(api) as read,
                httpx.AsyncClient(base_url=pub.base_url) as cms,
                httpx.AsyncClient(base_url=read.base_url) as reader,
            ):
                for n in range(3):
                    response = await cms.post("/v1/events", json=published(f"{site}-{n}", minutes=n))
                    assert response.status_code == 202

                async def feed() -> list[str]:
                    return [card["id"] for card in (await reader.get("/v1/feed")).json()["items"]]

                assert await eventually(feed, until=lambda ids: len(ids) == 3) == [f"{site}-{n}" for n in (2, 1, 0)]
        async with httpx.AsyncClient(base_url=running_indexer.base_url) as health:
            assert (await health.get("/readyz")).status_code == 200

            async def metrics_text() -> str:
                return (await health.get("/metrics")).text

            metrics = await metrics_text()
            assert "newsfeed_stream_length 6.0" in metrics  # both sites' streams, summed
            assert "newsfeed_articles 6.0" in metrics
            # each site's related maintainer takes its articles in: the summed related lag reaches 0
            await eventually(metrics_text, until=lambda text: "newsfeed_related_lag 0.0" in text)


async def test_a_site_whose_keys_are_damaged_does_not_stop_the_others(redis_server: RedisServer, prefix: str) -> None:
    damaged, healthy = f"{prefix}-damaged", f"{prefix}-healthy"
    admin = aioredis.Redis.from_url(redis_server.url)
    await admin.set(f"{key_root(damaged)}:articles", "not a stream")  # WRONGTYPE for every stream command
    await admin.aclose()
    url = redis_server.url
    indexer = IndexerSettings(redis_url=url, sites=f"{damaged},{healthy}", consumer="multi", related_enabled=False)
    publisher = build_publisher(PublisherSettings(redis_url=url, prefix=healthy, dev=True))
    api = build_api(ApiSettings(redis_url=url, prefix=healthy))
    async with (
        RunningApp(build_indexer(indexer)) as running_indexer,
        RunningApp(publisher) as pub,
        RunningApp(api) as read,
        httpx.AsyncClient(base_url=pub.base_url) as cms,
        httpx.AsyncClient(base_url=read.base_url) as reader,
        httpx.AsyncClient(base_url=running_indexer.base_url) as health,
    ):
        assert (await cms.post("/v1/events", json=published("still-served"))).status_code == 202

        async def feed() -> list[str]:
            return [card["id"] for card in (await reader.get("/v1/feed")).json()["items"]]

        assert await eventually(feed, until=bool) == ["still-served"]
        assert (await health.get("/readyz")).status_code == 503  # one of its sites is not served
