"""`POST /v1/webhooks/ghost/{event}`: Ghost's post webhooks, one URL per event.

The mapping lives in `ghost.py`; this module checks the signature, maps, validates
and appends, answering exactly like `POST /v1/events` (202 / 200 duplicate / 422).
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request

from newsfeed.responses import JSON

from . import ghost
from .appender import Appender
from .auth import Authenticator
from .errors import InvalidEvents, PayloadTooLarge, UnknownWebhook
from .metrics import EVENTS_REFUSED
from .settings import PublisherSettings
from .validation import validate_item

__all__ = ["build_ghost_router"]


def build_ghost_router(settings: PublisherSettings, appender: Appender, auth: Authenticator) -> APIRouter:
    from .routes import answer_one

    router = APIRouter(tags=["Ghost webhooks"])

    @router.post(
        "/v1/webhooks/ghost/{event}",
        status_code=202,
        summary="Ghost post webhook (post.published, post.published.edited, post.unpublished, post.deleted)",
        responses={200: {"description": "Duplicate, or an event that changes nothing public"}, 404: {}, 422: {}},
    )
    async def ghost_webhook(event: str, request: Request) -> JSON:
        if event not in ghost.HANDLED_EVENTS | ghost.IGNORED_EVENTS:
            raise UnknownWebhook(event)
        body = await request.body()
        try:
            auth.ghost(request.headers, body)
            if len(body) > settings.max_body_bytes:
                raise PayloadTooLarge("the request body", settings.max_body_bytes)
            envelope = ghost.envelope_from_webhook(event, _decode(body))
            if envelope is None:
                return JSON({"ignored": True, "event": event}, 200)
            checked = validate_item(envelope)
            if isinstance(checked, list):
                raise InvalidEvents(checked)
        except Exception:
            EVENTS_REFUSED.inc()
            raise
        return await answer_one(appender, checked)

    return router


def _decode(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvents([{"loc": [], "msg": f"the body is not valid JSON: {exc}", "type": "json_invalid"}]) from exc
