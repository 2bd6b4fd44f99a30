"""Applies batches of entries, containing a failure to the entries that cause it.

A batch is applied in one transaction. When that fails for a reason other than
Redis being unreachable, the entries are applied one by one, so one poison
event leaves only itself pending (to be retried and, after `max_deliveries`,
dead-lettered by the reclaimer) while the rest flows on.
"""

from __future__ import annotations

import logging

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .metrics import EVENTS_APPLIED, EVENTS_DEAD, EVENTS_FAILED, EVENTS_SKIPPED
from .store import ApplyResult, Entry, ReadModelStore

__all__ = ["Applier"]

log = logging.getLogger("newsfeed.indexer")


class Applier:
    def __init__(self, store: ReadModelStore) -> None:
        self.store = store

    async def apply(self, entries: list[Entry]) -> None:
        if not entries:
            return
        try:
            self._count(await self.store.apply(entries))
        except (RedisConnectionError, RedisTimeoutError):
            raise
        except Exception:
            log.exception("batch of %d entries failed; applying them one by one", len(entries))
            for entry in entries:
                await self._apply_one(entry)

    async def _apply_one(self, entry: Entry) -> None:
        try:
            self._count(await self.store.apply([entry]))
        except (RedisConnectionError, RedisTimeoutError):
            raise
        except Exception:
            EVENTS_FAILED.inc()
            log.exception("entry %s failed; it stays pending", entry.stream_id.decode())

    @staticmethod
    def _count(result: ApplyResult) -> None:
        EVENTS_APPLIED.inc(len(result.applied))
        EVENTS_SKIPPED.inc(result.skipped)
        EVENTS_DEAD.inc(result.dead)
