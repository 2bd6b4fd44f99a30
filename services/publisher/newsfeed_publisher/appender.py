"""Idempotent, atomic append of accepted events to `{prefix}:articles`.

One Lua script checks the event id, XADDs the entry and remembers the id with
its stream id. A script runs atomically (and is written to the AOF as one
MULTI/EXEC), so no crash can leave an id marked as seen without its entry, and
a retried id never makes a second entry.

FastStream's `broker.publish` writes a single `__data__` field and cannot make
the write conditional, so the script runs on the FastStream broker's own Redis
connection instead; the entry layout is the documented one (`data`, `type`,
`subject`; see `newsfeed_schemas.streams`).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError

from newsfeed_schemas.events import ArticleEvent, dump_event
from newsfeed_schemas.streams import DATA_FIELD, SUBJECT_FIELD, TYPE_FIELD, StreamNames

__all__ = ["Appended", "Appender", "dedupe_key"]

_APPEND = f"""
local seen = redis.call('GET', KEYS[1])
if seen then return {{seen, 1}} end
local id = redis.call('XADD', KEYS[2], '*',
  '{DATA_FIELD}', ARGV[2], '{TYPE_FIELD}', ARGV[3], '{SUBJECT_FIELD}', ARGV[4])
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
return {{id, 0}}
"""


def dedupe_key(prefix: str, event_id: str) -> str:
    """The key remembering that `event_id` was accepted (holds its stream id)."""
    return f"{prefix}:dedupe:{event_id}"


@dataclass(frozen=True, slots=True)
class Appended:
    event_id: str
    stream_id: str
    duplicate: bool


class Appender:
    def __init__(self, prefix: str, *, dedupe_ttl_s: int) -> None:
        self.prefix = prefix
        self.stream = StreamNames(prefix).articles
        self.dedupe_ttl_s = dedupe_ttl_s
        self._redis: Redis | None = None
        self._script: AsyncScript | None = None

    def bind(self, redis: Redis) -> None:
        """Use `redis` (the FastStream broker's connection) for every append."""
        self._redis = redis
        self._script = redis.register_script(_APPEND)

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise RedisConnectionError("the publisher is not connected to Redis yet")
        return self._redis

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def append(self, event: ArticleEvent) -> Appended:
        (result,) = await self.append_many([event])
        return result

    async def append_many(self, events: list[ArticleEvent]) -> list[Appended]:
        """Append in one round trip; each append is atomic on its own."""
        if not events:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                assert self._script is not None
                await self._script(keys=self._keys(event), args=self._args(event), client=pipe)
            replies = await pipe.execute()
        return [
            Appended(event.id, stream_id.decode(), bool(flag))
            for event, (stream_id, flag) in zip(events, replies, strict=True)
        ]

    def _keys(self, event: ArticleEvent) -> list[str]:
        return [dedupe_key(self.prefix, event.id), self.stream]

    def _args(self, event: ArticleEvent) -> list[str | bytes | int]:
        return [self.dedupe_ttl_s, dump_event(event), event.type.value, event.subject]
