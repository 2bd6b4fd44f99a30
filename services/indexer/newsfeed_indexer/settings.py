"""Settings of one indexer replica, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

import os
import socket

from pydantic import Field

from newsfeed_readmodel.announcements import CHANGES_MAXLEN
from newsfeed_readmodel.related.index import RelatedConfig
from newsfeed_runtime.settings import RedisSettings

__all__ = ["IndexerSettings", "default_consumer_name"]


def default_consumer_name() -> str:
    """Host name plus process id: compose replicas and processes on one host never share a name."""
    return f"{socket.gethostname()}-{os.getpid()}"


class IndexerSettings(RedisSettings):
    consumer: str = Field(default_factory=default_consumer_name)
    batch_size: int = Field(default=200, ge=1, le=10_000, description="XREADGROUP COUNT (max_records).")
    block_ms: int = Field(default=100, ge=1, description="How long one XREADGROUP waits for new entries.")
    claim_idle_ms: int = Field(
        default=5_000, ge=100, description="An entry pending this long is claimed by another replica."
    )
    reclaim_interval_s: float = Field(default=1.0, gt=0)
    max_deliveries: int = Field(default=5, ge=1, description="Deliveries before an entry is dead-lettered.")
    changes_maxlen: int = Field(default=CHANGES_MAXLEN, ge=1000, description="Approximate cap of the change streams.")
    related_enabled: bool = Field(default=True, description="Keep related-article links (off: feeds only).")
    related_half_life_days: float = Field(
        default=14.0, ge=0, description="Related links: recency half-life between two articles (0: no decay)."
    )
    related_postings: int = Field(
        default=100, ge=10, le=10_000, description="Related links: most recent articles kept per term."
    )
    trim_interval_s: float = Field(
        default=30.0, ge=0, description="How often the articles stream is trimmed (0: never; see trimming.py)."
    )
    trim_retention_s: float = Field(
        default=7 * 86400, ge=0, description="Processed entries younger than this are kept (for replays)."
    )
    content_budget_s: float = Field(
        default=5.0, gt=0, le=300, description="An article body that takes longer to prepare is dead-lettered."
    )
    shutdown_timeout_s: float = Field(
        default=10.0, gt=0, description="SIGTERM: how long the current batch may take before it is handed back."
    )

    def related_config(self) -> RelatedConfig:
        return RelatedConfig(half_life_days=self.related_half_life_days, postings=self.related_postings)
