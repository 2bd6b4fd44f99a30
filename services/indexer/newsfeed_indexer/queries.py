"""Reads the read model for the API: feed pages, articles, operator stats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newsfeed_schemas.streams import INDEXER_GROUP

from .cards import card_of
from .feed import ALL, id_of_member, next_cursor, page_bounds
from .keys import Keys
from .related import Profile, decode_profile, reason

__all__ = ["FeedPage", "ReadModel"]

_MAX_LAG_COUNT = 100_000


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


class ReadModel:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def feed_page(self, feed: str = ALL, *, limit: int = 20, cursor: str | None = None) -> FeedPage:
        """Cards newest first, after `cursor` (raises InvalidCursor for a forged one)."""
        high, low = page_bounds(cursor)
        raw: Any = await self.redis.zrevrangebylex(self.keys.feed(feed), high, low, start=0, num=limit + 1)
        members, following = next_cursor((m.decode() for m in raw), limit)
        documents = await self.documents([id_of_member(m) for m in members])
        return FeedPage([card_of(d) for d in documents if d is not None], following)

    async def documents(self, article_ids: list[str]) -> list[dict[str, Any] | None]:
        """The stored documents of live articles, None where an article is not live."""
        if not article_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id in article_ids:
                pipe.hmget(self.keys.article(article_id), ["state", "doc"])
            rows = await pipe.execute()
        return [orjson.loads(doc) if state == b"published" and doc else None for state, doc in rows]

    async def article(self, article_id: str) -> dict[str, Any] | None:
        (document,) = await self.documents([article_id])
        return document

    async def related_cards(self, article_id: str, *, limit: int = 5) -> list[dict[str, Any]]:
        """The cards of an article's related list, best first, each with its `score`."""
        ranked: Any = await self.redis.zrevrange(self.keys.related(article_id), 0, limit - 1, withscores=True)
        ids = [member.decode() for member, _ in ranked]
        documents = await self.documents(ids)
        raws = await self.redis.mget([self.keys.rel_profile(a) for a in [article_id, *ids]]) if ids else [None]
        profiles = [decode_profile(a, raw) if raw else None for a, raw in zip([article_id, *ids], raws, strict=True)]
        return [
            {**card_of(doc), "score": round(score, 4), "reason": _reason(profiles[0], other)}
            for doc, (_, score), other in zip(documents, ranked, profiles[1:], strict=True)
            if doc is not None
        ]

    async def article_by_slug(self, slug: str) -> dict[str, Any] | None:
        article_id: Any = await self.redis.hget(self.keys.slugs, slug)
        return await self.article(article_id.decode()) if article_id else None

    async def stats(self) -> dict[str, Any]:
        """Enough for an operator, and a test, to know when the read model has caught up.

        The group's position is read first: an entry is acknowledged in the same script that
        applies it, so counts read afterwards include everything the group shows as done.
        """
        streams = self.keys.streams
        group, consumers = await self._group_info()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xlen(streams.articles)
            pipe.xlen(streams.dead)
            pipe.scard(self.keys.live)
            length, dead, articles = await pipe.execute()
        return {
            "stream_length": length,
            "lag": await self._lag(group, length),
            "pending": int(group.get("pending", 0)),
            "dead": dead,
            "articles": articles,
            "consumers": consumers,
        }

    async def _lag(self, group: dict[str, Any], length: int) -> int:
        """Entries not yet delivered to the group (Redis < 7 has no `lag`: count them)."""
        if not group:
            return int(length)
        if group.get("lag") is not None:
            return int(group["lag"])
        last = group.get("last-delivered-id", b"0-0")
        last = last.decode() if isinstance(last, bytes) else str(last)
        undelivered: Any = await self.redis.xrange(self.keys.streams.articles, "(" + last, "+", count=_MAX_LAG_COUNT)
        return len(undelivered)

    async def _group_info(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        stream = self.keys.streams.articles
        try:
            groups = await self.redis.xinfo_groups(stream)
        except ResponseError:  # the stream does not exist yet
            return {}, []
        group = next((_text_keys(g) for g in groups if _name(g) == INDEXER_GROUP), {})
        if not group:
            return {}, []
        consumers = await self.redis.xinfo_consumers(stream, INDEXER_GROUP)
        return group, [{"name": _name(c), "pending": int(c["pending"]), "idle_ms": int(c["idle"])} for c in consumers]


def _reason(article: Profile | None, other: Profile | None) -> dict[str, Any]:
    if article is None or other is None:
        return {"tags": [], "terms": [], "text": ""}
    return reason(article, other)


def _name(info: dict[Any, Any]) -> str:
    name = info.get("name", info.get(b"name"))
    return name.decode() if isinstance(name, bytes) else str(name)


def _text_keys(info: dict[Any, Any]) -> dict[str, Any]:
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in info.items()}
