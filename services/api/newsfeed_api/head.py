"""HEAD on every read route but the live stream: the GET answer without its body.

CDNs and uptime monitors ask HEAD to check a page or a feed (its status, `ETag`,
`Content-Length`) without fetching it. FastAPI routes answer only the methods they declare,
so this middleware hands a HEAD request to the app as a GET and sends none of the body. The
live stream is left out: its body never ends, so HEAD there stays 405.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    def __init__(self, app: ASGIApp, endless: Collection[str] = ()) -> None:
        self.app = app
        self.endless = frozenset(endless)  # paths whose GET answer is a stream without end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"] in self.endless:
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
