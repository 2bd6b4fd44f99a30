"""`newsfeed up`: publisher, indexer and read API in one process on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from newsfeed_api.app import ReadApi
from newsfeed_api.settings import ApiSettings
from newsfeed_indexer.replica import Replica
from newsfeed_indexer.settings import IndexerSettings
from newsfeed_publisher.app import EventIntake
from newsfeed_publisher.errors import UNAVAILABLE
from newsfeed_publisher.settings import PublisherSettings
from newsfeed_runtime.apps import service_app
from newsfeed_runtime.health import health_router
from newsfeed_runtime.metrics import stats_refresher

from .specs import asyncapi_document

__all__ = ["build_all_in_one_app"]


def build_all_in_one_app(
    publisher_settings: PublisherSettings,
    indexer_settings: IndexerSettings,
    api_settings: ApiSettings | None = None,
) -> FastAPI:
    """One app serving every route of the publisher and the read API, with one indexer replica inside."""
    intake = EventIntake(publisher_settings)
    replica = Replica(indexer_settings)
    api_settings = api_settings or ApiSettings(redis_url=indexer_settings.redis_url, prefix=indexer_settings.prefix)
    api = ReadApi(api_settings, asyncapi_document(api_settings.prefix))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await intake.start()
        await replica.start()
        try:
            yield
        finally:
            await replica.stop()
            await intake.stop()
            await api.stop()

    app = service_app("newsfeed", lifespan, unavailable=UNAVAILABLE)
    app.include_router(intake.router)
    api.install(app)
    app.include_router(
        health_router([intake.ready, api.ready, replica.ready], refresh=stats_refresher(api.reader.stats))
    )
    return app
