"""The read API's answers as models, for the OpenAPI document (responses are built as plain JSON)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "NOT_FOUND",
    "RESPONSES",
    "ArticleAnswer",
    "Card",
    "FeedAnswer",
    "RelatedAnswer",
    "RelatedCard",
    "StatsAnswer",
]


class Named(BaseModel):
    slug: str
    name: str | None = None


class Author(Named):
    bio: str | None = None
    profile_image: str | None = None


class Image(BaseModel):
    url: str
    alt: str | None = None
    caption: str | None = Field(default=None, description="Sanitised inline HTML.")


class Card(BaseModel):
    """What a feed shows of an article."""

    id: str
    slug: str
    title: str
    excerpt: str | None
    published_at: str
    reading_time_minutes: int
    tags: list[Named]
    authors: list[Author]
    feature_image: Image | None
    url: str | None


class Reason(BaseModel):
    tags: list[str]
    terms: list[str]
    text: str


class RelatedCard(Card):
    score: float
    reason: Reason


class FeedAnswer(BaseModel):
    items: list[Card]
    next_cursor: str | None = Field(description="Opaque; pass it back as `cursor` for the next page (null: the end).")


class RelatedAnswer(BaseModel):
    items: list[RelatedCard]


class ArticleAnswer(Card):
    html: str | None = Field(default=None, description="Sanitised HTML of the body.")
    text: str | None = None
    revision: int
    updated_at: str | None = Field(default=None, description="As the CMS sent it, with its offset (RFC 3339).")
    language: str | None = Field(default=None, description="As the CMS sent it (BCP 47); absent: the site's default.")
    related: list[RelatedCard]


class ConsumerState(BaseModel):
    name: str
    pending: int
    idle_ms: int


class StatsAnswer(BaseModel):
    stream_length: int
    lag: int | None
    pending: int
    dead: int
    articles: int
    consumers: list[ConsumerState]
    related_lag: int = Field(description="Applied articles the related lists do not account for yet.")


class Problem(BaseModel):
    detail: str


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A cursor newsfeed did not issue, or a tag or author that is not a slug"},
    503: {"model": Problem, "description": "Redis cannot be reached or answers too slowly; retry later"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No live article with that id"}}
