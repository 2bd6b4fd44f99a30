"""Finishes work that FastStream's `>` reads leave behind.

FastStream reads only new entries. An entry whose handler failed, or that a
replica read and then died (or was stopped) holding, stays in the group's
pending list. The reclaimer of every replica:

* at start, re-reads its own pending entries (XREADGROUP from id 0);
* every `reclaim_interval_s`, claims entries idle longer than `claim_idle_ms`
  from any consumer (XAUTOCLAIM) and applies them, but only while Redis accepts writes
  (an outage is not the entries' fault, and claims count deliveries);
* dead-letters an entry delivered more than `max_deliveries` times that still fails
  when tried alone (or that was delivered 3 x `max_deliveries` times);
* removes consumers of the group that hold nothing and were idle for long.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis

from newsfeed_readmodel.entries import StreamEntry, decode_entries_off_loop
from newsfeed_readmodel.groups import delete_consumer_if_idle
from newsfeed_readmodel.keys import Keys
from newsfeed_runtime.loops import BackgroundLoop
from newsfeed_runtime.redis import is_outage
from newsfeed_schemas.streams import INDEXER_GROUP

from .applier import Applier
from .metrics import EVENTS_CLAIMED
from .settings import IndexerSettings

__all__ = ["Reclaimer"]

log = logging.getLogger("newsfeed.indexer")

_STALE_CONSUMER_FACTOR = 12
_CRASH_FACTOR = 3


class Reclaimer:
    def __init__(self, redis: Redis, applier: Applier, settings: IndexerSettings, keys: Keys) -> None:
        self.redis = redis
        self.applier = applier
        self.settings = settings
        self.stream = keys.streams.articles
        self.probe_key = keys.probe(settings.consumer)
        self._cursor = "0-0"
        self._drained = False
        self._loop = BackgroundLoop("reclaimer", log)

    def start(self, *, drained: bool = False) -> None:
        """Run the rounds; `drained`: this consumer's own pending entries were already applied."""
        self._drained = drained
        self._loop.start(self._round, self.settings.reclaim_interval_s)

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Let the current round finish (its batch is applied and acknowledged), then stop."""
        await self._loop.stop(timeout_s)

    async def _round(self) -> None:
        # Claiming counts a delivery; while Redis refuses writes (OOM, MISCONF, READONLY) an
        # entry cannot be applied, so claiming it would only count it towards the dead letters.
        await self.redis.set(self.probe_key, b"1", px=max(self.settings.claim_idle_ms, 1000))
        if not self._drained:
            await self.drain_own_pending()
            self._drained = True
        while not self._loop.stopping and await self.claim_idle() > 0:
            pass
        await self.forget_idle_consumers()

    async def drain_own_pending(self) -> int:
        """Apply the entries this consumer read before a restart and never acknowledged."""
        total, after = 0, "0"
        while True:
            reply: Any = await self.redis.xreadgroup(
                INDEXER_GROUP, self.settings.consumer, {self.stream: after}, count=self.settings.batch_size
            )
            rows = reply[0][1] if reply else []
            if not rows:
                return total
            after = rows[-1][0].decode()
            await self._apply_claimed(rows)
            total += len(rows)

    async def claim_idle(self) -> int:
        """Claim and apply one batch of entries idle past `claim_idle_ms`; how many were claimed."""
        reply: Any = await self.redis.xautoclaim(
            self.stream,
            INDEXER_GROUP,
            self.settings.consumer,
            min_idle_time=self.settings.claim_idle_ms,
            start_id=self._cursor,
            count=self.settings.batch_size,
        )
        next_cursor, rows = reply[0], reply[1]
        self._cursor = next_cursor.decode() if isinstance(next_cursor, bytes) else str(next_cursor)
        if rows:
            EVENTS_CLAIMED.inc(len(rows))
            await self._apply_claimed(rows)
        return len(rows)

    async def _apply_claimed(self, rows: list[Any]) -> None:
        trimmed = [sid for sid, fields in rows if fields is None]
        if trimmed:
            await self.redis.xack(self.stream, INDEXER_GROUP, *trimmed)
        live = [(sid, fields) for sid, fields in rows if fields is not None and sid not in self.applier.in_flight]
        if not live:
            return
        deliveries = await self._delivery_counts(live[0][0], live[-1][0], len(live))
        crashing = self.settings.max_deliveries * _CRASH_FACTOR
        # Entries that crashed the process this often are not decoded again (decoding may be what crashes).
        decodable = [(sid, fields) for sid, fields in live if deliveries.get(sid, 1) <= crashing]
        decoded = iter(await decode_entries_off_loop([sid for sid, _ in decodable], [f for _, f in decodable]))
        entries: list[StreamEntry] = []
        for sid, fields in live:
            times = deliveries.get(sid, 1)
            if times > crashing:
                entries.append(StreamEntry(sid, None, fields, error=f"delivered {times} times without being applied"))
                continue
            entry = next(decoded)
            if times > self.settings.max_deliveries:
                await self._last_try(entry, times)
            else:
                entries.append(entry)
        await self.applier.apply(entries)

    async def _last_try(self, entry: StreamEntry, times: int) -> None:
        """An entry past `max_deliveries`: apply it alone once more; dead-letter it only if that fails.

        Deliveries also count claims of entries whose replica died or was slow (not the entry's
        fault), so the cap counts a failure only when one is seen. An entry that keeps killing
        its replica never shows a failure: past `_CRASH_FACTOR` x the cap it is dead-lettered untried.
        """
        try:
            await self.applier.try_alone(entry)
        except Exception as exc:
            if is_outage(exc):
                raise
            log.warning("entry %s failed on delivery %d; dead-lettering it", entry.stream_id.decode(), times)
            error = f"{type(exc).__name__}: {exc}"
            await self.applier.apply([StreamEntry(entry.stream_id, None, entry.raw, error=error)])

    async def _delivery_counts(self, first: bytes, last: bytes, count: int) -> dict[bytes, int]:
        rows: Any = await self.redis.xpending_range(
            self.stream, INDEXER_GROUP, min=first, max=last, count=count, consumername=self.settings.consumer
        )
        return {row["message_id"]: int(row["times_delivered"]) for row in rows}

    async def forget_idle_consumers(self) -> None:
        """Delete consumers that hold no pending entries and have been idle for a long time."""
        stale_ms = self.settings.claim_idle_ms * _STALE_CONSUMER_FACTOR
        for consumer in await self.redis.xinfo_consumers(self.stream, INDEXER_GROUP):
            name = consumer["name"]
            name = name.decode() if isinstance(name, bytes) else name
            if name != self.settings.consumer and consumer["pending"] == 0 and consumer["idle"] > stale_ms:
                await delete_consumer_if_idle(self.redis, self.stream, name)
