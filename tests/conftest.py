"""Shared fixtures: a private redis-server, a unique key prefix per test, the running system."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from newsfeed.allinone import build_all_in_one_app
from newsfeed.embedded import free_port
from newsfeed_indexer.settings import IndexerSettings
from newsfeed_publisher.settings import PublisherSettings
from tests.redis_server import RedisServer
from tests.waiting import eventually

# Speed is measured in bench/, not by hypothesis's per-example deadline or its check of how fast
# examples are generated: on a loaded CI machine either would fail a correct test.
settings.register_profile("newsfeed", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("newsfeed")

_GRACE_S = 10  # open connections (a live-updates stream) get this long to finish at a stop
_STOP_BOUND_S = 45  # the whole stop: the grace, the indexer's shutdown timeout (10 s), the rest


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def prefix() -> str:
    """A fresh key prefix: tests share the server, never each other's keys."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


class RunningApp:
    """An ASGI app served by uvicorn on a free loopback port, in this event loop."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="on",
                timeout_graceful_shutdown=_GRACE_S,  # as `newsfeed up`: open streams do not hold the stop
            )
        )
        self.task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> RunningApp:
        self.task = asyncio.create_task(self.server.serve())
        await eventually(self._started, timeout=15)
        return self

    async def _started(self) -> bool:
        if self.task is not None and self.task.done():
            self.task.result()
        return self.server.started

    async def __aexit__(self, *exc: object) -> None:
        """Stop the server; a stop that outlasts its bound fails the test instead of hanging the run."""
        self.server.should_exit = True
        if self.task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self.task), _STOP_BOUND_S)
        except TimeoutError:
            self.server.force_exit = True
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            raise AssertionError(f"the app did not stop within {_STOP_BOUND_S} s") from None


@dataclass
class System:
    """The whole system (publisher, indexer, read API) on one port, against the test Redis."""

    http: httpx.AsyncClient
    prefix: str
    redis: aioredis.Redis

    async def publish(self, envelope: dict[str, Any]) -> httpx.Response:
        return await self.http.post("/v1/events", json=envelope)

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get("/v1/stats")
        response.raise_for_status()
        return dict(response.json())

    async def caught_up(self, timeout: float = 15.0) -> dict[str, Any]:
        """Wait until every entry of the stream is applied and acknowledged, related lists included.

        A 503 (Redis slow to answer while a loaded machine catches up) is "not yet", not a failure."""

        async def stats_or_none() -> dict[str, Any] | None:
            response = await self.http.get("/v1/stats")
            if response.status_code == 503:
                return None
            response.raise_for_status()
            return dict(response.json())

        def done(s: dict[str, Any] | None) -> bool:
            return s is not None and s["lag"] == 0 and s["pending"] == 0 and s["related_lag"] == 0

        stats = await eventually(stats_or_none, until=done, timeout=timeout)
        assert stats is not None
        return stats

    async def feed(self, **params: Any) -> dict[str, Any]:
        response = await self.http.get("/v1/feed", params=params)
        response.raise_for_status()
        return dict(response.json())

    async def feed_ids(self, **params: Any) -> list[str]:
        return [card["id"] for card in (await self.feed(**params))["items"]]


def system_settings(
    redis_url: str, prefix: str, publisher: dict[str, Any] | None = None, **indexer: Any
) -> tuple[PublisherSettings, IndexerSettings]:
    publisher_settings = PublisherSettings(redis_url=redis_url, prefix=prefix, **{"dev": True, **(publisher or {})})
    consumer = f"test-{uuid.uuid4().hex[:6]}"
    defaults: dict[str, Any] = {
        "claim_idle_ms": 500,
        "reclaim_interval_s": 0.2,
        "consumer": consumer,
        "related_lease_ms": 2_000,
    }
    return publisher_settings, IndexerSettings(redis_url=redis_url, prefix=prefix, **{**defaults, **indexer})


@asynccontextmanager
async def running_system(
    redis_url: str, prefix: str, publisher: dict[str, Any] | None = None, **indexer: Any
) -> AsyncIterator[System]:
    """`newsfeed up`'s app on a free port, with settings of the test's choosing."""
    app = build_all_in_one_app(*system_settings(redis_url, prefix, publisher, **indexer))
    client = aioredis.Redis.from_url(redis_url, socket_connect_timeout=1)
    async with RunningApp(app) as running, httpx.AsyncClient(base_url=running.base_url, timeout=10) as http:
        yield System(http=http, prefix=prefix, redis=client)
    await client.aclose()


@pytest.fixture
async def system(redis_server: RedisServer, redis_client: aioredis.Redis, prefix: str) -> AsyncIterator[System]:
    app = build_all_in_one_app(*system_settings(redis_server.url, prefix))
    async with RunningApp(app) as running, httpx.AsyncClient(base_url=running.base_url, timeout=10) as http:
        yield System(http=http, prefix=prefix, redis=redis_client)


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path
