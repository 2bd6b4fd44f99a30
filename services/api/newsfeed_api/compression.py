"""Text answers compressed for a client that asks, and every answer saying it may be.

A reader on a phone with no CDN in front gets pages, feeds and JSON gzipped (1 KB or more);
the live stream is never buffered for it. Every other answer, a 304 and a small one included,
says `Vary: Accept-Encoding` as the compressed ones do: a cache keeps one answer per encoding,
and a 304 brings the same `Vary` as the answer it revalidates.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["install_compression"]

_MINIMUM_BYTES = 1024


class _VaryOnEncoding:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                stream = headers.get("content-type", "").startswith("text/event-stream")
                varies = {name.strip().lower() for name in headers.get("vary", "").split(",")}
                if not stream and "accept-encoding" not in varies:
                    headers.add_vary_header("Accept-Encoding")
            await send(message)

        await self.app(scope, receive, sending)


def install_compression(app: FastAPI) -> None:
    """Add both to `app` (before `HeadAsGet`, so a HEAD says what the GET sends)."""
    app.add_middleware(GZipMiddleware, minimum_size=_MINIMUM_BYTES)
    app.add_middleware(_VaryOnEncoding)
