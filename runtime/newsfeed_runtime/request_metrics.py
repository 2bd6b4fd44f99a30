"""How long each route takes to answer: `newsfeed_http_request_duration_seconds` on /metrics.

Timed from the request's arrival in the app to the start of its response (status and
headers): the server side of a request, without the network or the client. A streaming
response (live updates) is timed to its start, not over its whole life. Labels stay bounded
whatever clients send: the route's path template (never the raw path; `unmatched` when no
route took the request), a known method (else `other`), and the status code.
"""

from __future__ import annotations

import time

from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REQUEST_SECONDS", "RequestTimer"]

REQUEST_SECONDS = Histogram(
    "newsfeed_http_request_duration_seconds",
    "Time from a request's arrival to the start of its response, by route template, method and status.",
    ["route", "method", "status"],
    buckets=(
        0.00025,
        0.0005,
        0.00075,
        0.001,
        0.0015,
        0.002,
        0.003,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1,
        2.5,
        5,
        10,
    ),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestTimer:
    """ASGI middleware observing `REQUEST_SECONDS` for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                method = scope["method"] if scope["method"] in _METHODS else "other"
                REQUEST_SECONDS.labels(route, method, str(message["status"])).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, timed_send)
