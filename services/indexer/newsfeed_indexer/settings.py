"""Settings of one indexer replica, from the environment (12-factor) or CLI flags."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import replace
from typing import Literal

from pydantic import Field, field_validator

from newsfeed_readmodel.announcements import CHANGES_MAXLEN
from newsfeed_readmodel.related.features import FeatureSettings
from newsfeed_readmodel.related.scoring import ScoreSettings
from newsfeed_readmodel.related.settings import RelatedSettings
from newsfeed_runtime.settings import LANGUAGE_PATTERN, PREFIX_PATTERN, RedisSettings

__all__ = ["IndexerSettings", "default_consumer_name"]


def default_consumer_name() -> str:
    """Host name plus process id: compose replicas and processes on one host never share a name."""
    return f"{socket.gethostname()}-{os.getpid()}"


class IndexerSettings(RedisSettings):
    consumer: str = Field(default_factory=default_consumer_name, min_length=1, max_length=200)
    batch_size: int = Field(default=200, ge=1, le=10_000, description="XREADGROUP COUNT (max_records).")
    block_ms: int = Field(default=100, ge=1, description="How long one XREADGROUP waits for new entries.")
    claim_idle_ms: int = Field(
        default=5_000, ge=100, description="An entry pending this long is claimed by another replica."
    )
    reclaim_interval_s: float = Field(default=1.0, gt=0)
    max_deliveries: int = Field(default=5, ge=1, description="Deliveries before an entry is dead-lettered.")
    changes_maxlen: int = Field(default=CHANGES_MAXLEN, ge=1000, description="Approximate cap of the change streams.")
    related_enabled: bool = Field(default=True, description="Keep related-article links (off: feeds only).")
    related_mode: Literal["blend", "lexical"] = Field(
        default="blend", description="Related links: shared words blended with the embedding, or shared words only."
    )
    related_half_life_days: float = Field(
        default=7.0, ge=0, le=366, description="Related links: recency half-life between two articles (0: no decay)."
    )
    related_recency_floor: float = Field(
        default=0.5, ge=0, le=1, description="Related links: the recency factor never drops below this."
    )
    related_min_score: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Related links: an article scoring this or less is not related (see docs/related.md).",
    )
    related_lease_ms: int = Field(
        default=10_000,
        ge=500,
        description="Related links: one replica maintains them; another takes over this long after it dies.",
    )
    default_language: str = Field(
        default="en",
        pattern=LANGUAGE_PATTERN,
        description="The language of an article that does not say (articles are related within a language).",
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

    sites: str = Field(
        default="",
        description="Comma-separated prefixes of several sites served by this one process (default: `prefix` only).",
    )

    @field_validator("sites")
    @classmethod
    def _prefixes(cls, sites: str) -> str:
        for prefix in _named(sites):
            if not re.match(PREFIX_PATTERN, prefix):
                raise ValueError(f"not a prefix: {prefix!r} (letters, digits, '_', '.', '-'; at most 64)")
        return sites

    def site_prefixes(self) -> list[str]:
        """The sites this process indexes: `sites` when given, else `prefix`."""
        return list(dict.fromkeys(_named(self.sites))) or [self.prefix]

    def for_site(self, prefix: str) -> IndexerSettings:
        return self.model_copy(update={"prefix": prefix, "sites": ""})

    def related_settings(self) -> RelatedSettings:
        scores = ScoreSettings(
            half_life_hours=round(self.related_half_life_days * 24),
            recency_floor=self.related_recency_floor,
            min_score=self.related_min_score,
        )
        if self.related_mode == "lexical":
            scores = replace(scores, w_dense=0.0, w_lexical=1.0)
        language = self.default_language.split("-")[0].lower()
        return RelatedSettings(features=FeatureSettings(), scores=scores, default_language=language)


def _named(sites: str) -> list[str]:
    return [prefix.strip() for prefix in sites.split(",") if prefix.strip()]
