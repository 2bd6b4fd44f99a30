"""`newsfeed indexer` as an ASGI app: one consumer-group replica, with health and metrics on a small port."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

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
    """The replicas run for the app's lifespan; the app serves /healthz, /readyz, /metrics.

    One replica per site (`NEWSFEED_SITES`, else the one `prefix`), so a group of sites does not
    need a process per site. Each starts in the background: while Redis is out at start
    (unreachable, or refusing writes), /healthz answers and /readyz says not ready, rather than
    the process failing its health checks or exiting.
    """
    replicas = [Replica(settings.for_site(prefix)) for prefix in settings.site_prefixes()]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        starting = [asyncio.create_task(r.start(), name=f"newsfeed-replica-{r.keys.prefix}") for r in replicas]
        for replica, task in zip(replicas, starting, strict=True):
            task.add_done_callback(functools.partial(_exit_if_all_failed, replica.keys.prefix, starting))
        yield
        pending = {task for task in starting if not task.done()}
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)
        for replica, task in zip(replicas, starting, strict=True):
            if task.done() and not task.cancelled() and task.exception() is None:
                await replica.stop()

    async def stats() -> dict[str, Any]:
        return combined_stats([await read_stats(r.redis, r.keys) for r in replicas])

    app = service_app("newsfeed indexer", lifespan, unavailable=UNAVAILABLE, openapi=False)
    app.include_router(health_router([r.ready for r in replicas], refresh=stats_refresher(stats)))
    return app


def combined_stats(per_site: list[dict[str, Any]]) -> dict[str, Any]:
    """The gauges' view of several sites: counts summed, consumers of every site listed."""
    if len(per_site) == 1:
        return per_site[0]
    lags = [s["lag"] for s in per_site]
    return {
        "stream_length": sum(s["stream_length"] for s in per_site),
        "lag": None if None in lags else sum(lags),
        "pending": sum(s["pending"] for s in per_site),
        "dead": sum(s["dead"] for s in per_site),
        "articles": sum(s["articles"] for s in per_site),
        "related_lag": sum(s["related_lag"] for s in per_site),
        "consumers": [c for s in per_site for c in s["consumers"]],
    }


def _exit_if_all_failed(prefix: str, starting: list[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
    """A start that fails for a reason other than an outage (those are waited out) is logged with
    its site; when no site of the process could start, the process ends. One site whose keys are
    damaged does not stop the others: it stays not ready (`/readyz`) until the process restarts."""
    if task.cancelled() or (error := task.exception()) is None:
        return
    failed = [t for t in starting if t.done() and not t.cancelled() and t.exception() is not None]
    every = len(failed) == len(starting)
    then = "stopping" if every else "the other sites go on"
    log.error("site %s: the replica could not start (%s: %s); %s", prefix, type(error).__name__, error, then)
    if every:
        os.kill(os.getpid(), signal.SIGTERM)
