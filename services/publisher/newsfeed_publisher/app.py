"""The publisher as an ASGI app, and as a component the all-in-one process mounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.redis import RedisBroker

from newsfeed.ops import ops_router

from .appender import Appender
from .errors import install_error_handlers
from .routes import build_router
from .settings import PublisherSettings

__all__ = ["Publisher", "build_app"]


class Publisher:
    """Owns the FastStream broker whose Redis connection carries every append."""

    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.broker = RedisBroker(settings.redis_url, socket_connect_timeout=1.0, socket_timeout=5.0)
        self.appender = Appender(settings.prefix, dedupe_ttl_s=settings.dedupe_ttl_s)
        self.router = build_router(settings, self.appender)

    async def start(self) -> None:
        self.appender.bind(await self.broker.connect())

    async def stop(self) -> None:
        await self.broker.stop()

    async def ready(self) -> bool:
        return await self.appender.ping()


def build_app(settings: PublisherSettings) -> FastAPI:
    """The CMS-facing service: POST /v1/events, /v1/events/batch, health and metrics."""
    publisher = Publisher(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await publisher.start()
        yield
        await publisher.stop()

    app = FastAPI(title="newsfeed publisher", version="1", lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(publisher.router)
    app.include_router(ops_router([publisher.ready]))
    return app
