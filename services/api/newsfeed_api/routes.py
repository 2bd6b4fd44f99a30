"""The read API: feed pages, articles, related cards, stats (JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from newsfeed_readmodel.errors import ArticleNotFound
from newsfeed_readmodel.feed import ALL, author_feed, tag_feed
from newsfeed_readmodel.reader import ReadModelReader
from newsfeed_runtime.responses import JSON

from .answers import NOT_FOUND, RESPONSES, ArticleAnswer, FeedAnswer, RelatedAnswer, StatsAnswer
from .errors import ConflictingFilters

__all__ = ["build_read_router", "feed_name"]


def feed_name(tag: str | None, author: str | None) -> str:
    if tag and author:
        raise ConflictingFilters
    if tag:
        return tag_feed(tag)
    if author:
        return author_feed(author)
    return ALL


def build_read_router(reader: ReadModelReader) -> APIRouter:
    router = APIRouter(tags=["read"])

    @router.get(
        "/v1/feed",
        summary="The News Feed, newest first, with an opaque 'Show More' cursor",
        response_model=FeedAnswer,
        responses=RESPONSES,
    )
    async def get_feed(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=600)] = None,
        tag: Annotated[str | None, Query(max_length=200)] = None,
        author: Annotated[str | None, Query(max_length=200)] = None,
    ) -> JSON:
        page = await reader.feed_page(feed_name(tag, author), limit=limit, cursor=cursor or None)
        return JSON({"items": page.items, "next_cursor": page.next_cursor})

    @router.get(
        "/v1/articles/{article_id}",
        summary="One live article with reading time and related cards",
        response_model=ArticleAnswer,
        responses={**RESPONSES, **NOT_FOUND},
    )
    async def get_article(article_id: str) -> JSON:
        document = await _live(reader, article_id)
        return JSON({**document, "related": await reader.related_cards(article_id, limit=5)})

    @router.get(
        "/v1/articles/{article_id}/related",
        summary="Related-article cards, best first",
        response_model=RelatedAnswer,
        responses={**RESPONSES, **NOT_FOUND},
    )
    async def get_related(article_id: str, limit: Annotated[int, Query(ge=1, le=20)] = 5) -> JSON:
        await _live(reader, article_id)
        return JSON({"items": await reader.related_cards(article_id, limit=limit)})

    @router.get(
        "/v1/stats",
        summary="Stream length, lag, pending, dead letters, articles, consumers",
        response_model=StatsAnswer,
        responses=RESPONSES,
    )
    async def get_stats() -> JSON:
        return JSON(await reader.stats())

    return router


async def _live(reader: ReadModelReader, article_id: str) -> dict[str, Any]:
    document = await reader.article(article_id)
    if document is None:
        raise ArticleNotFound(article_id)
    return document
