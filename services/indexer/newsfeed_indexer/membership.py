"""Leaving the consumer group without dropping entries.

`XGROUP DELCONSUMER` discards the consumer's pending entries, so a consumer is
deleted only by a script that checks, atomically, that it holds nothing.
"""

from __future__ import annotations

from redis.asyncio import Redis

from newsfeed_schemas.streams import INDEXER_GROUP

__all__ = ["delete_consumer_if_idle"]

_DELETE_IF_IDLE = """
local held = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #held > 0 then return 0 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) + 1
"""


async def delete_consumer_if_idle(redis: Redis, stream: str, consumer: str, group: str = INDEXER_GROUP) -> bool:
    """Delete `consumer` from `group` if, at that instant, it holds no pending entry."""
    deleted = await redis.eval(_DELETE_IF_IDLE, 1, stream, group, consumer)
    return bool(deleted)
