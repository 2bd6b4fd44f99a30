"""`newsfeed api` as an ASGI app: the read API and the News Feed pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.reader import ReadModelReader
from newsfeed_runtime.apps import service_app
from newsfeed_runtime.errors import UNAVAILABLE_READ
from newsfeed_runtime.health import health_router
from newsfeed_runtime.metrics import stats_refresher
from newsfeed_runtime.redis import connect, site_answers
from newsfeed_runtime.responses import JSON

from .caching import CachePolicy
from .compression import install_compression
from .errors import install_read_error_handlers
from .head import HeadAsGet
from .live import FeedChangesHub
from .pages import Pages
from .routes import LIVE_PATH, build_read_router
from .settings import ApiSettings

__all__ = ["STATIC_DIR", "UNAVAILABLE", "ReadApi", "build_app"]

STATIC_DIR = Path(__file__).with_name("static")

UNAVAILABLE = UNAVAILABLE_READ


class ReadApi:
    """The read side: JSON routes, live changes and pages over one Redis client."""

    def __init__(self, settings: ApiSettings, asyncapi: dict[str, Any] | None = None) -> None:
        keys = Keys(settings.prefix)
        cluster = settings.cluster()
        self.redis: Redis = connect(settings.redis_url, cluster=cluster)
        # Pages and JSON may read from a replica (REDIS_READ_URL); stats stay on the primary.
        self.read_redis: Redis = (
            connect(settings.redis_read_url, cluster=cluster) if settings.redis_read_url else self.redis
        )
        self.reader = ReadModelReader(self.read_redis, keys, primary=self.redis)
        # The hub blocks on XREAD: it gets a connection of its own, without the short read timeout.
        live_url = settings.redis_read_url or settings.redis_url
        self.live_redis: Redis = connect(live_url, read_timeout_s=None, cluster=cluster)
        self.hub = FeedChangesHub(self.live_redis, keys.streams.feed_changes)
        policy = CachePolicy(
            settings.cache_max_age_s,
            settings.cache_s_maxage_s,
            settings.cache_stale_while_revalidate_s,
            settings.cache_stale_if_error_s,
        )
        self.router = APIRouter()
        self.router.include_router(build_read_router(self.reader, policy, self.hub))
        self.pages = Pages(self.reader, settings)
        self.router.include_router(self.pages.router)
        if asyncapi is not None:
            self.router.include_router(_asyncapi_router(asyncapi))

    async def ready(self) -> bool:
        return await site_answers(self.redis, self.hub.stream)

    async def stop(self) -> None:
        await self.hub.stop()
        await self.live_redis.aclose()
        if self.read_redis is not self.redis:
            await self.read_redis.aclose()
        await self.redis.aclose()

    def install(self, app: FastAPI) -> None:
        """Mount the routes, the static files and their error answers on `app`."""
        install_read_error_handlers(app, self.pages.error_page)
        install_compression(app)
        app.add_middleware(HeadAsGet, endless=[LIVE_PATH])
        app.include_router(self.router)
        app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")


class StaticAssets(StaticFiles):
    """The stylesheet and script; pages link them with a content hash (`?v=`), so they never go stale."""

    async def get_response(self, path: str, scope: Any) -> Any:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):  # a 304's headers replace those a cache stored
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _asyncapi_router(document: dict[str, Any]) -> APIRouter:
    """`GET /docs/asyncapi`: the AsyncAPI document (JSON) of this site's streams."""
    router = APIRouter(tags=["documentation"])

    @router.get("/docs/asyncapi", summary="AsyncAPI document of the streams")
    async def get_asyncapi() -> JSON:
        return JSON(document)

    return router


def build_app(settings: ApiSettings, asyncapi: dict[str, Any] | None = None) -> FastAPI:
    """`newsfeed api`: the read API and the pages; `asyncapi` is served at /docs/asyncapi when given."""
    api = ReadApi(settings, asyncapi)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await api.stop()

    app = service_app("newsfeed read API", lifespan, unavailable=UNAVAILABLE)
    api.install(app)
    app.include_router(health_router([api.ready], refresh=stats_refresher(api.reader.stats)))
    return app
