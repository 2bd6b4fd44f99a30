"""Prometheus metrics of the publisher (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["EVENTS_ACCEPTED", "EVENTS_DUPLICATE", "EVENTS_REFUSED"]

EVENTS_ACCEPTED = Counter("newsfeed_publisher_events_accepted", "Events appended to the stream.")
EVENTS_DUPLICATE = Counter("newsfeed_publisher_events_duplicate", "Events whose id had been accepted before.")
EVENTS_REFUSED = Counter("newsfeed_publisher_events_refused", "Events refused as invalid or unauthorized.")
