"""Writes the read model: one atomic script run per batch of stream entries.

Related lists are not written here: each applied article is named on `related-work`, in the
same atomic write, and the related maintainer (`related.store`) takes it from there.

For a batch the writer reads the article records it touches, folds each event
through the pure `projection.transition`, records every write (article hashes,
feeds, slugs, announcements, the projectors' parts and the XACK of every entry)
in an `OpBatch`, and runs them in one EVALSHA (`scripts.APPLY`) that first checks
that no article changed since it was read. Either the whole batch is applied and
acknowledged or nothing is (the entries stay pending and are delivered again). A
concurrent writer of the same article makes the check fail and the batch is recomputed.
While a rebuild switches in its keys (`reindex`, `{p}:rebuild-hold`) the check fails too, and
the writer waits for the rebuild to let go (at most `reindex.HOLD_TTL_MS`, should it die).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import orjson
from redis.asyncio import Redis

from newsfeed_schemas.streams import INDEXER_GROUP

from .announcements import CHANGES_MAXLEN
from .batch import OpBatch, rows_as_dicts
from .cards import card_of
from .dead_letters import dead_letter_fields
from .entries import StreamEntry
from .errors import ApplyConflict
from .groups import ensure_group
from .keys import Keys, feed_version
from .projection import Stored, Transition, transition
from .records import STORED_FIELDS, decode_stored, encode_stored
from .scripts import APPLY, READ_RECORDS

__all__ = ["ApplyResult", "Projector", "ReadModelWriter"]

_MAX_CONFLICT_RETRIES = 50
_HOLD_POLL_S = 0.02

Plan = TypeVar("Plan")


@dataclass(slots=True)
class ApplyResult:
    applied: list[Transition] = field(default_factory=list)
    skipped: int = 0
    dead: int = 0
    conflicts: int = 0


class Projector(Protocol[Plan]):
    """A further part of the read model derived from the same transitions (e.g. related links).

    `prepare` runs after the article records are read (it may read Redis) and returns a
    plan; `write` records the plan's writes into the same `OpBatch` as the feeds and the
    XACK, so a crash never leaves one part applied without the other.
    """

    async def prepare(self, transitions: list[Transition]) -> Plan: ...

    def write(self, ops: OpBatch, plan: Plan) -> None: ...


class ReadModelWriter:
    """The only writer of the read model."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        changes_maxlen: int = CHANGES_MAXLEN,
        projectors: list[Projector[Any]] | None = None,
        related: bool = True,
    ) -> None:
        self.redis = redis
        self.related = related
        self.keys = keys
        self.changes_maxlen = changes_maxlen
        self.projectors = list(projectors or [])
        self._apply_script = redis.register_script(APPLY)
        self._read_script = redis.register_script(READ_RECORDS)

    async def ensure_group(self) -> None:
        """Create the indexer group at id 0, so events published before the first start are read."""
        await ensure_group(self.redis, self.keys.streams.articles)

    async def _read_rows(self, article_ids: list[str]) -> dict[str, dict[bytes, bytes]]:
        if not article_ids:
            return {}
        keys = [self.keys.article(a) for a in article_ids]
        rows = await self._read_script(keys=keys, args=[len(STORED_FIELDS), *STORED_FIELDS])
        return dict(zip(article_ids, rows_as_dicts(list(STORED_FIELDS), rows), strict=True))

    async def apply(self, entries: list[StreamEntry]) -> ApplyResult:
        """Apply and acknowledge a batch atomically; recomputed on a concurrent write."""
        article_ids = list(dict.fromkeys(e.event.subject for e in entries if e.event is not None))
        result = ApplyResult()
        while True:
            rows = await self._read_rows(article_ids)
            stored = {aid: decode_stored(row) for aid, row in rows.items()}
            result.applied, result.skipped = _fold(entries, stored)
            plans = [await p.prepare(result.applied) for p in self.projectors]
            ops = OpBatch()
            ops.expect(self.keys.rebuild_hold, "holder", None)
            for aid, row in rows.items():
                ops.expect(self.keys.article(aid), "version", row.get(b"version"))
            self._write(ops, result.applied)
            for projector, plan in zip(self.projectors, plans, strict=True):
                projector.write(ops, plan)
            result.dead = self._dead_letter(ops, entries)
            ops.xack(self.keys.streams.articles, INDEXER_GROUP, *[e.stream_id for e in entries])
            keys = ops.declared(self.redis, self.keys.streams.articles)
            if await self._apply_script(keys=keys, args=ops.argv()) == 1:
                return result
            if await self.redis.exists(self.keys.rebuild_hold):
                await asyncio.sleep(_HOLD_POLL_S)  # a rebuild is switching in its keys (`reindex`)
                continue
            result.conflicts += 1
            if result.conflicts >= _MAX_CONFLICT_RETRIES:
                raise ApplyConflict(_MAX_CONFLICT_RETRIES)

    def _write(self, ops: OpBatch, transitions: list[Transition]) -> None:
        keys = self.keys
        if transitions and not self.related:
            # No related work is recorded: lists built before (or by a replica with related links
            # on) no longer account for every change, and are rebuilt when next maintained.
            ops.hset(keys.related_state, "missed", "1")
        for t in transitions:
            article_key = keys.article(t.article_id)
            for feed, member in t.removals:
                ops.zrem(keys.feed(feed), member)
            for feed, member in t.additions:
                ops.zadd(keys.feed(feed), {member: 0})
            ops.delete(article_key)
            fields = encode_stored(t.stored, t.document)
            if self.related and t.is_live and t.features is not None:
                fields["features"] = t.features
            ops.hset(article_key, mapping=fields)
            if self.related:  # the related maintainer (`related.store`) takes it from here
                ops.xadd(keys.related_work, {"id": t.article_id, "event": t.stored.version.event_id})
            if t.unclaim is not None:
                ops.zrem(keys.slug(t.unclaim[0]), t.unclaim[1])
            if t.claim is not None:
                ops.zadd(keys.slug(t.claim[0]), {t.claim[1]: 0})
            if t.is_live and t.document is not None:
                ops.sadd(keys.live, t.article_id)
                ops.hset(keys.cards, t.article_id, orjson.dumps(card_of(t.document)))
            else:
                ops.srem(keys.live, t.article_id)
                ops.hdel(keys.cards, t.article_id)
            if t.change is not None:
                ops.announce(keys.streams.feed_changes, t.change, subject=t.article_id, maxlen=self.changes_maxlen)
                for delta in t.change["feeds"]:
                    ops.command("HINCRBY", keys.versions, feed_version(delta["feed"]), 1)

    def _dead_letter(self, ops: OpBatch, entries: list[StreamEntry]) -> int:
        dead = [e for e in entries if e.event is None]
        now_ms = int(time.time() * 1000)
        streams = self.keys.streams
        for entry in dead:
            fields = dead_letter_fields(entry, now_ms=now_ms)
            ops.xadd_once_acked(streams.articles, INDEXER_GROUP, entry.stream_id, streams.dead, fields)
        return len(dead)


def _fold(entries: list[StreamEntry], stored: dict[str, Stored | None]) -> tuple[list[Transition], int]:
    """Run every event through `transition` in stream order, each on the state the previous left."""
    current = dict(stored)
    applied: list[Transition] = []
    skipped = 0
    for entry in entries:
        if entry.event is None:
            continue
        t = transition(current.get(entry.event.subject), entry.event, entry.content)
        if t is None:
            skipped += 1
            continue
        current[t.article_id] = t.stored
        applied.append(t)
    return applied, skipped
