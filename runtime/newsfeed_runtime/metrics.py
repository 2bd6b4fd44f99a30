"""Gauges of the pipeline's state, shared by every process that serves /metrics.

They mirror `/v1/stats` and are refreshed when Prometheus scrapes (`stats_refresher`),
not on a timer in every replica.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prometheus_client import Gauge

from .health import MetricsRefresh

__all__ = ["record_stats", "stats_refresher"]

STREAM_LENGTH = Gauge("newsfeed_stream_length", "Entries in the articles stream.")
LAG = Gauge("newsfeed_lag", "Entries of the articles stream the indexer group has not read yet.")
PENDING = Gauge("newsfeed_pending", "Entries read by the indexer group and not yet acknowledged.")
DEAD = Gauge("newsfeed_dead_letters", "Entries in the dead-letter stream.")
CONSUMER_PENDING = Gauge("newsfeed_consumer_pending", "Pending entries per consumer of the group.", ["consumer"])
ARTICLES = Gauge("newsfeed_articles", "Live (published) articles in the read model.")
RELATED_LAG = Gauge(
    "newsfeed_related_lag",
    "Applied articles the related lists do not account for yet; above 0 for long while the lag is 0: "
    "the related maintainer is not keeping up, or not running.",
)


def record_stats(stats: Mapping[str, Any]) -> None:
    """Mirror a `/v1/stats` document into the gauges above."""
    STREAM_LENGTH.set(stats["stream_length"])
    if stats["lag"] is not None:
        LAG.set(stats["lag"])
    PENDING.set(stats["pending"])
    DEAD.set(stats["dead"])
    ARTICLES.set(stats["articles"])
    RELATED_LAG.set(stats["related_lag"])
    CONSUMER_PENDING.clear()
    for consumer in stats["consumers"]:
        CONSUMER_PENDING.labels(consumer=consumer["name"]).set(consumer["pending"])


def stats_refresher(read_stats: Callable[[], Awaitable[Mapping[str, Any]]]) -> MetricsRefresh:
    """A /metrics refresh that reads the stats and records them."""

    async def refresh() -> None:
        record_stats(await read_stats())

    return refresh
