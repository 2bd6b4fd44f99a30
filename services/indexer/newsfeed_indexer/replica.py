"""One replica of the `indexer` consumer group: FastStream consumer, reclaimer, supervisor, trimmer,
and a related maintainer in a child process (one replica at a time leads it; see
`related.maintainer` and `related_process`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.writer import ReadModelWriter
from newsfeed_runtime.brokers import redis_broker
from newsfeed_runtime.redis import connect, is_outage, site_answers

from .applier import Applier
from .consumer import FetchOutageAsWarning, register_consumer
from .content_worker import ContentWorker
from .recovery import Reclaimer
from .related_process import MaintainerProcess
from .settings import IndexerSettings
from .supervisor import Supervisor
from .trimming import Trimmer

__all__ = ["Replica"]

log = logging.getLogger("newsfeed.indexer")


class Replica:
    """One replica of the `indexer` consumer group. `start()` returns once it consumes."""

    def __init__(self, settings: IndexerSettings) -> None:
        self.settings = settings
        self.keys = Keys(settings.prefix)
        cluster = settings.cluster()
        self.redis: Redis = connect(settings.redis_url, cluster=cluster)
        self.writer = ReadModelWriter(
            self.redis, self.keys, changes_maxlen=settings.changes_maxlen, related=settings.related_enabled
        )
        self.related = MaintainerProcess(settings) if settings.related_enabled else None
        related = settings.related_settings() if settings.related_enabled else None
        self.content = ContentWorker(settings.content_budget_s, related)
        self.applier = Applier(self.writer, self.content)
        self.broker = redis_broker(
            settings.redis_url,
            cluster=cluster,
            logger=_faststream_logger(),
            graceful_timeout=settings.shutdown_timeout_s / 2,
        )
        subscriber = register_consumer(
            self.broker,
            self.applier,
            prefix=settings.prefix,
            consumer=settings.consumer,
            batch_size=settings.batch_size,
            block_ms=settings.block_ms,
        )
        self.reclaimer = Reclaimer(self.redis, self.applier, settings, self.keys)
        self.supervisor = Supervisor(
            subscriber, self.writer, self.reclaimer, consumer=settings.consumer, interval_s=settings.reclaim_interval_s
        )
        self.trimmer = Trimmer(
            self.redis,
            self.keys.streams.articles,
            retention_s=settings.trim_retention_s,
            interval_s=settings.trim_interval_s,
        )
        self.started = False

    async def start(self) -> None:
        await self.content.start()
        await self._until_redis_serves(self.writer.ensure_group, "creating the consumer group")
        drained = await self._drain_own_pending()
        await self._until_redis_serves(self._start_broker, "starting the subscriber")
        self.reclaimer.start(drained=drained)
        self.supervisor.start()
        self.trimmer.start()
        if self.related is not None:
            self.related.start()
        self.started = True
        log.info("indexer %s consuming %s", self.settings.consumer, self.keys.streams.articles)

    async def stop(self) -> None:
        self.started = False
        if self.related is not None:
            await self.related.stop()
        await self.trimmer.stop()
        await self.supervisor.graceful_stop(self.broker, self.settings.shutdown_timeout_s)
        await self.content.stop()
        await self.redis.aclose()

    async def ready(self) -> bool:
        """Consuming, and Redis answers."""
        return self.started and await site_answers(self.redis, self.keys.streams.articles)

    async def _drain_own_pending(self) -> bool:
        """Finish what this consumer name held before a restart, before reading new entries.

        Done first so that the subscriber's first batches and the drain do not apply the same
        entries twice (harmless, revision fencing, but wasted work). False: left to the reclaimer.
        """
        try:
            await self.reclaimer.drain_own_pending()
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("draining this consumer's pending entries at start failed: %s", exc)
            return False
        return True

    async def _start_broker(self) -> None:
        try:
            await self.broker.start()
        except Exception:
            await self.broker.stop()  # FastStream's subscriber creates the group first: OOM or READONLY stop it
            raise

    async def _until_redis_serves(self, step: Callable[[], Awaitable[None]], what: str) -> None:
        """Run `step`, retrying with backoff while Redis is out (unreachable or refusing writes)."""
        delay = 0.1
        while True:
            try:
                await step()
                return
            except Exception as exc:
                if not is_outage(exc):
                    raise
                log.warning("%s: Redis unavailable (%s); retrying", what, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


_FETCH_OUTAGE = FetchOutageAsWarning()


def _faststream_logger() -> logging.Logger:
    """FastStream's logger, its reads that met an outage logged as warnings (once per process)."""
    logger = logging.getLogger("newsfeed.faststream")
    if _FETCH_OUTAGE not in logger.filters:
        logger.addFilter(_FETCH_OUTAGE)
    return logger
