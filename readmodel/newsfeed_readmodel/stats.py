"""Operator stats of one site: enough to know when the read model has caught up.

`GET /v1/stats` and the /metrics gauges serve this document.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newsfeed_schemas.streams import INDEXER_GROUP

from .keys import Keys

__all__ = ["read_stats"]

_MAX_LAG_COUNT = 100_000


async def read_stats(redis: Redis, keys: Keys) -> dict[str, Any]:
    """`stream_length`, `lag`, `pending`, `dead`, `articles` and `consumers` of the indexer group,
    and `related_lag`: applied articles the related lists do not account for yet (`related.store`;
    every live article while built lists are rebuilt or were left behind with related links off).

    The group's position is read first: an entry is acknowledged in the same script that
    applies it, so counts read afterwards include everything the group shows as done.
    """
    streams = keys.streams
    group, consumers = await _group_info(redis, streams.articles)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xlen(streams.articles)
        pipe.xlen(streams.dead)
        pipe.scard(keys.live)
        pipe.xlen(keys.related_work)
        pipe.hmget(keys.related_state, ["position", "rebuilding", "missed"])
        length, dead, articles, related_work, (built, rebuilding, missed) = await pipe.execute()
    # lists built once and being rebuilt, or left behind by changes applied with related links
    # off: none of them is known to be current until the rebuild ends
    related_lag = related_work + (articles if built is not None and (rebuilding or missed) else 0)
    return {
        "stream_length": length,
        "lag": await _lag(redis, streams.articles, group, length),
        "pending": int(group.get("pending", 0)),
        "dead": dead,
        "articles": articles,
        "consumers": consumers,
        "related_lag": related_lag,
    }


async def _lag(redis: Redis, stream: str, group: dict[str, Any], length: int) -> int:
    """Entries not yet delivered to the group.

    A group that has been given the stream's newest entry has none left, whatever Redis's own
    `lag` says: that counter is entries added less entries read, and after a restart from the
    append-only file the count of entries read can come back short (seen: a lag of 1,874 that
    never fell, with every entry delivered). Otherwise Redis's `lag`; Redis < 7 has none, so
    the entries after the group's position are counted.
    """
    if not group:
        return int(length)
    lag = group.get("lag")
    if lag == 0:  # caught up: no need to ask for the newest id
        return 0
    last = _text(group.get("last-delivered-id", b"0-0"))
    if last == await _newest_id(redis, stream):
        return 0
    if lag is not None:
        return int(lag)
    undelivered: Any = await redis.xrange(stream, "(" + last, "+", count=_MAX_LAG_COUNT)
    return len(undelivered)


async def _newest_id(redis: Redis, stream: str) -> str | None:
    """The id of the newest entry ever added to `stream` (None before the first)."""
    try:
        info = await redis.xinfo_stream(stream)
    except ResponseError:  # no stream
        return None
    newest = _text_keys(info).get("last-generated-id")
    return _text(newest) if newest is not None else None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _group_info(redis: Redis, stream: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError:  # the stream does not exist yet
        return {}, []
    group = next((_text_keys(g) for g in groups if _name(g) == INDEXER_GROUP), {})
    if not group:
        return {}, []
    consumers = await redis.xinfo_consumers(stream, INDEXER_GROUP)
    return group, [{"name": _name(c), "pending": int(c["pending"]), "idle_ms": int(c["idle"])} for c in consumers]


def _name(info: dict[Any, Any]) -> str:
    name = info.get("name", info.get(b"name"))
    return name.decode() if isinstance(name, bytes) else str(name)


def _text_keys(info: dict[Any, Any]) -> dict[str, Any]:
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in info.items()}
