"""Settings of the read API, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

from newsfeed_runtime.settings import RedisSettings

__all__ = ["ApiSettings"]


class ApiSettings(RedisSettings):
    """Where the read model is; the read API has no settings of its own yet."""
