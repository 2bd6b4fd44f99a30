"""Operator endpoints every newsfeed HTTP process serves: /healthz, /readyz, /metrics."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .responses import JSON

__all__ = ["MetricsRefresh", "ReadinessCheck", "health_router"]

ReadinessCheck = Callable[[], Awaitable[bool]]
MetricsRefresh = Callable[[], Awaitable[None]]


def health_router(checks: list[ReadinessCheck], refresh: MetricsRefresh | None = None) -> APIRouter:
    """`/healthz` answers while the process runs; `/readyz` only while every check passes.

    `refresh` updates gauges that mirror Redis state when Prometheus scrapes, rather than on
    a timer in every replica.
    """
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is up")
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    @router.get("/readyz", summary="The process can serve (Redis reachable, consumers running)")
    async def readyz() -> JSON:
        results = []
        for check in checks:
            try:
                results.append(await check())
            except Exception:
                results.append(False)
        ready = all(results)
        return JSON({"status": "ready" if ready else "unavailable"}, status_code=200 if ready else 503)

    @router.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        if refresh is not None:
            with contextlib.suppress(Exception):  # stale gauges beat a failed scrape
                await refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
