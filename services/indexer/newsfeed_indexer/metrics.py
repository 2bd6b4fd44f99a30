"""Prometheus metrics of the indexer (served at /metrics)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge

__all__ = [
    "EVENTS_APPLIED",
    "EVENTS_CLAIMED",
    "EVENTS_DEAD",
    "EVENTS_FAILED",
    "EVENTS_SKIPPED",
    "record_stats",
    "refresh_gauges",
]

if TYPE_CHECKING:
    from .queries import ReadModel

EVENTS_APPLIED = Counter("newsfeed_indexer_events_applied", "Events that changed the read model.")
EVENTS_SKIPPED = Counter("newsfeed_indexer_events_skipped", "Events that were stale or duplicates (revision fencing).")
EVENTS_DEAD = Counter("newsfeed_indexer_events_dead", "Entries moved to the dead-letter stream.")
EVENTS_FAILED = Counter("newsfeed_indexer_events_failed", "Entry applications that raised (left pending).")
EVENTS_CLAIMED = Counter("newsfeed_indexer_events_claimed", "Pending entries claimed from idle consumers.")

STREAM_LENGTH = Gauge("newsfeed_stream_length", "Entries in the articles stream.")
LAG = Gauge("newsfeed_lag", "Entries of the articles stream the indexer group has not read yet.")
PENDING = Gauge("newsfeed_pending", "Entries read by the indexer group and not yet acknowledged.")
DEAD = Gauge("newsfeed_dead_letters", "Entries in the dead-letter stream.")
CONSUMER_PENDING = Gauge("newsfeed_consumer_pending", "Pending entries per consumer of the group.", ["consumer"])


def record_stats(stats: dict[str, Any]) -> None:
    """Mirror `ReadModel.stats()` into the gauges above."""
    STREAM_LENGTH.set(stats["stream_length"])
    if stats["lag"] is not None:
        LAG.set(stats["lag"])
    PENDING.set(stats["pending"])
    DEAD.set(stats["dead"])
    CONSUMER_PENDING.clear()
    for consumer in stats["consumers"]:
        CONSUMER_PENDING.labels(consumer=consumer["name"]).set(consumer["pending"])


async def refresh_gauges(read_model: ReadModel) -> None:
    """Read the operator stats from Redis into the gauges (called when /metrics is scraped)."""
    record_stats(await read_model.stats())
