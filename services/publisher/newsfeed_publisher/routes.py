"""CMS-facing routes: `POST /v1/events`, `POST /v1/events/batch`, `POST /v1/webhooks/ghost/{event}`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request

from newsfeed_readmodel.event_log import EventLog
from newsfeed_runtime.responses import JSON
from newsfeed_schemas.events import ArticleEvent

from . import ghost
from .auth import Authenticator
from .errors import InvalidEvents, PayloadTooLarge, UnknownWebhook
from .metrics import EVENTS_ACCEPTED, EVENTS_DUPLICATE, EVENTS_REFUSED
from .settings import PublisherSettings
from .validation import parse_batch_body, parse_one, validate_item

__all__ = ["build_router"]


def build_router(settings: PublisherSettings, event_log: Callable[[], EventLog]) -> APIRouter:
    """The routes; `event_log()` gives the log to append to (bound once the broker is connected)."""
    router = APIRouter()
    auth = Authenticator(settings)

    async def read_body(request: Request) -> bytes:
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            raise PayloadTooLarge("the request body", settings.max_body_bytes)
        return body

    @router.post(
        "/v1/events",
        status_code=202,
        tags=["CMS events"],
        summary="Append one CloudEvents envelope",
        responses={200: {"description": "Duplicate event id"}, 422: {}, 503: {}},
    )
    async def post_event(request: Request) -> JSON:
        try:
            body = await read_body(request)
            auth.events(request.headers, body)
            event = parse_one(body)
        except Exception:
            EVENTS_REFUSED.inc()
            raise
        return await _answer_one(event_log(), event)

    @router.post(
        "/v1/events/batch",
        tags=["CMS events"],
        summary="Append many envelopes (JSON array or NDJSON), with a result per item",
    )
    async def post_batch(request: Request) -> JSON:
        body = await read_body(request)
        auth.events(request.headers, body)
        items = parse_batch_body(body, request.headers.get("content-type", ""), settings.max_batch_items)
        checked = [validate_item(item) for item in items]
        appended = iter(await event_log().append_many([c for c in checked if not isinstance(c, list)]))
        results: list[dict[str, Any]] = []
        for index, outcome in enumerate(checked):
            if isinstance(outcome, list):
                results.append({"index": index, "status": 422, "errors": outcome})
                continue
            done = next(appended)
            status = 200 if done.duplicate else 202
            results.append(
                {
                    "index": index,
                    "status": status,
                    "id": done.event_id,
                    "stream_id": done.stream_id,
                    "duplicate": done.duplicate,
                }
            )
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
        responses={200: {"description": "Duplicate, or an event that changes nothing public"}, 404: {}, 422: {}},
    )
    async def ghost_webhook(event: str, request: Request) -> JSON:
        if event not in ghost.HANDLED_EVENTS | ghost.IGNORED_EVENTS:
            raise UnknownWebhook(event)
        try:
            body = await read_body(request)
            auth.ghost(request.headers, body)
            envelope = ghost.envelope_from_webhook(event, _decode(body))
            if envelope is None:
                return JSON({"ignored": True, "event": event}, 200)
            checked = validate_item(envelope)
            if isinstance(checked, list):
                raise InvalidEvents(checked)
        except Exception:
            EVENTS_REFUSED.inc()
            raise
        return await _answer_one(event_log(), checked)

    return router


async def _answer_one(log: EventLog, event: ArticleEvent) -> JSON:
    """Append one event: 202 when new, 200 with the first stream id when a duplicate."""
    appended = await log.append(event)
    if appended.duplicate:
        EVENTS_DUPLICATE.inc()
        return JSON({"id": event.id, "stream_id": appended.stream_id, "duplicate": True}, 200)
    EVENTS_ACCEPTED.inc()
    return JSON({"id": event.id, "stream_id": appended.stream_id}, 202)


def _summarize(results: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "accepted": sum(r["status"] == 202 for r in results),
        "duplicate": sum(r["status"] == 200 for r in results),
        "refused": sum(r["status"] == 422 for r in results),
    }


def _decode(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvents([{"loc": [], "msg": f"the body is not valid JSON: {exc}", "type": "json_invalid"}]) from exc
