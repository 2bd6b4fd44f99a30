"""The redis-py client every newsfeed process uses, with timeouts that fail fast."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

__all__ = ["connect"]


def connect(url: str) -> Redis:
    """A client for `url` (redis://, rediss:// or unix://) that reconnects by itself.

    Commands fail within about a second while Redis is unreachable, so an HTTP
    request can answer 503 instead of hanging; the next command reconnects.
    """
    return Redis.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=5.0,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
    )
