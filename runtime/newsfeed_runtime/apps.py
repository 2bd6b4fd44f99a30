"""The FastAPI application every newsfeed HTTP process starts from.

One place for what they share: error answers (`errors.install_error_handlers`, so a Redis
outage is a 503 everywhere), the security headers (`security.SecurityHeaders`), the time
each route takes (`request_metrics.RequestTimer`, on /metrics), and the OpenAPI document at
`/openapi.json`. The interactive `/docs` pages are off: they load
scripts from a CDN, which the pages' Content-Security-Policy forbids.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from .errors import install_error_handlers
from .request_metrics import RequestTimer
from .security import SecurityHeaders

__all__ = ["service_app"]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def service_app(title: str, lifespan: Lifespan, *, unavailable: str, openapi: bool = True) -> FastAPI:
    """A FastAPI app with newsfeed's error answers and security headers; `unavailable` is the 503 detail."""
    app = FastAPI(
        title=title,
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if openapi else None,
    )
    install_error_handlers(app, unavailable=unavailable)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTimer)
    return app
