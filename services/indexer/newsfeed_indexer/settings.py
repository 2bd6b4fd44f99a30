"""Indexer and read-API settings, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

import os
import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["IndexerSettings", "default_consumer_name"]


def default_consumer_name() -> str:
    """Host name plus process id: compose replicas and processes on one host never share a name."""
    return f"{socket.gethostname()}-{os.getpid()}"


class IndexerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFEED_", extra="ignore", populate_by_name=True)

    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    prefix: str = Field(default="newsfeed", pattern=r"^[A-Za-z0-9_.-]+$")
    consumer: str = Field(default_factory=default_consumer_name)
    batch_size: int = Field(default=200, ge=1, le=10_000, description="XREADGROUP COUNT (max_records).")
    block_ms: int = Field(default=100, ge=1, description="How long one XREADGROUP waits for new entries.")
    claim_idle_ms: int = Field(
        default=5_000, ge=100, description="An entry pending this long is claimed by another replica."
    )
    reclaim_interval_s: float = Field(default=1.0, gt=0)
    max_deliveries: int = Field(default=5, ge=1, description="Deliveries before an entry is dead-lettered.")
    changes_maxlen: int = Field(default=100_000, ge=1000, description="Approximate cap of the change streams.")
