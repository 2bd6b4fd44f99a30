"""Related lists in Redis: what the maintainer reads and the fenced writes it makes.

* An article's list is the zset `{p}:related:{id}`, each related id scored by minus its
  score, so `ZRANGE 0 k-1` reads it in list order (ties: smaller id first).
* `{p}:related-work` names every article the indexer applied; `{p}:related-state` holds the
  position up to which the stored lists account for them (`position`), the fingerprint of
  the settings they were computed with, and `rebuilding` while a rebuild is half-written.
* One process at a time maintains the lists: whoever holds `{p}:related-lease`. Every write
  checks the lease in the same script (`scripts.APPLY`), so a process that lost the lease
  (paused, partitioned, replaced by `newsfeed reindex --related`) can never write again.
  A write edits the changed lists, announces on `related-changes` each whose shown form
  (ids, rounded scores) changed, bumps their versions (ETags) and moves the position, atomically.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis

from newsfeed_runtime.loops import BackgroundLoop

from ..announcements import CHANGES_MAXLEN, related_change
from ..batch import OpBatch
from ..content import stored_text
from ..keys import Keys, related_version
from ..scripts import APPLY, RELEASE_LEASE, TAKE_LEASE
from .engine import Changes, Lists
from .features import Features, encode_features, extract, related_input, stored_features
from .scoring import Entry, shown_score
from .settings import RelatedSettings

__all__ = ["RelatedState", "RelatedStore", "WorkItem", "next_stream_id"]

log = logging.getLogger("newsfeed.related")

_CHUNK = 500
_RENEWAL_STOP_S = 1.0  # how long leaving `lease_kept` waits for a renewal in flight


@dataclass(frozen=True, slots=True)
class RelatedState:
    position: str | None  # last related-work entry the stored lists account for (None: never built)
    fingerprint: str | None  # of the settings the lists were computed with
    features: str | None  # of the settings the stored features were computed with
    rebuilding: bool
    missed: bool = False  # a replica with related links off applied changes: the lists do not follow them


@dataclass(frozen=True, slots=True)
class WorkItem:
    stream_id: str
    article_id: str
    event_id: str


def next_stream_id(stream_id: str) -> str:
    """The smallest stream id after `stream_id` (XTRIM MINID keeps what is at or after it)."""
    ms, _, seq = stream_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RelatedStore:
    def __init__(
        self, redis: Redis, keys: Keys, settings: RelatedSettings, *, changes_maxlen: int = CHANGES_MAXLEN
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.settings = settings
        self.changes_maxlen = changes_maxlen
        self.holder = uuid.uuid4().hex
        self._apply = redis.register_script(APPLY)
        self._take = redis.register_script(TAKE_LEASE)
        self._release = redis.register_script(RELEASE_LEASE)

    # ------------------------------------------------------------------ the lease
    async def take_lease(self, ttl_ms: int, *, force: bool = False, renew: bool = False) -> bool:
        """Take or renew the lease; `force` takes it from whoever holds it (a reindex); `renew`
        only renews it: a process paused past its lease, which another may have taken, used and
        released meanwhile, must not take it back and go on with what it computed before."""
        args: list[str | int] = [self.holder, ttl_ms, "1" if force else "2" if renew else "0"]
        return bool(await self._take(keys=[self.keys.related_lease], args=args))

    async def release_lease(self) -> None:
        await self._release(keys=[self.keys.related_lease], args=[self.holder])

    @contextlib.asynccontextmanager
    async def lease_kept(self, ttl_ms: int) -> AsyncIterator[None]:
        """Renew the lease every third of its time to live while the block runs (long rebuilds).
        A renewal that fails changes nothing here: the next fenced write finds the lease gone.

        The renewal stops on a flag, and leaving the block waits for it a bounded time
        (`BackgroundLoop`): a cancel that redis-py swallows mid-command (seen while a cluster
        slot migrates) once left the renewal running and the block waiting for it for good,
        so the maintainer never started over."""

        async def renew() -> None:
            await self.take_lease(ttl_ms, renew=True)

        renewal = BackgroundLoop("related lease renewal", log)
        renewal.start(renew, ttl_ms / 3000, wait_first=True)
        try:
            yield
        finally:
            await renewal.stop(_RENEWAL_STOP_S)

    def _fenced(self, *, missed_or_not: bool = False) -> OpBatch:
        """Writes that run only while this process holds the lease and, unless `missed_or_not`,
        while no change went unrecorded (`RelatedState.missed`): lists that cannot be exact are
        not written, the maintainer starts over and rebuilds."""
        ops = OpBatch()
        ops.expect(self.keys.related_lease, "holder", self.holder.encode())
        if not missed_or_not:
            ops.expect(self.keys.related_state, "missed", None)
        return ops

    async def _run(self, ops: OpBatch) -> bool:
        """Run the fenced writes; False when this process no longer holds the lease (nothing written)."""
        return bool(await self._apply(keys=ops.declared(self.redis, self.keys.related_state), args=ops.argv()))

    # ------------------------------------------------------------------ reading
    async def state(self) -> RelatedState:
        names = ["position", "fingerprint", "features", "rebuilding", "missed"]
        raw: Any = await self.redis.hmget(self.keys.related_state, names)
        position, fingerprint, features, rebuilding, missed = (None if v is None else _text(v) for v in raw)
        return RelatedState(position, fingerprint, features, rebuilding is not None, missed is not None)

    async def last_work_id(self) -> str:
        last: Any = await self.redis.xrevrange(self.keys.related_work, count=1)
        return _text(last[0][0]) if last else "0-0"

    async def work_after(self, position: str, count: int | None, *, block_ms: int | None = None) -> list[WorkItem]:
        """Work entries after `position`, oldest first (all of them: `count` None); waits up to `block_ms` for one."""
        if block_ms is not None:
            reply: Any = await self.redis.xread({self.keys.related_work: position}, count=count, block=block_ms)
            entries = reply[0][1] if reply else []
        else:
            entries = await self.redis.xrange(self.keys.related_work, min=f"({position}", count=count)
        return [
            WorkItem(_text(sid), _text(fields.get(b"id", b"")), _text(fields.get(b"event", b"")))
            for sid, fields in entries
        ]

    async def live_ids(self) -> list[str]:
        return sorted(_text(m) for m in await self.redis.smembers(self.keys.live))

    async def features(self, article_ids: list[str], *, recompute: bool = False) -> dict[str, Features | None]:
        """The features of each live article (None: not live), computed from the stored
        document where none are stored, where they were computed with other settings, or
        when `recompute` (the settings changed)."""
        made_with = self.settings.features_fingerprint()
        out: dict[str, Features | None] = {}
        for start in range(0, len(article_ids), _CHUNK):
            chunk = article_ids[start : start + _CHUNK]
            async with self.redis.pipeline(transaction=False) as pipe:
                for aid in chunk:
                    pipe.hmget(self.keys.article(aid), ["state", "features"])
                rows = await pipe.execute()
            need_doc = []
            for aid, (state, raw) in zip(chunk, rows, strict=True):
                if state != b"published":
                    out[aid] = None
                    continue
                found = None if raw is None or recompute else stored_features(raw, made_with)
                if found is None:  # none stored, or computed with other settings
                    need_doc.append(aid)
                else:
                    out[aid] = found
            if need_doc:
                docs = await self._documents(need_doc)
                out.update({aid: None for aid, doc in docs.items() if doc is None})
                out.update(await self._extracted({aid: doc for aid, doc in docs.items() if doc is not None}))
        return out

    async def _extracted(self, documents: dict[str, dict[str, Any]]) -> dict[str, Features]:
        """Features computed from stored documents, a chunk at a time in a thread: a few ms an
        article, so thousands (a rebuild after a change of settings) would otherwise hold the
        event loop past the lease's time to live, and the renewal with it."""
        if not documents:
            return {}
        default = self.settings.default_language
        inputs = [related_input(doc, stored_text(doc), default) for doc in documents.values()]
        computed = await asyncio.to_thread(extract, inputs, self.settings.features)
        return dict(zip(documents, computed, strict=True))

    async def _documents(self, article_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for aid in article_ids:
                pipe.hmget(self.keys.article(aid), ["state", "doc"])
            rows = await pipe.execute()
        return {
            aid: orjson.loads(doc) if state == b"published" and doc else None
            for aid, (state, doc) in zip(article_ids, rows, strict=True)
        }

    async def lists(self, article_ids: Iterable[str]) -> Lists:
        ids = list(article_ids)
        out: Lists = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            async with self.redis.pipeline(transaction=False) as pipe:
                for aid in chunk:
                    pipe.zrange(self.keys.related(aid), 0, -1, withscores=True)
                rows = await pipe.execute()
            for aid, ranked in zip(chunk, rows, strict=True):
                if ranked:
                    out[aid] = [(-round(score), _text(other)) for other, score in ranked]
        return out

    async def listed_ids(self) -> list[str]:
        """Every article that has a stored list (SCAN)."""
        prefix = self.keys.related("")
        found = [_text(k)[len(prefix) :] async for k in self.redis.scan_iter(match=f"{prefix}*", count=1000)]
        return sorted(found)

    # ------------------------------------------------------------------ writing
    def _edit(self, ops: OpBatch, article_id: str, old: list[Entry], new: list[Entry]) -> None:
        key = self.keys.related(article_id)
        if not new:
            ops.delete(key)
        else:
            gone = {other for _, other in old} - {other for _, other in new}
            if gone:
                ops.zrem(key, *sorted(gone))
            was = {other: score for score, other in old}
            added: dict[str | bytes | int | float, float] = {
                other: -score for score, other in new if was.get(other) != score
            }
            if added:
                ops.zadd(key, added)
        ops.command("HINCRBY", self.keys.versions, related_version(article_id), 1)

    def _announce(self, ops: OpBatch, article_id: str, new: list[Entry], event_id: str) -> None:
        change = related_change(event_id, article_id, _shown(new))
        ops.announce(self.keys.streams.related_changes, change, subject=article_id, maxlen=self.changes_maxlen)

    async def write(
        self, changes: Changes, events: dict[str, str], *, position: str | None, since: str | None = None
    ) -> bool:
        """Write the changed lists and move the position from `since`; False (nothing written) when
        the lease is lost or the stored position is not `since`.

        The lists are written as edits of what the maintainer believes is stored, so that belief
        is checked: a write lost in a failover (Redis replication is asynchronous) leaves the old
        position on the new primary, the next write is refused, and the maintainer starts over
        from what Redis holds."""
        ops = self._fenced()
        if since is not None:
            ops.expect(self.keys.related_state, "position", since.encode())
        for aid in sorted(changes):
            old, new = changes[aid]
            self._edit(ops, aid, old, new)
            if _shown(new) != _shown(old):
                self._announce(ops, aid, new, events.get(aid) or _cause(new, events))
        if position is not None:
            ops.hset(self.keys.related_state, "position", position)
            ops.command("XTRIM", self.keys.related_work, "MINID", next_stream_id(position))
        return await self._run(ops)

    async def mark_rebuilding(self) -> bool:
        """Begin a rebuild: it reads every live article after this, so what was missed before is in it."""
        ops = self._fenced(missed_or_not=True)
        ops.hset(self.keys.related_state, "rebuilding", "1")
        ops.command("HDEL", self.keys.related_state, "missed")
        return await self._run(ops)

    async def finish_rebuild(self, position: str) -> bool:
        ops = self._fenced()
        fingerprints = {"fingerprint": self.settings.fingerprint(), "features": self.settings.features_fingerprint()}
        ops.hset(self.keys.related_state, mapping={"position": position, **fingerprints})
        ops.command("HDEL", self.keys.related_state, "rebuilding")
        ops.command("XTRIM", self.keys.related_work, "MINID", next_stream_id(position))
        if not await self._run(ops):
            return False
        await self._drop_legacy()
        return True

    async def store_features(self, features: dict[str, Features], versions: dict[str, bytes]) -> None:
        """Store recomputed features with their articles (a chunk whose article changed meanwhile is skipped)."""
        ids = sorted(features)
        made_with = self.settings.features_fingerprint()
        for start in range(0, len(ids), _CHUNK):
            ops = self._fenced()
            for aid in ids[start : start + _CHUNK]:
                ops.expect(self.keys.article(aid), "version", versions.get(aid))
                ops.hset(self.keys.article(aid), "features", encode_features(features[aid], made_with))
            await self._run(ops)

    async def versions(self, article_ids: list[str]) -> dict[str, bytes]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for aid in article_ids:
                pipe.hget(self.keys.article(aid), "version")
            rows = await pipe.execute()
        return {aid: v for aid, v in zip(article_ids, rows, strict=True) if v is not None}

    async def write_chunked(self, changes: Changes, event_id: str) -> bool:
        """Write many lists (a rebuild), `_CHUNK` at a time, each write fenced."""
        ids = sorted(changes)
        for start in range(0, len(ids), _CHUNK):
            part = {aid: changes[aid] for aid in ids[start : start + _CHUNK]}
            if not await self.write(part, {aid: event_id for aid in part}, position=None):
                return False
        return True

    async def _drop_legacy(self) -> None:
        """Delete the keys of the earlier related index, if this Redis still has them."""
        batch: list[Any] = []
        async for key in self.redis.scan_iter(match=self.keys.legacy_related, count=1000):
            batch.append(key)
            if len(batch) == _CHUNK:
                await self.redis.unlink(*batch)
                batch = []
        if batch:
            await self.redis.unlink(*batch)


def _shown(entries: list[Entry]) -> list[tuple[str, float]]:
    """A list as `related-changes` and the API show it: ids and scores rounded to 4 places.

    A list whose scores moved only below that rounding (a neighbour's body gained a word) is
    stored, since the maintainer's lists are exact, but not announced: its subscribers would
    be told the list they already have."""
    return [(other, shown_score(score)) for score, other in entries]


def _cause(new: list[Entry], events: dict[str, str]) -> str:
    """The event behind a list's change: that of the first listed article that changed (else any)."""
    for _, other in new:
        if other in events:
            return events[other]
    return next(iter(events.values()), "") if events else ""
