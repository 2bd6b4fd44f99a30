"""The publisher's answers as models, for the OpenAPI document (responses are built as plain JSON)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["RESPONSES", "Accepted", "BatchItem", "BatchResult", "Ignored", "Problem", "ValidationProblem"]


class Accepted(BaseModel):
    """The event is durably in the stream (202), or was already (200, `duplicate: true`)."""

    id: str = Field(description="The event id.")
    stream_id: str = Field(description="Its entry in `{prefix}:articles`.")
    duplicate: bool | None = Field(default=None, description="True when the id had been accepted before.")


class Ignored(BaseModel):
    """A Ghost webhook that changes nothing public (post.added, post.edited)."""

    ignored: bool
    event: str


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description='Where, as the sender wrote it: `["data", "tags", 0, "slug"]`.')
    msg: str
    type: str


class Problem(BaseModel):
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldProblem]


class BatchItem(BaseModel):
    index: int
    line: int | None = Field(
        default=None, description="NDJSON: the item's line in the body (blank lines are no items)."
    )
    status: int = Field(
        description="202 appended, 200 duplicate, 409 id accepted before for another event, 413 too large, 422 invalid."
    )
    id: str | None = None
    stream_id: str | None = None
    duplicate: bool | None = None
    errors: list[FieldProblem] | None = None


class BatchResult(BaseModel):
    accepted: int
    duplicate: int
    refused: int
    results: list[BatchItem]


def _problem(description: str, model: type[BaseModel] = Problem) -> dict[str, Any]:
    return {"model": model, "description": description}


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("The body did not arrive (bad Content-Length, client went away)"),
    401: _problem("No valid bearer token or signature"),
    408: _problem("The body did not arrive within the timeout"),
    409: _problem("The event id was accepted before for another event; nothing was written", ValidationProblem),
    413: _problem("The body, an event or the batch is over its limit"),
    415: _problem("Not a JSON content type"),
    422: _problem("Invalid: every bad field is listed; nothing was written", ValidationProblem),
    503: _problem("Redis cannot confirm the write; retrying with the same event id is safe"),
}
