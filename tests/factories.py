"""Envelopes and articles for tests, shaped like what a CMS sends."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["article", "deleted", "envelope", "published", "unpublished", "updated"]

_counter = itertools.count(1)
BASE_TIME = datetime(2025, 2, 17, 12, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def article(article_id: str, *, revision: int = 1, minutes: int = 0, **fields: Any) -> dict[str, Any]:
    """An article published `minutes` after a fixed base time."""
    data: dict[str, Any] = {
        "id": article_id,
        "revision": revision,
        "slug": article_id,
        "title": f"Title of {article_id}",
        "text": f"Body of {article_id}. " * 20,
        "tags": [{"slug": "world", "name": "World"}],
        "authors": [{"slug": "anna", "name": "Anna", "bio": "Reporter."}],
        "published_at": _iso(BASE_TIME + timedelta(minutes=minutes)),
        "updated_at": _iso(BASE_TIME + timedelta(minutes=minutes)),
        "url": f"https://news.example.com/{article_id}/",
        "language": "en",
    }
    data.update(fields)
    return data


def envelope(event_type: str, data: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or f"evt-{next(_counter)}-{data['id']}",
        "source": "cms/test",
        "type": event_type,
        "subject": data["id"],
        "time": _iso(BASE_TIME),
        "datacontenttype": "application/json",
        "data": data,
    }


def published(article_id: str, **kwargs: Any) -> dict[str, Any]:
    event_id = kwargs.pop("event_id", None)
    return envelope("article.published", article(article_id, **kwargs), event_id=event_id)


def updated(article_id: str, **kwargs: Any) -> dict[str, Any]:
    event_id = kwargs.pop("event_id", None)
    return envelope("article.updated", article(article_id, **kwargs), event_id=event_id)


def unpublished(article_id: str, *, revision: int, event_id: str | None = None) -> dict[str, Any]:
    return envelope("article.unpublished", {"id": article_id, "revision": revision}, event_id=event_id)


def deleted(article_id: str, *, revision: int | None = None, event_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": article_id}
    if revision is not None:
        data["revision"] = revision
    return envelope("article.deleted", data, event_id=event_id)
