"""Response headers that keep browsers and caches safe, on every response of every HTTP process.

Every response: `X-Content-Type-Options: nosniff` (a JSON body is never run as a script),
`Referrer-Policy`, and frame protection (`X-Frame-Options: DENY`, CSP `frame-ancestors`).
A response whose route does not say how long it may be kept (health, readiness, metrics,
documents, errors) is `Cache-Control: no-store`: without it a CDN applies its default time
(an hour, often) and a health check through it would read a stale "ready".
HTML pages get a Content-Security-Policy that allows only the site's own styles and
scripts: even if markup slipped past the sanitiser, no inline script or event handler
would run. Other responses get `default-src 'none'`, and a 304 none (a cache keeps the one
it stored with the 200).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PAGE_CSP", "SecurityHeaders"]

PAGE_CSP = (
    "default-src 'none'; img-src 'self' https: http: data:; media-src 'self' https: http:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"
_ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


class SecurityHeaders:
    """ASGI middleware adding the headers above (a route may set its own first)."""

    def __init__(self, app: ASGIApp, page_csp: str = PAGE_CSP) -> None:
        self.app = app
        self.page_csp = page_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A 304 has no body, and a cache replaces the stored 200's headers with its own:
                # a default here (not knowing what the body was) would replace the 200's caching
                # and page policy. It gets only the headers that are the same on every answer.
                revalidated = message["status"] == 304
                for name, value in _ALWAYS.items():
                    if not (revalidated and name == "cache-control"):
                        headers.setdefault(name, value)
                if not revalidated:
                    is_page = headers.get("content-type", "").startswith("text/html")
                    headers.setdefault("content-security-policy", self.page_csp if is_page else _OTHER_CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)
