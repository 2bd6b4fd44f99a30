"""FastStream's Redis broker for `REDIS_URL`: one Redis, or a cluster given by any of its nodes."""

from __future__ import annotations

from typing import Any

from faststream.redis import RedisBroker, RedisClusterBroker

from .redis import broker_seeds

__all__ = ["redis_broker"]


def redis_broker(url: str, *, cluster: bool, **options: Any) -> RedisBroker:
    """A `RedisClusterBroker` seeded with every node `url` names (`seed_urls`: the broker
    reads a URL with commas as one address), else a `RedisBroker`."""
    if not cluster:
        return RedisBroker(url, **options)
    first, others = broker_seeds(url)
    return RedisClusterBroker(first, startup_nodes=others, **options)
