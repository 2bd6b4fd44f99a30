"""Prometheus counters of one indexer replica (served at /metrics beside the pipeline gauges)."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["EVENTS_APPLIED", "EVENTS_CLAIMED", "EVENTS_DEAD", "EVENTS_FAILED", "EVENTS_SKIPPED"]

EVENTS_APPLIED = Counter("newsfeed_indexer_events_applied", "Events that changed the read model.")
EVENTS_SKIPPED = Counter("newsfeed_indexer_events_skipped", "Events that were stale or duplicates (revision fencing).")
EVENTS_DEAD = Counter("newsfeed_indexer_events_dead", "Entries moved to the dead-letter stream.")
EVENTS_FAILED = Counter("newsfeed_indexer_events_failed", "Entry applications that raised (left pending).")
EVENTS_CLAIMED = Counter("newsfeed_indexer_events_claimed", "Pending entries claimed from idle consumers.")
