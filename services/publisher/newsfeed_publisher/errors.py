"""Errors of the publisher and the HTTP answers they map to.

HTTPProblem (newsfeed_runtime.errors)
└── PublisherError
    ├── BodyNotReceived        the client went away or sent a bad length   400
    ├── Unauthorized           no valid bearer token or signature          401
    ├── UnknownWebhook         a Ghost webhook event we do not serve        404
    ├── BodyTimeout            the body did not arrive in time             408
    ├── PayloadTooLarge        body, event or batch over its limit         413
    ├── EventIdReused          an id accepted before, with other content   409
    ├── UnsupportedMediaType   not a JSON content type                     415
    └── InvalidEvents          envelope(s) that fail validation             422
Redis outage                   (newsfeed_runtime.errors)                    503 + Retry-After
"""

from __future__ import annotations

from typing import Any

from newsfeed_runtime.errors import HTTPProblem

__all__ = [
    "UNAVAILABLE",
    "BodyNotReceived",
    "BodyTimeout",
    "EventIdReused",
    "InvalidEvents",
    "PayloadTooLarge",
    "PublisherError",
    "Unauthorized",
    "UnknownWebhook",
    "UnsupportedMediaType",
]

UNAVAILABLE = (
    "the event store is unavailable, so the event may or may not have been written; "
    "retrying with the same event id is safe"
)


# Answered before the body was read to its end: the connection is closed rather than
# drained, so a client that keeps sending an oversized or unwanted body is cut off.
_CLOSE = {"Connection": "close"}


class PublisherError(HTTPProblem):
    """Base of the publisher's 4xx answers."""


class Unauthorized(PublisherError):
    status = 401
    headers = {"WWW-Authenticate": "Bearer", **_CLOSE}  # noqa: RUF012 (read-only class default)

    def __init__(self, detail: str = "a valid 'Authorization: Bearer <token>' header is required") -> None:
        super().__init__(detail)


class BodyNotReceived(PublisherError):
    status = 400
    headers = _CLOSE


class BodyTimeout(PublisherError):
    status = 408
    headers = _CLOSE

    def __init__(self, timeout_s: float) -> None:
        super().__init__(f"the request body did not arrive within {timeout_s:g} s; nothing was written")


class UnsupportedMediaType(PublisherError):
    status = 415
    headers = _CLOSE

    def __init__(self, given: str, accepted: tuple[str, ...]) -> None:
        super().__init__(f"content type {given[:100]!r} is not accepted here; send one of: {', '.join(accepted)}")


class UnknownWebhook(PublisherError):
    status = 404

    def __init__(self, event: str) -> None:
        super().__init__(f"no Ghost webhook {event[:100]!r}; see docs/cms-integration.md for the served events")


class PayloadTooLarge(PublisherError):
    status = 413
    headers = _CLOSE

    def __init__(self, what: str, limit: int, unit: str = "bytes", *, setting: str | None = None) -> None:
        raise_it = f" (the setting {setting} raises it)" if setting else ""
        super().__init__(f"{what} exceeds the limit of {limit} {unit}{raise_it}; nothing was written")
        self.limit = limit


class InvalidEvents(PublisherError):
    status = 422

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("the event is invalid; nothing was written")
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"detail": str(self), "errors": self.errors}


REUSED_ID = (
    "event id {event_id} was accepted before for another event (other type, article or data); "
    "nothing was written: give every event its own id"
)


class EventIdReused(PublisherError):
    status = 409

    def __init__(self, event_id: str, stream_id: str) -> None:
        super().__init__(REUSED_ID.format(event_id=event_id[:200]))
        self.stream_id = stream_id

    def body(self) -> dict[str, Any]:
        error = {"loc": ["id"], "msg": str(self), "type": "id_reused"}
        return {"detail": str(self), "errors": [error], "stream_id": self.stream_id}
