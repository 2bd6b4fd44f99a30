"""What the read model announces on `{prefix}:feed-changes` and `{prefix}:related-changes`.

Payloads are built as plain data, the one way for both streams: one is made for every
applied event, and building a pydantic model each time costs ~50 µs. Unit tests check
that they validate against `newsfeed_schemas.changes.FeedChange` / `RelatedChange`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from newsfeed_schemas.events import ArticleEvent

__all__ = ["CHANGES_MAXLEN", "feed_change", "feed_delta", "related_change"]

CHANGES_MAXLEN = 100_000
"""Approximate cap of each change stream (XADD MAXLEN ~)."""


def feed_delta(feed: str, kind: str, article_id: str) -> dict[str, Any]:
    """One feed's part of a `FeedChange`: `article_id` was `inserted`, `moved`, `updated` or `removed`."""
    delta: dict[str, Any] = {"feed": feed, "inserted": [], "moved": [], "updated": [], "removed": []}
    delta[kind].append(article_id)
    return delta


def feed_change(event: ArticleEvent, deltas: list[dict[str, Any]], url: str | None) -> dict[str, Any]:
    """The `FeedChange` payload of one applied event."""
    return {
        "schema_version": 1,
        "type": "feed.changed",
        "event_id": event.id,
        "article_id": event.subject,
        "event_type": event.type.value,
        "url": url,
        "feeds": deltas,
    }


def related_change(event_id: str, article_id: str, links: Iterable[tuple[str, float]]) -> dict[str, Any]:
    """The `RelatedChange` payload: `article_id`'s related list as it now stands, best first."""
    return {
        "schema_version": 1,
        "type": "related.changed",
        "event_id": event_id,
        "article_id": article_id,
        "related": [{"id": other, "score": round(score, 6)} for other, score in links],
    }
