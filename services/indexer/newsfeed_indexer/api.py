"""The read API: feed pages, articles, stats (JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request

from newsfeed.responses import JSON

from .errors import NewsfeedError
from .feed import ALL, author_feed, tag_feed
from .queries import ReadModel

__all__ = ["build_read_router", "install_read_error_handlers"]


def feed_name(tag: str | None, author: str | None) -> str:
    if tag and author:
        raise HTTPException(400, "filter by tag or by author, not both")
    if tag:
        return tag_feed(tag)
    if author:
        return author_feed(author)
    return ALL


def build_read_router(read_model: ReadModel) -> APIRouter:
    router = APIRouter(tags=["read"])

    @router.get("/v1/feed", summary="The News Feed, newest first, with an opaque 'Show More' cursor")
    async def get_feed(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=600)] = None,
        tag: Annotated[str | None, Query(max_length=200)] = None,
        author: Annotated[str | None, Query(max_length=200)] = None,
    ) -> JSON:
        page = await read_model.feed_page(feed_name(tag, author), limit=limit, cursor=cursor or None)
        return JSON({"items": page.items, "next_cursor": page.next_cursor})

    @router.get("/v1/articles/{article_id}", summary="One live article with reading time and related cards")
    async def get_article(article_id: str) -> JSON:
        document = await read_model.article(article_id)
        if document is None:
            raise HTTPException(404, f"no published article {article_id!r}")
        return JSON(await _with_related(read_model, document))

    @router.get("/v1/articles/{article_id}/related", summary="Related-article cards, best first")
    async def get_related(article_id: str, limit: Annotated[int, Query(ge=1, le=20)] = 5) -> JSON:
        if await read_model.article(article_id) is None:
            raise HTTPException(404, f"no published article {article_id!r}")
        return JSON({"items": await read_model.related_cards(article_id, limit=limit)})

    @router.get("/v1/stats", summary="Stream length, lag, pending, dead letters, articles, consumers")
    async def get_stats() -> JSON:
        return JSON(await read_model.stats())

    return router


async def _with_related(read_model: ReadModel, document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "related": await read_model.related_cards(document["id"], limit=5)}


def install_read_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NewsfeedError)
    async def _bad_request(_: Request, exc: NewsfeedError) -> JSON:
        return JSON({"detail": str(exc)}, status_code=400)
