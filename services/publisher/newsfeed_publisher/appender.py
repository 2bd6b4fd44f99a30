"""Idempotent, atomic append of accepted events to `{prefix}:articles`.

One Lua script checks each event id, XADDs the entry and remembers the id with
its stream id; a whole batch goes in one run (one round trip, the events packed
as MessagePack). A script runs atomically (and is written to the AOF as one
MULTI/EXEC), so no crash can leave an id marked as seen without its entry, and
a retried id never makes a second entry.

FastStream's `broker.publish` writes a single `__data__` field and cannot make
the write conditional, so the script runs on the FastStream broker's own Redis
connection instead; the entry layout is the documented one (`data`, `type`,
`subject`; see `newsfeed_schemas.streams`).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgpack
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError

from newsfeed_schemas.events import ArticleEvent, dump_event
from newsfeed_schemas.streams import DATA_FIELD, SUBJECT_FIELD, TYPE_FIELD, StreamNames

__all__ = ["Appended", "Appender", "dedupe_key"]

# ARGV: ttl seconds, MessagePack of [[dedupe key, data, type, subject]*] -> [[stream id, duplicate]*]
_APPEND = f"""
local ttl = ARGV[1]
local replies = {{}}
for i, event in ipairs(cmsgpack.unpack(ARGV[2])) do
  local seen = redis.call('GET', event[1])
  if seen then
    replies[i] = {{seen, 1}}
  else
    local id = redis.call('XADD', KEYS[1], '*',
      '{DATA_FIELD}', event[2], '{TYPE_FIELD}', event[3], '{SUBJECT_FIELD}', event[4])
    redis.call('SET', event[1], id, 'EX', ttl)
    replies[i] = {{id, 0}}
  end
end
return replies
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
        """Append in one script run: one round trip, each event checked and appended in order."""
        if not events:
            return []
        assert self._script is not None
        batch = [[dedupe_key(self.prefix, e.id), dump_event(e), e.type.value, e.subject] for e in events]
        packed = msgpack.packb(batch, use_bin_type=False)
        replies = await self._script(keys=[self.stream], args=[self.dedupe_ttl_s, packed], client=self.redis)
        return [
            Appended(event.id, stream_id.decode(), bool(flag))
            for event, (stream_id, flag) in zip(events, replies, strict=True)
        ]
