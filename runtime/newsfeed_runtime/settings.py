"""Settings every newsfeed process shares: where Redis is and which site (key prefix) it serves.

Each process extends `RedisSettings` with its own; values come from the environment
(12-factor) or from CLI flags, and are passed in, never read at import.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.connection import parse_url

from .redis import is_cluster, seed_url, seed_urls

__all__ = ["DEFAULT_REDIS_URL", "LANGUAGE_PATTERN", "PREFIX_PATTERN", "RedisSettings", "readable_redis_url"]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PREFIX_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
"""What a site's key and stream prefix may be."""
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
"""What a language setting may be: a BCP 47 tag with a two- or three-letter language (`en`, `pt-BR`)."""


def readable_redis_url(url: str) -> str:
    """A URL redis-py can read (scheme, port, database), or one line at start instead of a
    traceback later. Written out as every client reads it: the first address with its scheme
    (`redis://` when it has none), the others (a cluster's nodes) as given, no empty ones."""
    first, *others = seed_urls(url)
    first = seed_url(first)
    options = parse_url(first)  # type: ignore[no-untyped-call]  # a ValueError: "Port could not be cast..."
    for seed in others:
        parse_url(seed_url(seed))  # type: ignore[no-untyped-call]
    if others and first.startswith("unix:"):
        raise ValueError("a Redis Cluster's nodes are TCP addresses: a unix socket names one Redis")
    if others and options.get("db", 0) != 0:
        raise ValueError("a Redis Cluster has only database 0: leave the database out of REDIS_URL")
    return ",".join([first, *others])


class RedisSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFEED_", extra="ignore", populate_by_name=True)

    redis_url: str = Field(default=DEFAULT_REDIS_URL, validation_alias="REDIS_URL")
    prefix: str = Field(
        default="newsfeed",
        pattern=PREFIX_PATTERN,
        description="Key and stream prefix, so several sites can share one Redis.",
    )
    redis_cluster: bool | None = Field(
        default=None, description="REDIS_URL names a Redis Cluster node (default: asked at start)."
    )

    @field_validator("redis_url")
    @classmethod
    def _readable_url(cls, url: str) -> str:
        return readable_redis_url(url)

    def cluster(self) -> bool:
        """Whether to speak the cluster protocol: the setting, else what the Redis says."""
        return self.redis_cluster if self.redis_cluster is not None else is_cluster(self.redis_url)
