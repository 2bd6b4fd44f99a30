"""The event log `{prefix}:articles`: idempotent, atomic appends of accepted events.

One Lua script (`scripts.APPEND`) checks each event id, XADDs the entry and remembers
the id with its stream id; a whole batch goes in one run (one round trip, the events
packed as MessagePack). A script runs atomically (and is written to the AOF as one
MULTI/EXEC), so no crash can leave an id marked as seen without its entry, and a
retried id never makes a second entry.

The entry layout is the documented one (`data`, `type`, `subject`; see
`newsfeed_schemas.streams`). The publisher runs the script on its FastStream broker's
own connection: `broker.publish` writes a single `__data__` field and cannot make the
write conditional.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgpack
from redis.asyncio import Redis

from newsfeed_schemas.events import ArticleEvent, dump_event

from .keys import Keys
from .scripts import APPEND

__all__ = ["Appended", "EventLog"]


@dataclass(frozen=True, slots=True)
class Appended:
    event_id: str
    stream_id: str
    duplicate: bool


class EventLog:
    """Appends to one site's `{prefix}:articles` over a given Redis connection."""

    def __init__(self, redis: Redis, keys: Keys, *, dedupe_ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_ttl_s = dedupe_ttl_s
        self._append = redis.register_script(APPEND)

    async def append(self, event: ArticleEvent) -> Appended:
        (result,) = await self.append_many([event])
        return result

    async def append_many(self, events: list[ArticleEvent]) -> list[Appended]:
        """Append in one script run: one round trip, each event checked and appended in order."""
        if not events:
            return []
        batch = [[self.keys.dedupe(e.id), dump_event(e), e.type.value, e.subject] for e in events]
        packed = msgpack.packb(batch, use_bin_type=False)
        replies = await self._append(keys=[self.keys.streams.articles], args=[self.dedupe_ttl_s, packed])
        return [
            Appended(event.id, stream_id.decode(), bool(flag))
            for event, (stream_id, flag) in zip(events, replies, strict=True)
        ]
