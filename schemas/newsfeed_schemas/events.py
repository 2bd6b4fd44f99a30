"""The CloudEvents 1.0 envelope (structured JSON mode) of the four article events.

`ArticleEvent` is a union discriminated by `type`, so a payload that does not
fit its event type is refused with field-level errors.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from .articles import Article, DeletedArticle

__all__ = [
    "ArticleDeleted",
    "ArticleEvent",
    "ArticlePublished",
    "ArticleUnpublished",
    "ArticleUpdated",
    "EventType",
    "dump_event",
    "event_adapter",
    "parse_event",
]


class EventType(StrEnum):
    PUBLISHED = "article.published"
    UPDATED = "article.updated"
    UNPUBLISHED = "article.unpublished"
    DELETED = "article.deleted"


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=200, description="Unique per event: the idempotency key.")
    source: str = Field(min_length=1, max_length=500)
    subject: str = Field(min_length=1, max_length=200, description="The article id.")
    time: datetime | None = None
    datacontenttype: Literal["application/json"] = "application/json"

    @model_validator(mode="after")
    def _subject_names_the_article(self) -> _Envelope:
        data_id = getattr(getattr(self, "data", None), "id", None)
        if data_id is not None and data_id != self.subject:
            raise ValueError(f"subject {self.subject!r} differs from data.id {data_id!r}")
        return self

    @property
    def revision(self) -> int | None:
        data: Article | DeletedArticle = self.data  # type: ignore[attr-defined]
        if isinstance(data, Article):
            return data.effective_revision
        return data.revision


class _LiveArticleEvent(_Envelope):
    data: Article

    @model_validator(mode="after")
    def _live_article_is_complete(self) -> _LiveArticleEvent:
        if self.data.published_at is None:
            raise ValueError("data.published_at is required for a published article")
        if self.data.effective_revision is None:
            raise ValueError("data.revision or data.updated_at is required")
        return self


class ArticlePublished(_LiveArticleEvent):
    type: Literal[EventType.PUBLISHED]


class ArticleUpdated(_LiveArticleEvent):
    type: Literal[EventType.UPDATED]


class ArticleUnpublished(_Envelope):
    type: Literal[EventType.UNPUBLISHED]
    data: Article | DeletedArticle

    @model_validator(mode="after")
    def _has_revision(self) -> ArticleUnpublished:
        if self.revision is None:
            raise ValueError("data.revision or data.updated_at is required")
        return self


class ArticleDeleted(_Envelope):
    type: Literal[EventType.DELETED]
    data: DeletedArticle


ArticleEvent = Annotated[
    ArticlePublished | ArticleUpdated | ArticleUnpublished | ArticleDeleted,
    Field(discriminator="type"),
]

event_adapter: TypeAdapter[ArticleEvent] = TypeAdapter(ArticleEvent)


def parse_event(raw: bytes | str | dict[str, Any]) -> ArticleEvent:
    """Validate one envelope from JSON bytes/str or an already decoded dict."""
    if isinstance(raw, dict):
        return event_adapter.validate_python(raw)
    return event_adapter.validate_json(raw)


def dump_event(event: ArticleEvent) -> bytes:
    """The envelope as compact JSON, the form stored in the stream."""
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))
