"""Writes the read model: one atomic transaction per batch of stream entries.

For a batch the store WATCHes the article hashes it touches, reads them, folds
each event through the pure `projection.transition`, then writes every change,
the announcements and the XACK of every entry in one MULTI/EXEC. Either the
whole batch is applied and acknowledged or nothing is (and the entries stay
pending, to be delivered again). A concurrent writer of the same article makes
EXEC fail and the batch is simply recomputed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from newsfeed_schemas.events import ArticleEvent
from newsfeed_schemas.streams import INDEXER_GROUP, encode_fields

from .keys import Keys
from .projection import Stored, Transition, transition
from .records import decode_stored, encode_stored

__all__ = ["ApplyResult", "Entry", "Projector", "ReadModelStore"]

_MAX_CONFLICT_RETRIES = 50


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry: its id and either the decoded event or why it could not be decoded."""

    stream_id: bytes
    event: ArticleEvent | None
    raw: dict[bytes, bytes] = field(default_factory=dict)
    error: str | None = None


@dataclass(slots=True)
class ApplyResult:
    applied: list[Transition] = field(default_factory=list)
    skipped: int = 0
    dead: int = 0
    conflicts: int = 0


class Projector(Protocol):
    """A further part of the read model derived from the same transitions (e.g. related links).

    `prepare` runs after the article hashes are WATCHed and read, before MULTI (it may read
    Redis); `write` queues its writes into the same MULTI/EXEC as the feeds and the XACK,
    so a crash never leaves one part applied without the other.
    """

    async def prepare(self, transitions: list[Transition]) -> Any: ...

    def write(self, pipe: Pipeline, prepared: Any) -> None: ...


class ReadModelStore:
    """The only writer of the read model."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        changes_maxlen: int = 100_000,
        projectors: list[Projector] | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.changes_maxlen = changes_maxlen
        self.projectors = list(projectors or [])

    async def ensure_group(self) -> None:
        """Create the indexer group at id 0, so events published before the first start are read."""
        try:
            await self.redis.xgroup_create(self.keys.streams.articles, INDEXER_GROUP, id="0", mkstream=True)
        except Exception as exc:  # redis.ResponseError BUSYGROUP: it exists already
            if "BUSYGROUP" not in str(exc):
                raise

    async def read_stored(self, article_ids: list[str]) -> dict[str, Stored | None]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id in article_ids:
                pipe.hgetall(self.keys.article(article_id))
            rows = await pipe.execute()
        return {aid: decode_stored(row) for aid, row in zip(article_ids, rows, strict=True)}

    async def apply(self, entries: list[Entry]) -> ApplyResult:
        """Apply and acknowledge a batch atomically; retried on a concurrent write."""
        article_ids = list(dict.fromkeys(e.event.subject for e in entries if e.event is not None))
        watched = [self.keys.article(a) for a in article_ids]
        result = ApplyResult()
        for _ in range(_MAX_CONFLICT_RETRIES):
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    if watched:
                        await pipe.watch(*watched)
                    stored = await self.read_stored(article_ids)
                    result.applied, result.skipped = _fold(entries, stored)
                    prepared = [await p.prepare(result.applied) for p in self.projectors]
                    pipe.multi()
                    self._write(pipe, result.applied)
                    for projector, plan in zip(self.projectors, prepared, strict=True):
                        projector.write(pipe, plan)
                    result.dead = self._dead_letter(pipe, entries)
                    pipe.xack(self.keys.streams.articles, INDEXER_GROUP, *[e.stream_id for e in entries])
                    await pipe.execute()
                    return result
                except WatchError:
                    result.conflicts += 1
        raise RuntimeError(f"gave up after {_MAX_CONFLICT_RETRIES} conflicting concurrent writes")

    def _write(self, pipe: Pipeline, transitions: list[Transition]) -> None:
        keys = self.keys
        for t in transitions:
            article_key = keys.article(t.article_id)
            for feed, member in t.removals:
                pipe.zrem(keys.feed(feed), member)
            for feed, member in t.additions:
                pipe.zadd(keys.feed(feed), {member: 0})
            pipe.delete(article_key)
            pipe.hset(article_key, mapping=encode_stored(t.stored, t.document))  # type: ignore[arg-type]
            if t.old_slug is not None:
                pipe.hdel(keys.slugs, t.old_slug)
            if t.is_live:
                pipe.sadd(keys.live, t.article_id)
                if t.stored.slug is not None:
                    pipe.hset(keys.slugs, t.stored.slug, t.article_id)
            else:
                pipe.srem(keys.live, t.article_id)
            if t.change is not None:
                payload = t.change.model_dump(mode="json")
                pipe.xadd(
                    keys.streams.feed_changes,
                    encode_fields(payload, type_=t.change.type, subject=t.article_id),  # type: ignore[arg-type]
                    maxlen=self.changes_maxlen,
                    approximate=True,
                )

    def _dead_letter(self, pipe: Pipeline, entries: list[Entry]) -> int:
        dead = [e for e in entries if e.event is None]
        for entry in dead:
            pipe.xadd(
                self.keys.streams.dead,
                {  # type: ignore[arg-type]
                    **entry.raw,
                    b"error": (entry.error or "undecodable").encode(),
                    b"source_id": entry.stream_id,
                    b"failed_at": str(int(time.time() * 1000)).encode(),
                },
            )
        return len(dead)


def _fold(entries: list[Entry], stored: dict[str, Stored | None]) -> tuple[list[Transition], int]:
    """Run every event through `transition` in stream order, each on the state the previous left."""
    current = dict(stored)
    applied: list[Transition] = []
    skipped = 0
    for entry in entries:
        if entry.event is None:
            continue
        t = transition(current.get(entry.event.subject), entry.event)
        if t is None:
            skipped += 1
            continue
        current[t.article_id] = t.stored
        applied.append(t)
    return applied, skipped
