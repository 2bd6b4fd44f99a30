"""The Redis client every newsfeed process uses, and what counts as an outage of Redis.

An outage is anything that says "Redis cannot do this now" rather than "this input is
wrong": unreachable, timing out, loading its data, refusing writes (OOM under
`maxmemory` + `noeviction`, MISCONF after a failed save, READONLY on a replica), or a
cluster without a master for the slot. HTTP processes answer 503 + Retry-After for it;
the indexer waits and retries, and never counts it against an entry (an outage is not
poison).
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import cast
from urllib.parse import urlsplit

import redis as sync_redis
from redis import exceptions as redis_errors
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

__all__ = [
    "OUTAGE_ERRORS",
    "POOL_SIZE",
    "POOL_WAIT_S",
    "WritesRefused",
    "broker_seeds",
    "connect",
    "is_cluster",
    "is_outage",
    "redacted",
    "seed_url",
    "seed_urls",
    "site_answers",
]

POOL_SIZE = 100
"""Connections a client keeps to a Redis at most (redis-py's default)."""
POOL_WAIT_S = 5.0
"""How long a command waits for a free connection before it counts as an outage (503)."""

log = logging.getLogger("newsfeed.redis")


class WritesRefused(redis_errors.RedisError):
    """Redis refused a write for now (MISCONF, NOREPLICAS, READONLY, ...), raised in place of the
    ResponseError where a caller must not take it for a wrong request (`newsfeed_indexer.consumer`)."""


OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    WritesRefused,
    redis_errors.ConnectionError,  # includes AuthenticationError: a wrong password is an operator's outage
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
    redis_errors.MasterDownError,
    redis_errors.SlotNotCoveredError,
    redis_errors.MovedError,  # a cluster slot moving (resharding, failover): retry once the client
    redis_errors.AskError,  # has learnt where it went
    redis_errors.RedisClusterUnreachableError,  # no node of the cluster answers (yet)
    OSError,
)

# Replies of a Redis that refuses writes for now, for versions whose client maps them to
# a plain ResponseError.
_REFUSING = ("OOM ", "MISCONF ", "READONLY ", "LOADING ", "NOREPLICAS ", "CLUSTERDOWN ", "MASTERDOWN ", "TRYAGAIN ")


# A cluster slot in migration: a script whose keys are half moved, redirections running out, or
# a read blocked on a stream that MIGRATE just took away from this node (Redis unblocks it with
# "UNBLOCKED the stream key no longer exists"; an operator's CLIENT UNBLOCK ERROR reads the same).
_MOVING = ("non local key", "TTL exhausted", "UNBLOCKED")


_PASSWORD_OPTION = re.compile(r"(?i)([?&]password=)[^&#]*")


def redacted(url: str) -> str:
    """`url` (one address or a list of seeds) with every password shown as `***`, for logs and
    messages: in each seed's user information (up to its last `@`, as clients read it) and in a
    `password=` option."""
    return ",".join(map(_redacted_seed, seed_urls(url)))


def _redacted_seed(seed: str) -> str:
    scheme, separator, rest = seed.partition("://")
    if not separator:
        scheme, rest = "", seed
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    user_info, at, host = netloc.rpartition("@")
    if at and ":" in user_info:
        netloc = f"{user_info.partition(':')[0]}:***@{host}"
    return scheme + separator + netloc + _PASSWORD_OPTION.sub(r"\1***", tail)


def is_outage(exc: BaseException) -> bool:
    """True when `exc` means Redis cannot serve now (retry later), not that the request is wrong."""
    if isinstance(exc, OUTAGE_ERRORS):
        return True
    if type(exc) is redis_errors.RedisClusterException and exc.__cause__ is not None:
        # "Redis Cluster cannot be connected": no seed answered. redis-py keeps the unreachable
        # subtype for network errors; a wrong password comes as this plain one, and it is an
        # outage here as it is on a single Redis (fixed by the operator, not by the request).
        return is_outage(exc.__cause__)
    if isinstance(exc, redis_errors.ClusterError | redis_errors.ResponseError) and any(m in str(exc) for m in _MOVING):
        return True
    return isinstance(exc, redis_errors.ResponseError) and str(exc).startswith(_REFUSING)


@cache
def is_cluster(url: str) -> bool:
    """Whether `url` names a node of a Redis Cluster (`INFO cluster`), asked once per process.

    A Redis that cannot be reached is taken for a single node (and said so in the log): set
    `NEWSFEED_REDIS_CLUSTER=true` where a cluster may be down while its clients start.
    """
    if len(seed_urls(url)) > 1:  # several addresses: the nodes of one cluster
        return True
    try:
        with sync_redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=2.0) as client:
            return bool(client.info("cluster").get("cluster_enabled"))
    except redis_errors.RedisError as exc:
        log.warning("could not ask %s whether it is a cluster (%s): taking it for a single Redis", redacted(url), exc)
        return False


def connect(url: str, *, read_timeout_s: float | None = 5.0, cluster: bool | None = None) -> Redis:
    """A client for `url` (redis://, rediss:// or unix://) that reconnects by itself.

    Commands fail within about a second while Redis is unreachable, and within
    `read_timeout_s` while it does not answer, so an HTTP request can answer 503
    instead of hanging; the next command reconnects. A lost connection is retried (Redis
    restarted, or closed an idle connection), a command that timed out is not: retrying
    it would wait `read_timeout_s` again for a Redis that is not answering. A client that blocks on purpose
    (XREAD BLOCK) passes `read_timeout_s=None`. On a cluster (`cluster`, detected when
    None) the client follows MOVED/ASK and failovers; every key of one site is in one slot,
    so each command and script of a site goes to the one node that holds it.
    """
    if cluster if cluster is not None else is_cluster(url):
        return cast(Redis, _cluster_client(url, read_timeout_s))
    # A blocking pool: a command beyond its connections waits for one (up to `POOL_WAIT_S`)
    # instead of failing at once, which answered 503 to the 101st concurrent reader.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT_S,
        socket_connect_timeout=1.0,
        socket_timeout=read_timeout_s,
        health_check_interval=10,
        retry=Retry(
            ExponentialBackoff(cap=0.5, base=0.05), retries=2, supported_errors=(redis_errors.ConnectionError,)
        ),
    )
    return Redis.from_pool(pool)


def _cluster_client(url: str, read_timeout_s: float | None) -> RedisCluster:
    first, *others = seed_urls(url)
    return RedisCluster.from_url(
        first,
        startup_nodes=[_node(other) for other in others],
        socket_connect_timeout=1.0,
        socket_timeout=read_timeout_s if read_timeout_s is not None else 30.0,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=3),
    )


async def site_answers(redis: Redis, key: str) -> bool:
    """Whether the Redis serving `key` answers: readiness asks the site's own node (on a cluster,
    the primary of the site's slot), where a PING would reach whichever node the client picks."""
    await redis.exists(key)
    return True


def seed_urls(url: str) -> list[str]:
    """The addresses in `REDIS_URL`: one, or a cluster's nodes separated by commas
    (`redis://:secret@redis-1:6379,redis-2:6379`), so that a client starts while any one of them
    answers. The first gives the scheme, password and options; the others give host and port.
    A password may hold a comma: only what follows the first address's `@` is split."""
    scheme, separator, rest = url.partition("://")
    head = scheme + separator if separator else ""
    if not separator:
        rest = url
    at = rest.find("@")
    if at >= 0 and "/" not in rest[:at]:  # user:password@: commas in it are part of it
        head, rest = head + rest[: at + 1], rest[at + 1 :]
    parts = [part.strip() for part in rest.split(",") if part.strip()]
    return [head + parts[0], *parts[1:]] if parts else [url]


def seed_url(address: str) -> str:
    """A seed of `seed_urls` as a URL: the seeds after the first may be a bare host and port."""
    return address if "://" in address else f"redis://{address}"


def broker_seeds(url: str) -> tuple[str, list[tuple[str, int]]]:
    """`REDIS_URL` as FastStream's `RedisClusterBroker` takes it: the first seed's URL, and the
    (host, port) of the others as its `startup_nodes` (it reads a URL with commas as one address)."""
    first, *others = seed_urls(url)
    return first, [(node.host, int(node.port)) for node in map(_node, others)]


def _node(address: str) -> ClusterNode:
    parsed = urlsplit(seed_url(address))
    return ClusterNode(parsed.hostname or "127.0.0.1", parsed.port or 6379)
