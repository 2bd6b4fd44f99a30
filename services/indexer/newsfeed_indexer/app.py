"""`newsfeed indexer` as an ASGI app: one consumer-group replica, with health and metrics on a small port."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
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
log = logging.getLogger("newsfeed.indexer")


def build_app(settings: IndexerSettings) -> FastAPI:
    """The replica runs for the app's lifespan; the app serves /healthz, /readyz, /metrics.

    The replica starts in the background: while Redis is out at start (unreachable, or
    refusing writes), /healthz answers and /readyz says not ready, rather than the process
    failing its health checks or exiting.
    """
    replica = Replica(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        starting = asyncio.create_task(replica.start(), name="newsfeed-replica-start")
        starting.add_done_callback(_exit_if_failed)
        yield
        if not starting.done():
            starting.cancel()
            await asyncio.wait({starting}, timeout=5)
        elif starting.exception() is None:
            await replica.stop()

    app = service_app("newsfeed indexer", lifespan, unavailable=UNAVAILABLE, openapi=False)
    refresh = stats_refresher(lambda: read_stats(replica.redis, replica.keys))
    app.include_router(health_router([replica.ready], refresh=refresh))
    return app


def _exit_if_failed(task: asyncio.Task[None]) -> None:
    """A start that fails for a reason other than an outage (those are waited out) ends the process."""
    if not task.cancelled() and task.exception() is not None:
        log.error("the replica could not start: %r; stopping", task.exception())
        os.kill(os.getpid(), signal.SIGTERM)
