"""Reading a request body without trusting it: JSON content types only, a size cap, a deadline.

The body is read in chunks and refused (413) as soon as it passes its limit, so an
oversized upload never sits whole in memory; a declared `Content-Length` over the limit is
refused before a byte is read. A body that does not arrive within the deadline is dropped
(408). Only JSON content types are accepted (415 otherwise): a browser cannot send them
cross-site without a CORS preflight, which the publisher never grants, so a web page
cannot make a reader's browser post events.
"""

from __future__ import annotations

import asyncio

from starlette.requests import ClientDisconnect, Request

from .errors import BodyNotReceived, BodyTimeout, PayloadTooLarge, UnsupportedMediaType

__all__ = ["BATCH_TYPES", "EVENT_TYPES", "media_type", "read_body", "require_media_type"]

EVENT_TYPES = ("application/json", "application/cloudevents+json")
BATCH_TYPES = (*EVENT_TYPES, "application/cloudevents-batch+json", "application/x-ndjson", "application/jsonl")


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def require_media_type(request: Request, accepted: tuple[str, ...]) -> str:
    """The request's media type, if it is one of `accepted` (any `application/*+json` counts as JSON)."""
    given = media_type(request)
    if given in accepted or (given.startswith("application/") and given.endswith("+json")):
        return given
    raise UnsupportedMediaType(given or "(none)", accepted)


async def read_body(request: Request, *, limit: int, timeout_s: float) -> bytes:
    """The whole body, at most `limit` bytes, arrived within `timeout_s` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()) or len(declared) > 18:
            raise BodyNotReceived("Content-Length must be a number of bytes")
        if int(declared) > limit:
            raise PayloadTooLarge("the request body", limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge("the request body", limit)
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTimeout(timeout_s) from None
    except ClientDisconnect:
        raise BodyNotReceived("the client closed the connection before the body arrived") from None
    return b"".join(chunks)
