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

from newsfeed_readmodel.groups import delete_consumer_if_idle
from newsfeed_readmodel.writer import ReadModelWriter
from newsfeed_runtime.loops import BackgroundLoop
from newsfeed_runtime.redis import is_outage

from .consumer import Subscriber
from .recovery import Reclaimer

__all__ = ["Supervisor"]

log = logging.getLogger("newsfeed.indexer")


class Supervisor:
    """Restarts the subscriber after NOGROUP, stops gracefully."""

    def __init__(
        self, subscriber: Subscriber, writer: ReadModelWriter, reclaimer: Reclaimer, *, consumer: str, interval_s: float
    ) -> None:
        if not isinstance(getattr(subscriber, "running", None), bool):
            raise TypeError("FastStream's subscriber has no boolean 'running': the supervisor cannot see it stop")
        self.subscriber = subscriber
        self.writer = writer
        self.reclaimer = reclaimer
        self.consumer = consumer
        self.interval_s = interval_s
        self.restarts = 0
        self._loop = BackgroundLoop("supervisor", log)

    def start(self) -> None:
        self._loop.start(self._round, self.interval_s, wait_first=True)

    async def _round(self) -> None:
        if self.subscriber.running:
            return
        await self.writer.ensure_group()
        await self.subscriber.start()
        self.restarts += 1
        log.warning("consumer group was gone: recreated it and restarted the subscriber")

    async def graceful_stop(self, broker: Any, timeout_s: float) -> None:
        """Stop consuming, finish what this consumer holds, leave the group; within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        await self._loop.stop(5.0)
        await broker.stop()
        await self.reclaimer.stop(max(deadline - time.monotonic(), 0.1))
        try:
            drained = await asyncio.wait_for(self.reclaimer.drain_own_pending(), max(deadline - time.monotonic(), 0.1))
            left = await delete_consumer_if_idle(self.writer.redis, self.writer.keys.streams.articles, self.consumer)
            log.info("stopped: finished %d held entries; left the group: %s", drained, left)
        except Exception as exc:
            if not (isinstance(exc, TimeoutError) or is_outage(exc)):
                raise
            log.warning("stopped with entries still pending (others will claim them): %r", exc)
