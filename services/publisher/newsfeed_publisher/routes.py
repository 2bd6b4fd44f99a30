"""CMS-facing routes: `POST /v1/events`, `POST /v1/events/batch` (and Ghost's, in `webhooks.py`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from newsfeed.responses import JSON
from newsfeed_schemas.events import ArticleEvent

from .appender import Appender
from .auth import Authenticator
from .errors import PayloadTooLarge
from .metrics import EVENTS_ACCEPTED, EVENTS_DUPLICATE, EVENTS_REFUSED
from .settings import PublisherSettings
from .validation import parse_batch_body, parse_one, validate_item

__all__ = ["answer_one", "build_router"]


def build_router(settings: PublisherSettings, appender: Appender) -> APIRouter:
    from .webhooks import build_ghost_router

    router = APIRouter(tags=["CMS events"])
    auth = Authenticator(settings)

    async def read_body(request: Request) -> bytes:
        body = await request.body()
        auth.events(request.headers, body)
        if len(body) > settings.max_body_bytes:
            raise PayloadTooLarge("the request body", settings.max_body_bytes)
        return body

    @router.post(
        "/v1/events",
        status_code=202,
        summary="Append one CloudEvents envelope",
        responses={200: {"description": "Duplicate event id"}, 422: {}, 503: {}},
    )
    async def post_event(request: Request) -> JSON:
        try:
            event = parse_one(await read_body(request))
        except Exception:
            EVENTS_REFUSED.inc()
            raise
        return await answer_one(appender, event)

    @router.post(
        "/v1/events/batch",
        summary="Append many envelopes (JSON array or NDJSON), with a result per item",
    )
    async def post_batch(request: Request) -> JSON:
        body = await read_body(request)
        items = parse_batch_body(body, request.headers.get("content-type", ""), settings.max_batch_items)
        checked = [validate_item(item) for item in items]
        valid = [c for c in checked if not isinstance(c, list)]
        appended = iter(await appender.append_many(valid))
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

    router.include_router(build_ghost_router(settings, appender, auth))
    return router


async def answer_one(appender: Appender, event: ArticleEvent) -> JSON:
    """Append one event: 202 when new, 200 with the first stream id when a duplicate."""
    appended = await appender.append(event)
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
