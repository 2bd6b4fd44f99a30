"""The publisher as an ASGI app, and as a component the all-in-one process mounts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError

from newsfeed_readmodel.event_log import EventLog
from newsfeed_readmodel.keys import Keys
from newsfeed_runtime.apps import service_app
from newsfeed_runtime.brokers import redis_broker
from newsfeed_runtime.health import health_router
from newsfeed_runtime.redis import is_outage, site_answers
from newsfeed_schemas.events import event_adapter

from .errors import UNAVAILABLE
from .routes import build_router
from .settings import PublisherSettings

log = logging.getLogger("newsfeed.publisher")

__all__ = ["EventIntake", "InsecureSettings", "build_app", "document_request_bodies"]


class InsecureSettings(ValueError):
    """No token and no secret: anyone could publish. Allowed only in development mode."""

    def __init__(self) -> None:
        super().__init__(
            "no credential configured: set NEWSFEED_PUBLISHER_TOKEN (bearer tokens, comma-separated), "
            "NEWSFEED_WEBHOOK_SECRET or NEWSFEED_GHOST_SECRET; or NEWSFEED_DEV=true to run open, for development only"
        )


class EventIntake:
    """The CMS-facing side: its routes, and the FastStream Redis broker whose connection carries every append.

    The append is a script (see `newsfeed_readmodel.event_log`) run on the broker's own
    connection, since `broker.publish` can neither write the documented layout nor make
    the write conditional on the event id.
    """

    def __init__(self, settings: PublisherSettings) -> None:
        self.settings = settings
        self.broker = redis_broker(
            settings.redis_url, cluster=settings.cluster(), socket_connect_timeout=1.0, socket_timeout=5.0
        )
        self._log: EventLog | None = None
        self._opening: asyncio.Task[None] | None = None
        self.router = build_router(settings, self.event_log)

    def event_log(self) -> EventLog:
        if self._log is None:
            raise RedisConnectionError("the publisher is not connected to Redis yet")
        return self._log

    async def start(self) -> None:
        """Connect and learn how many replicas must hold an event. With Redis away, start all the
        same: every append answers 503 (`event_log`) until a retry in the background gets through."""
        redis = await self.broker.connect()
        try:
            await self._open_log(redis)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("publisher: Redis unavailable (%s); answering 503 until it is back", exc)
            self._opening = asyncio.create_task(self._open_log_when_back(redis), name="publisher-connect")

    async def _open_log(self, redis: Any) -> None:
        keys = Keys(self.settings.prefix)
        acks = self.settings.replica_acks
        if acks is None:
            acks = await _replica_acks(redis, keys)
        self._log = EventLog(
            redis,
            keys,
            dedupe_ttl_s=self.settings.dedupe_ttl_s,
            replica_acks=acks,
            replica_timeout_ms=self.settings.replica_timeout_ms,
        )
        log.info(
            "publisher appending to %s; acknowledged after %d replica(s) hold an event", keys.streams.articles, acks
        )

    async def _open_log_when_back(self, redis: Any) -> None:
        delay = 0.1
        while self._log is None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            try:
                await self._open_log(redis)
            except Exception as exc:
                if not is_outage(exc):
                    log.exception("publisher: could not start appending; retrying")

    async def stop(self) -> None:
        if self._opening is not None:
            self._opening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._opening
        await self.broker.stop()

    async def ready(self) -> bool:
        events = self.event_log()
        return await site_answers(events.redis, events.keys.streams.articles)


def build_app(settings: PublisherSettings) -> FastAPI:
    """The CMS-facing service: POST /v1/events, /v1/events/batch, Ghost webhooks, health and metrics.

    Raises `InsecureSettings` when no credential is configured outside development mode.
    """
    if not (settings.has_credentials() or settings.dev):
        raise InsecureSettings
    intake = EventIntake(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await intake.start()
        yield
        await intake.stop()

    app = service_app("newsfeed publisher", lifespan, unavailable=UNAVAILABLE)
    app.include_router(intake.router)
    app.include_router(health_router([intake.ready]))
    document_request_bodies(app)
    return app


def document_request_bodies(app: FastAPI) -> None:
    """Add the request body schemas the routes refer to (they read their bodies themselves)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            event = event_adapter.json_schema(ref_template="#/components/schemas/{model}")
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(event.pop("$defs", {}))
            schemas["ArticleEvent"] = event
            schemas["ArticleEventBatch"] = {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ArticleEvent"},
                "description": "A JSON array of envelopes; with `application/x-ndjson`, one envelope per line.",
            }
            schemas["GhostWebhook"] = {
                "type": "object",
                "description": "Ghost's post webhook body: the post as it is now and the fields that changed.",
                "properties": {
                    "post": {
                        "type": "object",
                        "properties": {"current": {"type": "object"}, "previous": {"type": "object"}},
                        "required": ["current"],
                    }
                },
                "required": ["post"],
            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _replica_acks(redis: Any, keys: Keys) -> int:
    """1 when the site's Redis has a replica now or was ever seen with one, else 0.

    Seen now, it is remembered in the site's Redis (`Keys.replicated`, replicated like every
    write): a publisher restarted after a failover, while the promoted replica has no replica of
    its own yet, still waits for one (503) instead of acknowledging what a second failure would
    lose. `NEWSFEED_REPLICA_ACKS=0` is the operator's way to run without replicas for good.
    """
    if await _replicas_of(redis, keys.streams.articles) > 0:
        await redis.set(keys.replicated, b"1")
        return 1
    return 1 if await redis.exists(keys.replicated) else 0


async def _replicas_of(redis: Any, key: str) -> int:
    """How many replicas the Redis holding `key` has (on a cluster: the primary of its slot)."""
    if isinstance(redis, RedisCluster):
        await redis.initialize()  # learns the slots on first use; a no-op afterwards
        node = redis.get_node_from_key(key)
        info = await redis.execute_command("INFO", "replication", target_nodes=node)
    else:
        info = await redis.info("replication")
    return int(info.get("connected_slaves", 0))
