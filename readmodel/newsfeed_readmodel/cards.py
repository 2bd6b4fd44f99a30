"""The stored article document and the card a feed shows for it."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from newsfeed_schemas.articles import Article

from .content import SANITIZED, Content
from .reading_time import reading_time_minutes

__all__ = ["CARD_FIELDS", "article_document", "card_of", "digest", "fallback_excerpt"]

CARD_FIELDS = (
    "id",
    "slug",
    "title",
    "excerpt",
    "published_at",
    "reading_time_minutes",
    "tags",
    "authors",
    "feature_image",
    "url",
)
_EXCERPT_CHARS = 300


def fallback_excerpt(body: str, limit: int = _EXCERPT_CHARS) -> str:
    """The first sentences of the body, cut at a word boundary, for articles without an excerpt."""
    if len(body) <= limit:
        return body
    cut = body[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def article_document(article: Article, content: Content) -> dict[str, Any]:
    """What the read model stores for a live article: the article, its body and caption
    sanitised (`content`), and derived fields."""
    doc = article.model_dump(mode="json", exclude_none=True)
    if content.html is not None:
        doc["html"] = content.html
    if content.caption is not None:
        doc["feature_image"]["caption"] = content.caption
    doc["html_sanitized"] = SANITIZED
    doc["slug"] = article.effective_slug
    doc["revision"] = article.effective_revision
    images = content.images + (1 if article.feature_image is not None else 0)
    doc["reading_time_minutes"] = reading_time_minutes(words=content.words, images=images)
    if not article.excerpt:
        doc["excerpt"] = fallback_excerpt(content.text)
        doc["excerpt_derived"] = True  # the body's opening: a page shows it once, as the body
    return doc


def card_of(document: dict[str, Any]) -> dict[str, Any]:
    """The card fields of a stored document; absent optional fields are null or empty."""
    card = {name: document.get(name) for name in CARD_FIELDS}
    card["tags"] = document.get("tags", [])
    card["authors"] = document.get("authors", [])
    return card


def digest(value: dict[str, Any]) -> str:
    """A short digest of a card or document, to tell whether an edit changed what readers see."""
    return hashlib.blake2b(orjson.dumps(value), digest_size=12).hexdigest()  # dicts built in one order
