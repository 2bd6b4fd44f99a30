"""The read API (JSON): feed pages, articles, related cards, stats; and live feed changes (SSE).

Feed pages splice the cards stored at index time into the answer without decoding them, and
revalidate from the feed's change counter alone (`caching`): what a CDN and a phone ask
most is what costs least.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse
from starlette.responses import Response

from newsfeed_readmodel.content import servable
from newsfeed_readmodel.errors import ArticleNotFound
from newsfeed_readmodel.feed import ALL, MAX_CURSOR_CHARS, author_feed, tag_feed
from newsfeed_readmodel.reader import FeedPage, ReadModelReader
from newsfeed_runtime.redis import is_outage
from newsfeed_runtime.responses import JSON

from .answers import NOT_FOUND, RESPONSES, ArticleAnswer, FeedAnswer, RelatedAnswer, StatsAnswer
from .caching import (
    NO_STORE,
    CachePolicy,
    answer,
    article_key,
    etag_of,
    feed_key,
    not_modified,
    related_key,
    version_held,
    versioned_etag,
)
from .errors import ConflictingFilters
from .live import FeedChangesHub

__all__ = ["LIVE_PATH", "build_read_router", "feed_name"]

LIVE_PATH = "/v1/feed/events"
LIVE_SEND_TIMEOUT_S = 30.0
"""A live client whose connection takes no data for this long is disconnected (it reconnects and
catches up with `Last-Event-ID`): a stalled reader must not hold its stream open for good."""

log = logging.getLogger("newsfeed.api")
_JSON = "application/json"


def feed_name(tag: str | None, author: str | None) -> str:
    if tag and author:
        raise ConflictingFilters
    if tag:
        return tag_feed(tag)
    if author:
        return author_feed(author)
    return ALL


def build_read_router(reader: ReadModelReader, policy: CachePolicy, hub: FeedChangesHub) -> APIRouter:
    router = APIRouter(tags=["read"])

    @router.get(
        "/v1/feed",
        summary="The News Feed, newest first, with an opaque 'Show More' cursor",
        response_model=FeedAnswer,
        responses={**RESPONSES, 304: {"description": "Not modified (If-None-Match)"}},
    )
    async def get_feed(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)] = None,
        tag: Annotated[str | None, Query(max_length=200)] = None,
        author: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Response:
        feed = feed_name(tag, author)
        shape = ("feed", feed, limit, cursor)
        held = version_held(request, *shape)
        keys = [feed_key(feed)]
        if held is None:
            page: FeedPage | None = await reader.feed_page(feed, limit=limit, cursor=cursor or None)
        else:
            page = await reader.changed_feed_page(feed, held, limit=limit, cursor=cursor or None)
        if page is None:
            return not_modified(versioned_etag(held or 0, *shape), keys, policy)
        etag = versioned_etag(page.version, *shape)
        return answer(request, page.json(), _JSON, etag, [*keys, *map(article_key, page.ids)], policy)

    @router.get(
        LIVE_PATH,
        summary="Server-Sent Events of the feed's changes; resumable with Last-Event-ID",
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "`event: feed.changed`, `id:` the change's stream id; `event: feed.reload` "
                "when changes since `Last-Event-ID` can no longer be replayed",
            }
        },
    )
    async def feed_events(
        tag: Annotated[str | None, Query(max_length=200)] = None,
        author: Annotated[str | None, Query(max_length=200)] = None,
        last_event_id: Annotated[str | None, Header(max_length=40)] = None,
        resume: Annotated[
            str | None,
            Query(max_length=40, alias="last_event_id", description="As `Last-Event-ID`, for a page that opens anew"),
        ] = None,
    ) -> EventSourceResponse:
        feed = feed_name(tag, author)
        last_event_id = last_event_id or resume
        await hub.open()  # Redis away: 503 now, not a stream that carries nothing

        async def events() -> AsyncIterator[bytes]:
            try:
                async for frames in hub.watch(feed, last_event_id):
                    yield frames
            except Exception as exc:  # the stream has started: end it, and the browser reconnects
                if not is_outage(exc):
                    raise
                log.warning("live stream of %s ended: Redis unavailable (%s)", feed, exc)

        headers = {"Cache-Control": NO_STORE, "X-Accel-Buffering": "no"}
        return EventSourceResponse(events(), ping=15, headers=headers, send_timeout=LIVE_SEND_TIMEOUT_S)

    @router.get(
        "/v1/articles/{article_id}",
        summary="One live article with reading time and related cards",
        response_model=ArticleAnswer,
        responses={**RESPONSES, **NOT_FOUND},
    )
    async def get_article(request: Request, article_id: str) -> Response:
        document = await _live(reader, article_id)
        related = await reader.related_cards(article_id, limit=5) or []  # [] if taken down just now
        body = orjson.dumps({**document, "related": related})
        keys = [article_key(article_id), related_key(article_id), *(article_key(card["id"]) for card in related)]
        return answer(request, body, _JSON, etag_of("article", body), keys, policy)

    @router.get(
        "/v1/articles/{article_id}/related",
        summary="Related-article cards, best first",
        response_model=RelatedAnswer,
        responses={**RESPONSES, **NOT_FOUND},
    )
    async def get_related(request: Request, article_id: str, limit: Annotated[int, Query(ge=1, le=20)] = 5) -> Response:
        related = await reader.related_cards(article_id, limit=limit)
        if related is None:
            raise ArticleNotFound(article_id)
        body = orjson.dumps({"items": related})
        keys = [related_key(article_id), *(article_key(card["id"]) for card in related)]
        return answer(request, body, _JSON, etag_of("related", body), keys, policy)

    @router.get(
        "/v1/stats",
        summary="Stream length, lag, pending, dead letters, articles, consumers",
        response_model=StatsAnswer,
        responses=RESPONSES,
    )
    async def get_stats() -> JSON:
        return JSON(await reader.stats(), headers={"Cache-Control": NO_STORE})

    return router


async def _live(reader: ReadModelReader, article_id: str) -> dict[str, Any]:
    document = await reader.article(article_id)
    if document is None:
        raise ArticleNotFound(article_id)
    return servable(document)
