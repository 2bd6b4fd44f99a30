"""Applies batches of entries, containing a failure to the entries that cause it.

A batch is applied in one transaction. When that fails for a reason other than
an outage of Redis (`newsfeed_runtime.redis.is_outage`: unreachable, or refusing
writes), the entries are applied one by one, so one poison event leaves only
itself pending (to be retried and, after `max_deliveries`, dead-lettered by the
reclaimer) while the rest flows on. An outage is raised: the entries stay pending
and nothing is counted against them.
"""

from __future__ import annotations

import logging

from newsfeed_readmodel.entries import StreamEntry
from newsfeed_readmodel.writer import ApplyResult, ReadModelWriter
from newsfeed_runtime.redis import is_outage

from .content_worker import ContentWorker
from .metrics import EVENTS_APPLIED, EVENTS_DEAD, EVENTS_FAILED, EVENTS_SKIPPED

__all__ = ["Applier"]

log = logging.getLogger("newsfeed.indexer")


class Applier:
    """Prepares the bodies of a batch (in the content worker, when there is one) and writes it."""

    def __init__(self, writer: ReadModelWriter, content: ContentWorker | None = None) -> None:
        self.writer = writer
        self.content = content
        self.in_flight: set[bytes] = set()  # stream ids being applied now, which the reclaimer leaves alone

    async def _prepared(self, entries: list[StreamEntry]) -> list[StreamEntry]:
        return entries if self.content is None else await self.content.prepare(entries)

    async def try_alone(self, entry: StreamEntry) -> None:
        """Apply one entry and let any failure through (the reclaimer's last try before dead-lettering)."""
        self._count(await self.writer.apply(await self._prepared([entry])))

    async def apply(self, entries: list[StreamEntry]) -> None:
        if not entries:
            return
        ids = {entry.stream_id for entry in entries}
        self.in_flight |= ids
        try:
            await self._apply(await self._prepared(entries))
        finally:
            self.in_flight -= ids

    async def _apply(self, entries: list[StreamEntry]) -> None:
        try:
            self._count(await self.writer.apply(entries))
        except Exception as exc:
            if is_outage(exc):
                raise
            log.exception("batch of %d entries failed; applying them one by one", len(entries))
            for entry in entries:
                await self._apply_one(entry)

    async def _apply_one(self, entry: StreamEntry) -> None:
        try:
            self._count(await self.writer.apply([entry]))
        except Exception as exc:
            if is_outage(exc):
                raise
            EVENTS_FAILED.inc()
            log.exception("entry %s failed; it stays pending", entry.stream_id.decode())

    @staticmethod
    def _count(result: ApplyResult) -> None:
        EVENTS_APPLIED.inc(len(result.applied))
        EVENTS_SKIPPED.inc(result.skipped)
        EVENTS_DEAD.inc(result.dead)
