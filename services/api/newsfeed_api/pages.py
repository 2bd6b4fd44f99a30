"""Server-rendered pages: the News Feed at `/` and an article at `/articles/{slug}`.

The article's HTML and its feature image caption come from the CMS: the indexer stores
them sanitised (`newsfeed_readmodel.content`), and only then are they rendered as markup;
a document stored before sanitising existed is sanitised here. Everything else is escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from newsfeed_readmodel.content import servable
from newsfeed_readmodel.errors import ArticleNotFound
from newsfeed_readmodel.reader import ReadModelReader

from .routes import feed_name

__all__ = ["build_pages_router"]

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)


def build_pages_router(reader: ReadModelReader) -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def feed_page(
        cursor: Annotated[str | None, Query(max_length=600)] = None,
        tag: Annotated[str | None, Query(max_length=200)] = None,
        author: Annotated[str | None, Query(max_length=200)] = None,
    ) -> HTMLResponse:
        page = await reader.feed_page(feed_name(tag, author), limit=20, cursor=cursor or None)
        filters = {k: v for k, v in (("tag", tag), ("author", author)) if v}
        next_url = "/?" + urlencode({**filters, "cursor": page.next_cursor}) if page.next_cursor else None
        heading = f"Tag: {tag}" if tag else (f"Author: {author}" if author else None)
        html = _templates.get_template("feed.html").render(items=page.items, next_url=next_url, heading=heading)
        return HTMLResponse(html)

    @router.get("/articles/{slug}", response_class=HTMLResponse)
    async def article_page(slug: str) -> HTMLResponse:
        article = await reader.article_by_slug(slug)
        if article is None:
            raise ArticleNotFound(slug)
        article["related"] = await reader.related_cards(article["id"], limit=5)
        return HTMLResponse(_templates.get_template("article.html").render(article=servable(article)))

    return router
