"""`newsfeed up`: publisher, indexer and read API in one process on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from newsfeed_indexer.api import install_read_error_handlers
from newsfeed_indexer.app import ReadApi
from newsfeed_indexer.metrics import refresh_gauges
from newsfeed_indexer.service import IndexerService
from newsfeed_indexer.settings import IndexerSettings
from newsfeed_publisher.app import Publisher
from newsfeed_publisher.errors import install_error_handlers
from newsfeed_publisher.settings import PublisherSettings

from .ops import ops_router
from .specs import asyncapi_router

__all__ = ["build_all_in_one_app"]


def build_all_in_one_app(publisher_settings: PublisherSettings, indexer_settings: IndexerSettings) -> FastAPI:
    publisher = Publisher(publisher_settings)
    indexer = IndexerService(indexer_settings)
    api = ReadApi(indexer_settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await publisher.start()
        await indexer.start()
        try:
            yield
        finally:
            await indexer.stop()
            await publisher.stop()
            await api.stop()

    async def consuming() -> bool:
        return indexer.started

    app = FastAPI(title="newsfeed", version="1", lifespan=lifespan)
    install_error_handlers(app)
    install_read_error_handlers(app)
    app.include_router(publisher.router)
    app.include_router(api.router)
    app.include_router(
        ops_router([publisher.ready, api.ready, consuming], refresh=lambda: refresh_gauges(api.read_model))
    )
    app.include_router(asyncapi_router(publisher_settings.prefix))
    return app
