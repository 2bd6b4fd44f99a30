"""Reads the read model for the API: feed pages, articles, related cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis

from .feed import ALL, id_of_member, next_cursor, page_bounds
from .keys import Keys, feed_version, related_version
from .related.features import decode_features
from .related.scoring import reason, shown_score
from .scripts import READ_FEED_PAGE, READ_RELATED
from .stats import read_stats

__all__ = ["FeedPage", "ReadModelReader"]


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of a feed: the stored card JSON of each live article, newest first."""

    cards: list[bytes]
    ids: list[str]
    next_cursor: str | None
    version: int  # of the feed, read with its members (see `feed_version`)

    @property
    def items(self) -> list[dict[str, Any]]:
        return [orjson.loads(card) for card in self.cards]

    def json(self) -> bytes:
        """`{"items": [...], "next_cursor": ...}`, the stored cards spliced in without decoding them."""
        return b'{"items":[' + b",".join(self.cards) + b'],"next_cursor":' + orjson.dumps(self.next_cursor) + b"}"


class ReadModelReader:
    """What the read side asks of one site's read model."""

    def __init__(self, redis: Redis, keys: Keys, *, primary: Redis | None = None) -> None:
        self.redis = redis
        self.primary = primary or redis  # where operator stats are read: never a lagging replica
        self.keys = keys
        self._read_feed_page = redis.register_script(READ_FEED_PAGE)
        self._read_related = redis.register_script(READ_RELATED)

    async def feed_version(self, feed: str) -> int:
        """A counter that changes whenever a card of `feed` changes (for HTTP validators)."""
        raw: Any = await self.redis.hget(self.keys.versions, feed_version(feed))
        return int(raw or 0)

    async def feed_page(self, feed: str = ALL, *, limit: int = 20, cursor: str | None = None) -> FeedPage:
        """Cards newest first, after `cursor` (InvalidCursor for a forged one), in one round trip."""
        page = await self._read_page(feed, limit, cursor, "")
        assert page is not None
        return page

    async def changed_feed_page(
        self, feed: str, since_version: int, *, limit: int = 20, cursor: str | None = None
    ) -> FeedPage | None:
        """`feed_page`, or None when the feed's version is still `since_version` (the caller has it)."""
        return await self._read_page(feed, limit, cursor, str(since_version))

    async def _read_page(self, feed: str, limit: int, cursor: str | None, have: str) -> FeedPage | None:
        high, low = page_bounds(cursor)
        keys = [self.keys.feed(feed), self.keys.versions, self.keys.cards]
        reply: Any = await self._read_feed_page(keys=keys, args=[high, low, limit + 1, feed_version(feed), have])
        if len(reply) == 1:
            return None
        members, following = next_cursor((m.decode() for m in reply[1]), limit)
        live = [(id_of_member(m), card) for m, card in zip(members, reply[2], strict=False) if card is not None]
        return FeedPage([card for _, card in live], [aid for aid, _ in live], following, int(reply[0]))

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

    async def related_cards(self, article_id: str, *, limit: int = 5) -> list[dict[str, Any]] | None:
        """The cards of an article's related list, best first, each with its `score` and `reason`;
        None when the article is not live (one round trip answers both)."""
        keys = [self.keys.related(article_id), self.keys.versions, self.keys.cards, self.keys.article(article_id)]
        args: list[str | int] = [related_version(article_id), "", limit, self.keys.article("")]
        _, ranked, cards, features, state = await self._read_related(keys=keys, args=args)
        if state != b"published":
            return None
        mine = decode_features(features[0]) if features[0] else None
        out = []
        for i, card in enumerate(cards):
            theirs = features[i + 1]
            if card is None:
                continue  # taken down a moment ago: its list entries go with the next related write
            item = orjson.loads(card)
            names = {t["slug"]: t.get("name") or t["slug"] for t in item.get("tags") or ()}
            why = (
                reason(mine, decode_features(theirs), names)
                if mine and theirs
                else {"tags": [], "terms": [], "text": ""}
            )
            out.append({**item, "score": shown_score(-round(float(ranked[2 * i + 1]))), "reason": why})
        return out

    async def stats(self) -> dict[str, Any]:
        """The operator stats of this site (`stats.read_stats`)."""
        return await read_stats(self.primary, self.keys)

    async def article_by_slug(self, slug: str) -> dict[str, Any] | None:
        """The live article that owns `slug`: of all live articles with it, the first published
        (ties: the smaller id), the same on every replica whatever the order events came in."""
        first: Any = await self.redis.zrangebylex(self.keys.slug(slug), "-", "+", start=0, num=1)
        return await self.article(id_of_member(first[0].decode())) if first else None
