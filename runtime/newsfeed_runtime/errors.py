"""How every newsfeed HTTP process answers errors, in one place.

HTTPProblem                 an error a route answers with a 4xx and a JSON body (subclassed per service)
Redis outage (any RedisError, cluster error or socket error)   503 + Retry-After, never a 500
RequestValidationError      422 {"detail", "errors": [{"loc", "msg", "type"}]}, the publisher's shape

Each service draws its own subtree of `HTTPProblem` in its `errors.py`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from redis.exceptions import RedisClusterException, RedisError

from .responses import JSON

__all__ = ["RETRY_AFTER_S", "UNAVAILABLE_READ", "HTTPProblem", "field_errors", "install_error_handlers"]

RETRY_AFTER_S = 2
UNAVAILABLE_READ = "Redis cannot be reached or answers too slowly; retry later"


class HTTPProblem(Exception):
    """Base of the errors a route answers with a 4xx; `body()` is the JSON answer."""

    status = 400
    headers: dict[str, str] | None = None

    def body(self) -> dict[str, Any]:
        return {"detail": str(self)}


def field_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic-style errors as `{"loc", "msg", "type"}`, without echoing the input back."""
    return [{"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]} for err in errors]


def install_error_handlers(app: FastAPI, *, unavailable: str, unavailable_read: str = UNAVAILABLE_READ) -> None:
    """Map `HTTPProblem`s to their answers and every Redis outage to 503.

    The 503's detail is `unavailable_read` for GET and HEAD, `unavailable` for the rest.
    """

    @app.exception_handler(HTTPProblem)
    async def _problem(_: Request, exc: HTTPProblem) -> JSON:
        return JSON(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSON:
        body = {"detail": "the request is invalid", "errors": field_errors(exc.errors())}
        return JSON(body, status_code=422)

    @app.exception_handler(RedisError)
    @app.exception_handler(RedisClusterException)
    @app.exception_handler(OSError)
    async def _unavailable(request: Request, exc: Exception) -> JSON:
        detail = unavailable_read if request.method in ("GET", "HEAD") else unavailable
        return JSON({"detail": detail}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})
