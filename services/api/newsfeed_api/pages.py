"""What readers see: the News Feed (`/`, `/tag/{slug}`, `/author/{slug}`), articles
(`/articles/{slug}`), the card fragments the page's script inserts, and the syndication feeds
(`/rss.xml`, `/atom.xml`, `/feed.json`, each with `?tag=` or `?author=`).

Pages are complete without JavaScript; `static/live.js` only adds live updates and
"Show more" in place. The article's HTML and its feature image caption come from the CMS:
the indexer stores them sanitised (`newsfeed_readmodel.content`), and only then are they
rendered as markup (a document stored before sanitising existed is sanitised here).
Everything else is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from newsfeed_readmodel.content import servable
from newsfeed_readmodel.feed import ALL, MAX_CURSOR_CHARS, author_feed, tag_feed
from newsfeed_readmodel.reader import FeedPage, ReadModelReader

from . import feeds
from .caching import (
    CachePolicy,
    answer,
    article_key,
    etag_of,
    feed_key,
    matches,
    not_modified,
    related_key,
    slug_key,
    version_held,
    versioned_etag,
)
from .rendering import ASSETS, render, render_cards
from .routes import feed_name
from .settings import ApiSettings

__all__ = ["Pages"]

_HTML = "text/html; charset=utf-8"
_FEED_TYPES = {
    "rss.xml": ("application/rss+xml", "RSS", feeds.rss),
    "atom.xml": ("application/atom+xml", "Atom", feeds.atom),
    "feed.json": ("application/feed+json", "JSON Feed", feeds.json_feed),
}
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
Slug = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True, slots=True)
class Listing:
    """A feed shown as a page: which feed, where, under which heading."""

    feed: str
    path: str
    heading: str | None = None
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def query(self) -> str:
        return "?" + urlencode(self.filters) if self.filters else ""


class Pages:
    """The HTML routes and the feeds, over one reader, with validators a CDN can use."""

    def __init__(self, reader: ReadModelReader, settings: ApiSettings) -> None:
        self.reader = reader
        self.settings = settings
        self.policy = CachePolicy(
            settings.cache_max_age_s,
            settings.cache_s_maxage_s,
            settings.cache_stale_while_revalidate_s,
            settings.cache_stale_if_error_s,
        )
        self.build = etag_of(ASSETS, settings.site_name, settings.site_url, settings.site_language)
        self.router = APIRouter(tags=["pages"], include_in_schema=False)
        self.router.add_api_route("/", self.home, methods=["GET"])
        self.router.add_api_route("/tag/{slug}", self.tag_page, methods=["GET"])
        self.router.add_api_route("/author/{slug}", self.author_page, methods=["GET"])
        self.router.add_api_route("/fragments/feed", self.feed_fragment, methods=["GET"])
        self.router.add_api_route("/articles/{slug}", self.article_page, methods=["GET"])
        for name in _FEED_TYPES:
            self.router.add_api_route(f"/{name}", self._syndication_route(name), methods=["GET"])

    # Context shared by every page.

    def _site(self) -> dict[str, Any]:
        return {"name": self.settings.site_name, "language": self.settings.site_language, "assets": ASSETS}

    def _alternates(self, listing: Listing) -> list[dict[str, str]]:
        label = listing.heading or "latest"
        return [
            {
                "type": media_type,
                "title": f"{self.settings.site_name}: {label} ({kind})",
                "href": f"/{name}{listing.query}",
            }
            for name, (media_type, kind, _) in _FEED_TYPES.items()
        ]

    def _render(self, template: str, **context: Any) -> bytes:
        return render(template, site=self._site(), **context)

    def error_page(self, status: int, *, article: bool = False) -> Response:
        """The site's page for a link that leads nowhere (404: to no `article`, or to no page at
        all) or is damaged (400)."""
        body = self._render("not_found.html", alternates=[], status=status, article=article)
        return Response(body, status_code=status, media_type=_HTML, headers={"Cache-Control": "no-store"})

    # The News Feed, of the site, a tag or an author.

    async def home(self, request: Request, cursor: Cursor = None, tag: Slug = None, author: Slug = None) -> Response:
        if tag or author:  # the older query-string form of the tag and author pages
            feed_name(tag, author)
            target = f"/tag/{tag}" if tag else f"/author/{author}"
            return RedirectResponse(target + ("?" + urlencode({"cursor": cursor}) if cursor else ""), 301)
        return await self._listing(request, Listing(ALL, "/"), cursor or None)

    async def tag_page(self, request: Request, slug: str, cursor: Cursor = None) -> Response:
        if slug != slug.lower():  # a slug is lower-case: /tag/World is /tag/world
            return _lower_case(request, "/tag/", slug)
        feed = tag_feed(slug)
        listing = Listing(feed, f"/tag/{slug}", await self._name_in(feed, "tags", slug), (("tag", slug),))
        return await self._listing(request, listing, cursor or None)

    async def author_page(self, request: Request, slug: str, cursor: Cursor = None) -> Response:
        if slug != slug.lower():
            return _lower_case(request, "/author/", slug)
        feed = author_feed(slug)
        listing = Listing(feed, f"/author/{slug}", await self._name_in(feed, "authors", slug), (("author", slug),))
        return await self._listing(request, listing, cursor or None)

    async def _name_in(self, feed: str, kind: str, slug: str) -> str:
        """The tag's or author's name, as the newest card of its feed spells it."""
        return _named(slug, kind, (await self.reader.feed_page(feed, limit=1)).items)

    async def _feed_page(
        self, request: Request, feed: str, shape: tuple[object, ...], limit: int, cursor: str | None
    ) -> FeedPage | Response:
        """The page of `feed`, or the 304 when the client holds it already (one round trip either way)."""
        held = version_held(request, self.build, *shape)
        if held is None:
            return await self.reader.feed_page(feed, limit=limit, cursor=cursor)
        page = await self.reader.changed_feed_page(feed, held, limit=limit, cursor=cursor)
        if page is None:
            return not_modified(versioned_etag(held, self.build, *shape), [feed_key(feed)], self.policy)
        return page

    async def _listing(self, request: Request, listing: Listing, cursor: str | None) -> Response:
        shape = ("page", listing.feed, cursor)
        page = await self._feed_page(request, listing.feed, shape, 20, cursor)
        if isinstance(page, Response):
            return page
        etag = versioned_etag(page.version, self.build, *shape)
        keys = [feed_key(listing.feed)]
        following = dict(listing.filters) | {"cursor": page.next_cursor} if page.next_cursor else None
        body = self._render(
            "feed.html",
            items=page.items,
            heading=listing.heading,
            cursor=cursor,
            next_url=f"{listing.path}?{urlencode(following)}" if following else None,
            next_cursor=page.next_cursor,
            filter_query=listing.query,
            alternates=self._alternates(listing),
        )
        return answer(request, body, _HTML, etag, [*keys, *map(article_key, page.ids)], self.policy)

    async def feed_fragment(
        self,
        request: Request,
        cursor: Cursor = None,
        tag: Slug = None,
        author: Slug = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Response:
        """The cards of one page of a feed, as list items (what live.js inserts)."""
        feed = feed_name(tag, author)
        shape = ("fragment", feed, cursor, limit)
        page = await self._feed_page(request, feed, shape, limit, cursor or None)
        if isinstance(page, Response):
            return page
        etag = versioned_etag(page.version, self.build, *shape)
        keys = [feed_key(feed)]
        response = answer(
            request, render_cards(page.items), _HTML, etag, [*keys, *map(article_key, page.ids)], self.policy
        )
        if page.next_cursor:
            response.headers["X-Next-Cursor"] = page.next_cursor
        return response

    # An article.

    async def article_page(self, request: Request, slug: str) -> Response:
        article = await self.reader.article_by_slug(slug)
        if article is None:
            body = self._render("not_found.html", alternates=[], article=True)
            headers = {"Cache-Control": "public, max-age=10, s-maxage=60", "Surrogate-Key": slug_key(slug)}
            return Response(body, status_code=404, media_type=_HTML, headers=headers)
        related = await self.reader.related_cards(article["id"], limit=6) or []  # [] if taken down just now
        latest = await self.reader.feed_page(ALL, limit=6)
        shown_related = [(c["id"], c.get("title"), c.get("published_at"), c.get("score")) for c in related]
        etag = etag_of(self.build, "article", orjson.dumps(article), orjson.dumps(shown_related), latest.version)
        keys = [article_key(article["id"]), related_key(article["id"]), feed_key(ALL)]
        keys += [article_key(card["id"]) for card in related]
        if matches(request, etag):
            return not_modified(etag, keys, self.policy)
        shown = servable(article)
        if not shown.get("html"):
            shown["paragraphs"] = [p for p in (shown.get("text") or "").split("\n") if p.strip()]
        body = self._render(
            "article.html",
            article=shown,
            related=related,
            latest=[card for card in latest.items if card["id"] != article["id"]][:5],
            alternates=self._alternates(Listing(ALL, "/")),
        )
        return answer(request, body, _HTML, etag, keys, self.policy)

    # Syndication.

    def _syndication_route(self, name: str) -> Any:
        async def endpoint(request: Request, tag: Slug = None, author: Slug = None) -> Response:
            return await self._syndication(request, name, tag, author)

        return endpoint

    async def _syndication(self, request: Request, name: str, tag: str | None, author: str | None) -> Response:
        feed = feed_name(tag, author)
        media_type, _, write = _FEED_TYPES[name]
        base = (self.settings.site_url or str(request.base_url)).rstrip("/")
        # A feed's version counts changes of its cards, but these feeds also carry each article's
        # body and dates: their validator is a digest of what they say, not that version.
        page = await self.reader.feed_page(feed, limit=self.settings.feed_items, cursor=None)
        keys = [feed_key(feed)]
        documents = [servable(d) for d in await self.reader.documents(page.ids) if d is not None]
        filters = {k: v for k, v in (("tag", tag), ("author", author)) if v}
        path = f"/tag/{tag}" if tag else (f"/author/{author}" if author else "/")
        named = _named(tag, "tags", documents) if tag else (_named(author, "authors", documents) if author else None)
        title = self.settings.site_name + (f": {named}" if named else "")
        self_url = f"{base}/{name}" + ("?" + urlencode(filters) if filters else "")
        site = feeds.FeedSite(self.settings.site_name, base, self.settings.site_language, title, path, self_url)
        body = write(site, documents)
        # of what the feed shows, not of `body`: an empty feed's own date is "now"
        etag = etag_of(self.build, name, title, path, self_url, base, orjson.dumps(documents))
        # without NEWSFEED_SITE_URL every link is built from the request's address: its Host, and
        # its scheme, which a proxy in front sets with X-Forwarded-Proto: a cache keeps one of each
        vary = None if self.settings.site_url else "Host, X-Forwarded-Proto"
        ids = [*keys, *map(article_key, page.ids)]
        return answer(request, body, media_type, etag, ids, self.policy, vary=vary)


def _lower_case(request: Request, base: str, slug: str) -> RedirectResponse:
    """A permanent redirect to the page of the lower-case slug, the query kept."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{base}{quote(slug.lower())}{query}", 301)


def _named(slug: str, kind: str, articles: list[dict[str, Any]]) -> str:
    """A tag's or author's name (`kind`: "tags" or "authors"), as the newest of `articles` that
    carries it spells it; the slug when none does."""
    for article in articles:
        for named in article.get(kind) or []:
            if isinstance(named, dict) and named.get("slug") == slug:
                return str(named.get("name") or slug)
    return slug
