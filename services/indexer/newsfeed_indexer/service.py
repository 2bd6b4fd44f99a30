"""The indexer process: FastStream consumer, reclaimer, and their Redis clients."""

from __future__ import annotations

import asyncio
import logging

from faststream.redis import RedisBroker
from redis.asyncio import Redis
from redis.exceptions import RedisError

from .applier import Applier
from .consumers import register_consumer
from .keys import Keys
from .recovery import Reclaimer
from .redis_client import connect
from .settings import IndexerSettings
from .store import ReadModelStore

__all__ = ["IndexerService"]

log = logging.getLogger("newsfeed.indexer")


class IndexerService:
    """One replica of the `indexer` consumer group. `start()` returns once it consumes."""

    def __init__(self, settings: IndexerSettings) -> None:
        self.settings = settings
        self.keys = Keys(settings.prefix)
        self.redis: Redis = connect(settings.redis_url)
        self.store = ReadModelStore(self.redis, self.keys, changes_maxlen=settings.changes_maxlen)
        self.applier = Applier(self.store)
        self.broker = RedisBroker(settings.redis_url, logger=logging.getLogger("newsfeed.faststream"))
        register_consumer(self.broker, self.applier, settings)
        self.reclaimer = Reclaimer(self.redis, self.applier, settings, self.keys.streams.articles)
        self.started = False

    async def start(self) -> None:
        await self._ensure_group()
        await self.broker.start()
        self.reclaimer.start()
        self.started = True
        log.info("indexer %s consuming %s", self.settings.consumer, self.keys.streams.articles)

    async def stop(self) -> None:
        self.started = False
        await self.reclaimer.stop()
        await self.broker.stop()
        await self.redis.aclose()

    async def _ensure_group(self) -> None:
        delay = 0.1
        while True:
            try:
                await self.store.ensure_group()
                return
            except (RedisError, OSError) as exc:
                log.warning("waiting for Redis at start: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
