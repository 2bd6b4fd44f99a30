"""`/metrics` mirrors the operator stats: lag, pending, dead letters, per-consumer pending,
live articles and the related lists' lag."""

from __future__ import annotations

from prometheus_client import generate_latest

from newsfeed_runtime.metrics import record_stats


def test_stats_become_gauges() -> None:
    record_stats(
        {
            "stream_length": 12,
            "lag": 3,
            "pending": 4,
            "dead": 1,
            "articles": 8,
            "related_lag": 2,
            "consumers": [
                {"name": "web-1", "pending": 4, "idle_ms": 10},
                {"name": "web-2", "pending": 0, "idle_ms": 5},
            ],
        }
    )
    text = generate_latest().decode()
    for line in (
        "newsfeed_stream_length 12.0",
        "newsfeed_lag 3.0",
        "newsfeed_pending 4.0",
        "newsfeed_dead_letters 1.0",
        "newsfeed_articles 8.0",
        "newsfeed_related_lag 2.0",
        'newsfeed_consumer_pending{consumer="web-1"} 4.0',
        'newsfeed_consumer_pending{consumer="web-2"} 0.0',
    ):
        assert line in text
    record_stats(
        {"stream_length": 0, "lag": None, "pending": 0, "dead": 0, "articles": 0, "related_lag": 0, "consumers": []}
    )
    assert 'consumer="web-1"' not in generate_latest().decode()
