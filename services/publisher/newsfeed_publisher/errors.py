"""Errors of the publisher and the HTTP answers they map to, in one place.

PublisherError
├── Unauthorized        no valid bearer token or signature        401
├── UnknownWebhook      a Ghost webhook event we do not serve      404
├── PayloadTooLarge     body or batch over the configured limit   413
└── InvalidEvents       envelope(s) that fail validation           422
StoreUnavailable        Redis unreachable or timing out            503 + Retry-After
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from newsfeed.responses import JSON

__all__ = [
    "RETRY_AFTER_S",
    "InvalidEvents",
    "PayloadTooLarge",
    "PublisherError",
    "Unauthorized",
    "UnknownWebhook",
    "install_error_handlers",
]

RETRY_AFTER_S = 2


class PublisherError(Exception):
    status = 400

    def body(self) -> dict[str, Any]:
        return {"detail": str(self)}


class Unauthorized(PublisherError):
    status = 401

    def __init__(self, detail: str = "a valid 'Authorization: Bearer <token>' header is required") -> None:
        super().__init__(detail)


class UnknownWebhook(PublisherError):
    status = 404

    def __init__(self, event: str) -> None:
        super().__init__(f"no Ghost webhook {event!r}; see docs/cms-integration.md for the served events")


class PayloadTooLarge(PublisherError):
    status = 413

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} exceeds the limit of {limit}")
        self.limit = limit


class InvalidEvents(PublisherError):
    status = 422

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("the event is invalid; nothing was written")
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"detail": str(self), "errors": self.errors}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PublisherError)
    async def _publisher_error(_: Request, exc: PublisherError) -> JSON:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSON(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RedisConnectionError)
    @app.exception_handler(RedisTimeoutError)
    @app.exception_handler(OSError)
    async def _store_unavailable(_: Request, exc: Exception) -> JSON:
        return JSON(
            {"detail": "the event store is unavailable; nothing was written, retry later"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
