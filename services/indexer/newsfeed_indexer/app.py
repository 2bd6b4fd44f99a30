"""ASGI apps of the indexer package: the read API, and the indexer's health port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from redis.asyncio import Redis

from newsfeed.ops import ops_router
from newsfeed.specs import asyncapi_router

from .api import build_read_router, install_read_error_handlers
from .keys import Keys
from .metrics import refresh_gauges
from .pages import build_pages_router
from .queries import ReadModel
from .redis_client import connect
from .service import IndexerService
from .settings import IndexerSettings

__all__ = ["ReadApi", "build_api_app", "build_indexer_app"]


class ReadApi:
    """The read side: JSON routes and pages over one Redis client."""

    def __init__(self, settings: IndexerSettings) -> None:
        self.redis: Redis = connect(settings.redis_url)
        self.read_model = ReadModel(self.redis, Keys(settings.prefix))
        self.router = APIRouter()
        self.router.include_router(build_read_router(self.read_model))
        self.router.include_router(build_pages_router(self.read_model))

    async def ready(self) -> bool:
        return bool(await self.redis.ping())

    async def stop(self) -> None:
        await self.redis.aclose()


def build_api_app(settings: IndexerSettings) -> FastAPI:
    """`newsfeed api`: the read API and the News Feed pages."""
    api = ReadApi(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await api.stop()

    app = FastAPI(title="newsfeed read API", version="1", lifespan=lifespan)
    install_read_error_handlers(app)
    app.include_router(api.router)
    app.include_router(ops_router([api.ready], refresh=lambda: refresh_gauges(api.read_model)))
    app.include_router(asyncapi_router(settings.prefix))
    return app


def build_indexer_app(settings: IndexerSettings) -> FastAPI:
    """`newsfeed indexer`: one consumer-group replica, with health and metrics on a small port."""
    service = IndexerService(settings)

    async def consuming() -> bool:
        return service.started and bool(await service.redis.ping())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app = FastAPI(title="newsfeed indexer", version="1", lifespan=lifespan, openapi_url=None)
    read_model = ReadModel(service.redis, service.keys)
    app.include_router(ops_router([consuming], refresh=lambda: refresh_gauges(read_model)))
    return app
