"""The event log `{prefix}:articles`: idempotent, atomic appends of accepted events.

One Lua script (`scripts.APPEND`) checks each event id, XADDs the entry and remembers
the id with its stream id; a whole batch goes in one run (one round trip, the events
packed as MessagePack). A script runs atomically (and is written to the AOF as one
MULTI/EXEC), so no crash can leave an id marked as seen without its entry, and a
retried id never makes a second entry. The id is remembered with a digest of the event's
content (`content_digest`): an id sent again with other content (an edit under the id of the
event before it) is told apart from a retry and refused, instead of being dropped as one.

The entry layout is the documented one (`data`, `type`, `subject`; see
`newsfeed_schemas.streams`). The publisher runs the script on its FastStream broker's
own connection: `broker.publish` writes a single `__data__` field and cannot make the
write conditional.

**Acknowledged means replicated.** With `replica_acks` > 0 the script and a `WAIT` go out
on one connection (WAIT counts the replicas that have the writes of *its* connection), so the
append returns only once that many replicas hold the entry; fewer within
`replica_timeout_ms` is an outage (`NOREPLICAS`, a 503 the CMS retries; the retry is
deduplicated), never a 2xx. On a cluster the pair goes to the primary of the site's slot.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

import msgpack
import orjson
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.cluster import PipelineCommand, RedisCluster

from newsfeed_schemas.events import ArticleEvent, dump_event

from .keys import Keys
from .scripts import APPEND

__all__ = ["Appended", "EventLog", "content_digest"]


@dataclass(frozen=True, slots=True)
class Appended:
    event_id: str
    stream_id: str  # of this event, or of the event first accepted with its id
    duplicate: bool  # the id was accepted before, with the same content: a retry
    reused: bool = False  # the id was accepted before with other content: nothing was written


def content_digest(event: ArticleEvent) -> str:
    """What a retry repeats: the type, the article and its data; not the envelope's `time`,
    which a CMS may stamp anew on each attempt."""
    content = orjson.dumps([event.type.value, event.subject, event.data.model_dump(mode="json")])
    return hashlib.blake2b(content, digest_size=12).hexdigest()


class EventLog:
    """Appends to one site's `{prefix}:articles` over a given Redis connection.

    At most `concurrent` appends run at once; more wait their turn. A client's pool of
    connections has a size (the broker's is redis-py's default, 100) and refuses a command
    beyond it at once, which would answer 503 to requests that Redis could well serve.
    """

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        dedupe_ttl_s: int,
        replica_acks: int = 0,
        replica_timeout_ms: int = 2000,
        concurrent: int = 50,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_ttl_s = dedupe_ttl_s
        self.replica_acks = replica_acks
        self.replica_timeout_ms = replica_timeout_ms
        self._append = redis.register_script(APPEND)
        self._turns = asyncio.Semaphore(concurrent)

    async def append(self, event: ArticleEvent) -> Appended:
        (result,) = await self.append_many([event])
        return result

    async def append_many(self, events: list[ArticleEvent]) -> list[Appended]:
        """Append in one script run: one round trip, each event checked and appended in order."""
        if not events:
            return []
        batch = [[dump_event(e), e.type.value, e.subject, content_digest(e)] for e in events]
        keys = [self.keys.streams.articles, *(self.keys.dedupe(e.id) for e in events)]
        args = [self.dedupe_ttl_s, msgpack.packb(batch, use_bin_type=False)]
        async with self._turns:
            if self.replica_acks == 0:
                replies = await self._append(keys=keys, args=args)
            else:
                replies = await self._append_replicated(keys, args)
        return [
            Appended(event.id, stream_id.decode(), flag == 1, flag == 2)
            for event, (stream_id, flag) in zip(events, replies, strict=True)
        ]

    async def _append_replicated(self, keys: list[str], args: list[Any]) -> Any:
        wait = ("WAIT", self.replica_acks, self.replica_timeout_ms)
        if isinstance(self.redis, RedisCluster):
            commands = [("EVAL", APPEND, len(keys), *keys, *args), wait]
            replies, acked = await _on_slot_primary(self.redis, keys[0], commands)
        else:
            pipe = self.redis.pipeline(transaction=False)
            await self._append(keys=keys, args=args, client=pipe)
            pipe.execute_command(*wait)
            replies, acked = await pipe.execute()
        if int(acked) < self.replica_acks:
            raise redis_errors.ResponseError(
                f"NOREPLICAS the events reached {acked} of {self.replica_acks} replicas in {self.replica_timeout_ms} ms"
            )
        return replies


_UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


async def _on_slot_primary(cluster: RedisCluster, key: str, commands: list[tuple[Any, ...]]) -> list[Any]:
    """Run `commands` in order on one connection to the primary of `key`'s slot (for WAIT)."""
    await cluster.initialize()  # learns the slots on first use; a no-op afterwards
    node = cluster.get_node_from_key(key)
    if node is None:
        raise redis_errors.SlotNotCoveredError(f"no primary serves the slot of {key}")
    for attempt in range(2):  # once more when the slot has moved: on its new primary
        queued = [PipelineCommand(i, *command) for i, command in enumerate(commands)]
        failed: Exception | None
        try:
            await node.execute_pipeline(queued)
        except _UNREACHABLE as exc:  # raised, not kept as a result, when the node cannot be reached:
            failed = exc  # a failover may have promoted a replica, which only a new layout names
        else:
            failed = next((c.result for c in queued if isinstance(c.result, Exception)), None)
        if failed is None:
            return [command.result for command in queued]
        if not isinstance(failed, (redis_errors.MovedError, *_UNREACHABLE)):
            raise failed
        await cluster.nodes_manager.initialize()  # the slot moved (failover, reshard): learn the layout
        moved_to = cluster.get_node_from_key(key)
        if attempt == 1 or moved_to is None or moved_to.name == node.name:
            raise failed
        node = moved_to
    raise AssertionError("unreachable")
