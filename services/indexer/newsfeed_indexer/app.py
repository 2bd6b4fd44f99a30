"""`newsfeed indexer` as an ASGI app: one consumer-group replica, with health and metrics on a small port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from newsfeed_readmodel.stats import read_stats
from newsfeed_runtime.apps import service_app
from newsfeed_runtime.errors import UNAVAILABLE_READ
from newsfeed_runtime.health import health_router
from newsfeed_runtime.metrics import stats_refresher

from .replica import Replica
from .settings import IndexerSettings

__all__ = ["UNAVAILABLE", "build_app"]

UNAVAILABLE = UNAVAILABLE_READ


def build_app(settings: IndexerSettings) -> FastAPI:
    """The replica runs for the app's lifespan; the app serves /healthz, /readyz, /metrics."""
    replica = Replica(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await replica.start()
        yield
        await replica.stop()

    app = service_app("newsfeed indexer", lifespan, unavailable=UNAVAILABLE, openapi=False)
    refresh = stats_refresher(lambda: read_stats(replica.redis, replica.keys))
    app.include_router(health_router([replica.ready], refresh=refresh))
    return app
