"""Ghost webhook bodies and headers shaped like Ghost sends them (see newsfeed_publisher.ghost)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from newsfeed_publisher.ghost import sign

__all__ = ["GhostPost", "signed"]

_BASE = datetime(2025, 2, 17, 12, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class GhostPost:
    """One Ghost post whose editor actions yield the webhook pairs Ghost sends."""

    def __init__(self, post_id: str, *, slug: str = "storm-warning", visibility: str = "public") -> None:
        self.clock = _BASE
        tag = {"id": "t1", "name": "World", "slug": "world", "visibility": "public"}
        author = {"id": "u1", "name": "Anna", "slug": "anna", "bio": "Reporter."}
        self.post: dict[str, Any] = {
            "id": post_id,
            "uuid": "5b5e7f3e-0000-4000-8000-000000000001",
            "title": "Storm warning",
            "slug": slug,
            "html": "<p>" + "A storm is coming. " * 30 + "</p>",
            "plaintext": "A storm is coming. " * 30,
            "feature_image": "https://news.example.com/content/images/storm.jpg",
            "feature_image_alt": "Dark clouds",
            "feature_image_caption": "Over the bay",
            "status": "draft",
            "visibility": visibility,
            "created_at": _iso(self.clock),
            "updated_at": _iso(self.clock),
            "published_at": None,
            "custom_excerpt": None,
            "excerpt": "A storm is coming.",
            "tags": [{"id": "t2", "name": "Weather", "slug": "weather", "visibility": "public"}, tag],
            "authors": [author],
            "primary_tag": tag,
            "primary_author": author,
            "url": f"https://news.example.com/p/{post_id}/",
        }

    def _change(self, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        self.clock += timedelta(minutes=1)
        fields["updated_at"] = _iso(self.clock)
        previous = {key: self.post[key] for key in fields if self.post.get(key) != fields[key]}
        self.post.update(fields)
        return {"post": {"current": dict(self.post), "previous": previous}}, previous

    def publish(self) -> list[tuple[str, dict[str, Any]]]:
        """post.published + post.edited (published_at set on first publish, kept after)."""
        published_at = self.post["published_at"] or _iso(self.clock + timedelta(minutes=1))
        body, _ = self._change(status="published", published_at=published_at, url=self.post["url"])
        return [("post.published", body), ("post.edited", body)]

    def edit(self, **fields: Any) -> list[tuple[str, dict[str, Any]]]:
        body, _ = self._change(**fields)
        return [("post.published.edited", body), ("post.edited", body)]

    def unpublish(self) -> list[tuple[str, dict[str, Any]]]:
        """post.unpublished + post.edited; published_at stays set."""
        body, _ = self._change(status="draft")
        return [("post.unpublished", body), ("post.edited", body)]

    def delete(self) -> list[tuple[str, dict[str, Any]]]:
        """Deleting a live post: post.unpublished, then post.deleted with current {} and no tags/url."""
        pairs: list[tuple[str, dict[str, Any]]] = []
        if self.post["status"] == "published":
            pairs.append(self.unpublish()[0])
        previous = {k: v for k, v in self.post.items() if k not in {"tags", "url", "primary_tag", "authors"}}
        pairs.append(("post.deleted", {"post": {"current": {}, "previous": previous}}))
        return pairs


def signed(secret: str, body: dict[str, Any], *, at_ms: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of one Ghost delivery, signed with `secret`."""
    raw = orjson.dumps(body)
    stamp = at_ms if at_ms is not None else int(time.time() * 1000)
    return raw, {"content-type": "application/json", "x-ghost-signature": sign(secret, raw, stamp)}
