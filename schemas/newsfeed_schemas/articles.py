"""The Article as a CMS sends it, and the small records derived from it.

Unknown fields are ignored (a CMS sends far more than we use); wrong types and
missing required fields are refused by validation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Article", "Author", "DeletedArticle", "FeatureImage", "Tag", "to_millis"]

_LENIENT = ConfigDict(extra="ignore", str_strip_whitespace=True)


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class Tag(BaseModel):
    model_config = _LENIENT

    slug: str = Field(min_length=1, max_length=200)
    name: str | None = None


class Author(BaseModel):
    model_config = _LENIENT

    slug: str = Field(min_length=1, max_length=200)
    name: str | None = None
    bio: str | None = None


class FeatureImage(BaseModel):
    model_config = _LENIENT

    url: str = Field(min_length=1)
    alt: str | None = None
    caption: str | None = None


class Article(BaseModel):
    """An article as published by the CMS. `tags[0]` is the primary tag."""

    model_config = _LENIENT

    id: str = Field(min_length=1, max_length=200)
    revision: int | None = Field(
        default=None,
        ge=0,
        description="Grows with every edit; when absent, `updated_at` in milliseconds is used.",
    )
    slug: str | None = Field(default=None, max_length=300)
    title: str = Field(min_length=1)
    excerpt: str | None = None
    html: str | None = None
    text: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    authors: list[Author] = Field(default_factory=list)
    feature_image: FeatureImage | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    url: str | None = None
    language: str | None = Field(default=None, max_length=35)

    @field_validator("id")
    @classmethod
    def _id_has_no_separator(cls, value: str) -> str:
        if any(ch.isspace() for ch in value):
            raise ValueError("must not contain white space")
        return value

    @property
    def effective_revision(self) -> int | None:
        """`revision`, or `updated_at` in milliseconds when the CMS sends no revision."""
        if self.revision is not None:
            return self.revision
        if self.updated_at is not None:
            return to_millis(self.updated_at)
        return None

    @property
    def effective_slug(self) -> str:
        return self.slug or self.id


class DeletedArticle(BaseModel):
    """The payload of `article.deleted`: the id is enough, the revision is optional."""

    model_config = _LENIENT

    id: str = Field(min_length=1, max_length=200)
    revision: int | None = Field(default=None, ge=0)
