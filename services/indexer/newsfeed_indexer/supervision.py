"""Keeps the FastStream subscriber consuming, and stops it without stranding entries.

* FastStream stops a stream subscriber for good on `NOGROUP` (Redis restarted
  without its data, or the stream deleted). The supervisor notices, recreates
  the group (at id 0) and starts the subscriber again.
* On SIGTERM (`graceful_stop`): stop reading new entries and let the batch in
  hand finish (FastStream's graceful timeout), then apply whatever this consumer
  still holds pending, within the shutdown timeout, and leave the group if it
  holds nothing. Entries it could not finish stay pending and are claimed by the
  other replicas after `claim_idle_ms` (or by this consumer name on restart).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from redis.exceptions import RedisError

from .loops import BackgroundLoop
from .membership import delete_consumer_if_idle
from .recovery import Reclaimer
from .store import ReadModelStore

__all__ = ["Supervisor"]

log = logging.getLogger("newsfeed.indexer")


class Supervisor:
    """Restarts the subscriber after NOGROUP, stops gracefully."""

    def __init__(
        self, subscriber: Any, store: ReadModelStore, reclaimer: Reclaimer, *, consumer: str, interval_s: float
    ) -> None:
        self.subscriber = subscriber
        self.store = store
        self.reclaimer = reclaimer
        self.consumer = consumer
        self.interval_s = interval_s
        self.restarts = 0
        self._loop = BackgroundLoop("newsfeed-supervisor")

    def start(self) -> None:
        self._loop.start(self._run())

    async def _run(self) -> None:
        while not self._loop.stopping:
            await self._loop.pause(self.interval_s)
            if self._loop.stopping:
                return
            if getattr(self.subscriber, "running", True):
                continue
            try:
                await self.store.ensure_group()
                await self.subscriber.start()
                self.restarts += 1
                log.warning("consumer group was gone: recreated it and restarted the subscriber")
            except (RedisError, OSError) as exc:
                log.warning("restarting the subscriber failed: %s; retrying", exc)
            except Exception:
                log.exception("restarting the subscriber failed; retrying")

    async def graceful_stop(self, broker: Any, timeout_s: float) -> None:
        """Stop consuming, finish what this consumer holds, leave the group; within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        await self._loop.stop(5.0)
        await broker.stop()
        await self.reclaimer.stop(max(deadline - time.monotonic(), 0.1))
        try:
            drained = await asyncio.wait_for(self.reclaimer.drain_own_pending(), max(deadline - time.monotonic(), 0.1))
            left = await delete_consumer_if_idle(self.store.redis, self.store.keys.streams.articles, self.consumer)
            log.info("stopped: finished %d held entries; left the group: %s", drained, left)
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("stopped with entries still pending (others will claim them): %r", exc)
