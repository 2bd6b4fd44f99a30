"""The indexer's consumer group: creating it, and leaving it without dropping entries.

`XGROUP DELCONSUMER` discards the consumer's pending entries, so a consumer is
deleted only by a script that checks, atomically, that it holds nothing.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newsfeed_schemas.streams import INDEXER_GROUP

from .scripts import DELETE_CONSUMER_IF_IDLE

__all__ = ["delete_consumer_if_idle", "ensure_group"]


async def ensure_group(redis: Redis, stream: str, group: str = INDEXER_GROUP) -> None:
    """Create `group` at id 0 (events published before the first start are read); no-op if it exists."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def delete_consumer_if_idle(redis: Redis, stream: str, consumer: str, group: str = INDEXER_GROUP) -> bool:
    """Delete `consumer` from `group` if, at that instant, it holds no pending entry."""
    script = redis.register_script(DELETE_CONSUMER_IF_IDLE)
    deleted = await script(keys=[stream], args=[group, consumer])
    return bool(deleted)
