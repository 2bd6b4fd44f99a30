"""CMS-facing routes: `POST /v1/events`, `POST /v1/events/batch`, `POST /v1/webhooks/ghost/{event}`.

Each route reads its request the same way: credentials (before the body where they can
be checked without it), content type, then the body within its size limit and deadline,
then validation; only then is anything written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request

from newsfeed_readmodel.event_log import Appended, EventLog
from newsfeed_runtime.off_loop import run_by_size
from newsfeed_runtime.responses import JSON
from newsfeed_schemas.events import ArticleEvent
from newsfeed_schemas.limits import Limits

from . import ghost
from .answers import RESPONSES, Accepted, BatchResult, Ignored, Problem
from .auth import Authenticator, Scheme
from .body import BATCH_TYPES, EVENT_TYPES, read_body, require_media_type
from .errors import EventIdReused, InvalidEvents, PayloadTooLarge, UnknownWebhook
from .metrics import EVENTS_ACCEPTED, EVENTS_DUPLICATE, EVENTS_REFUSED
from .settings import PublisherSettings
from .validation import Refused, check_batch, check_item, decode_json, parse_one

__all__ = ["build_router"]


def build_router(settings: PublisherSettings, event_log: Callable[[], EventLog]) -> APIRouter:
    """The routes; `event_log()` gives the log to append to (bound once the broker is connected)."""
    router = APIRouter()
    auth = Authenticator(settings)
    limits = settings.limits()

    async def receive(request: Request, scheme: Scheme, accepted: tuple[str, ...], limit: int) -> tuple[str, bytes]:
        allowed = auth.before_body(request.headers, scheme)
        media_type = require_media_type(request, accepted)
        body = await read_body(request, limit=limit, timeout_s=settings.body_timeout_s)
        if not allowed:
            auth.after_body(request.headers, body, scheme)
        return media_type, body

    @router.post(
        "/v1/events",
        status_code=202,
        tags=["CMS events"],
        summary="Append one CloudEvents envelope",
        responses={200: {"model": Accepted, "description": "Duplicate event id: nothing written"}, **RESPONSES},
        response_model=Accepted,
        openapi_extra={"requestBody": _request_body("ArticleEvent", EVENT_TYPES)},
    )
    async def post_event(request: Request) -> JSON:
        try:
            _, body = await receive(request, Scheme.STANDARD, EVENT_TYPES, settings.max_event_bytes)
            event = await run_by_size(len(body), parse_one, body, limits)
        except Exception:
            EVENTS_REFUSED.inc()
            raise
        return await _answer_one(event_log(), event)

    @router.post(
        "/v1/events/batch",
        tags=["CMS events"],
        summary="Append many envelopes (JSON array or NDJSON), with a result per item",
        responses={200: {"model": BatchResult, "description": "A result per item"}, **RESPONSES},
        response_model=BatchResult,
        openapi_extra={"requestBody": _request_body("ArticleEventBatch", BATCH_TYPES)},
    )
    async def post_batch(request: Request) -> JSON:
        media_type, body = await receive(request, Scheme.STANDARD, BATCH_TYPES, settings.max_batch_bytes)
        checked, lines = await run_by_size(len(body), check_batch, body, media_type, limits, settings.max_batch_items)
        appended = iter(await event_log().append_many([c for c in checked if not isinstance(c, Refused)]))
        results: list[dict[str, Any]] = []
        for index, outcome in enumerate(checked):
            if isinstance(outcome, Refused):
                result = {"index": index, "status": outcome.status, "errors": outcome.errors}
            else:
                result = _item_result(index, next(appended))
            results.append(result if lines is None else {**result, "line": lines[index]})
        summary = _summarize(results)
        EVENTS_ACCEPTED.inc(summary["accepted"])
        EVENTS_DUPLICATE.inc(summary["duplicate"])
        EVENTS_REFUSED.inc(summary["refused"])
        return JSON({**summary, "results": results}, 200)

    @router.post(
        "/v1/webhooks/ghost/{event}",
        status_code=202,
        tags=["Ghost webhooks"],
        summary="Ghost post webhook (post.published, post.published.edited, post.unpublished, post.deleted)",
        responses={
            200: {"model": Accepted | Ignored, "description": "Duplicate, or an event that changes nothing public"},
            404: {"model": Problem, "description": "Not a Ghost webhook newsfeed serves"},
            **RESPONSES,
        },
        response_model=Accepted,
        openapi_extra={"requestBody": _request_body("GhostWebhook", ("application/json",))},
    )
    async def ghost_webhook(event: str, request: Request) -> JSON:
        if event not in ghost.HANDLED_EVENTS | ghost.IGNORED_EVENTS:
            raise UnknownWebhook(event)
        try:
            # Ghost sends the post's html, plaintext and editor document, twice (current and previous).
            _, body = await receive(request, Scheme.GHOST, ("application/json",), settings.max_batch_bytes)
            checked = await run_by_size(len(body), _ghost_event, event, body, limits)
            if checked is None:
                return JSON({"ignored": True, "event": event}, 200)
        except Exception:
            EVENTS_REFUSED.inc()
            raise
        return await _answer_one(event_log(), checked)

    return router


def _ghost_event(event: str, body: bytes, limits: Limits) -> ArticleEvent | None:
    """The validated event of a Ghost webhook, or None for one that changes nothing public."""
    envelope = _ghost_envelope(event, body)
    if envelope is None:
        return None
    if len(orjson.dumps(envelope)) > limits.max_event_bytes:
        what = "the post as one event (its html and plaintext together)"
        raise PayloadTooLarge(what, limits.max_event_bytes, setting="NEWSFEED_MAX_EVENT_BYTES")
    checked = check_item(envelope, limits)
    if isinstance(checked, Refused):
        raise InvalidEvents(ghost.in_ghost_terms(checked.errors, event))
    return checked


def _ghost_envelope(event: str, body: bytes) -> dict[str, Any] | None:
    try:
        return ghost.envelope_from_webhook(event, decode_json(body))
    except ghost.MalformedWebhook as exc:
        raise InvalidEvents([{"loc": ["post"], "msg": str(exc), "type": "ghost_body"}]) from None


def _request_body(schema: str, media_types: tuple[str, ...]) -> dict[str, Any]:
    reference = {"$ref": f"#/components/schemas/{schema}"}
    return {"required": True, "content": {media_type: {"schema": reference} for media_type in media_types}}


async def _answer_one(log: EventLog, event: ArticleEvent) -> JSON:
    """Append one event: 202 when new, 200 with the first stream id when a duplicate."""
    appended = await log.append(event)
    if appended.reused:
        EVENTS_REFUSED.inc()
        raise EventIdReused(event.id, appended.stream_id)
    if appended.duplicate:
        EVENTS_DUPLICATE.inc()
        return JSON({"id": event.id, "stream_id": appended.stream_id, "duplicate": True}, 200)
    EVENTS_ACCEPTED.inc()
    return JSON({"id": event.id, "stream_id": appended.stream_id}, 202)


def _item_result(index: int, done: Appended) -> dict[str, Any]:
    """A batch item's result: 202 appended, 200 a duplicate, 409 its id used for another event."""
    if done.reused:
        errors = EventIdReused(done.event_id, done.stream_id).body()["errors"]
        return {"index": index, "status": 409, "id": done.event_id, "errors": errors}
    status = 200 if done.duplicate else 202
    return {"index": index, "status": status, "id": done.event_id, "stream_id": done.stream_id} | {
        "duplicate": done.duplicate
    }


def _summarize(results: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "accepted": sum(r["status"] == 202 for r in results),
        "duplicate": sum(r["status"] == 200 for r in results),
        "refused": sum(r["status"] >= 400 for r in results),
    }
