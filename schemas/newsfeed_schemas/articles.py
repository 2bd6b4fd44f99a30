"""The Article as a CMS sends it, and the small records derived from it.

Unknown fields are ignored (a CMS sends far more than we use); wrong types, missing
required fields and values outside the bounds of `limits.Limits` are refused by
validation, each error naming its field. Ids and slugs appear in URLs: ids are printable
without `/`, slugs are URL-safe (see `limits.check_id`, `limits.check_slug`). Text fields keep
only what a reader can be shown (`text.readable`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .html_depth import (
    MAX_ATTRIBUTES,
    MAX_DOCUMENT_TAGS,
    UNREADABLE,
    copy_allowance,
    document_tags,
    exceeds,
    most_attributes,
)
from .html_references import references_allowed, too_many_references
from .html_tables import MAX_FOSTERED, fosters_too_much
from .limits import (
    CEILINGS,
    MAX_REVISION,
    check_id,
    check_slug,
    check_url,
    limits_of,
    too_long,
)
from .text import readable, shows_anything

__all__ = ["Article", "Author", "DeletedArticle", "FeatureImage", "Tag", "to_millis"]

_LENIENT = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _not_a_boolean(value: Any) -> Any:
    """`true` is no revision (pydantic would read it as 1); "7" still reads as 7."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer, not a boolean", {})
    return value


Revision = Annotated[int, Field(ge=0, le=MAX_REVISION), BeforeValidator(_not_a_boolean)]
_Items = TypeVar("_Items", bound=list[Any])


def as_utc_when_naive(moment: datetime) -> datetime:
    """A time without an offset ("2026-12-01T09:00:00", or a date alone) is read as UTC, so every
    time the read side shows (pages, RSS, Atom, JSON Feed) carries its offset. A time must also
    be one in UTC: "9999-12-31T23:00:00-05:00" is in the year 10000 there, which no page, feed
    or sort key can show."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_out_of_range", "is outside the years 0001-9999 once converted to UTC", {}
        ) from None
    return moment


def _is_a_number(text: str) -> bool:
    """Text any number reader takes ("1733000000", "1.733e12", ".5", "-1e9"): pydantic would too."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _written_out(value: Any) -> Any:
    """A time is text: a bare number would be read as seconds or milliseconds after 1970 as
    pydantic guesses, so a CMS sending epoch seconds for an old date would see another date."""
    if isinstance(value, int | float) or (isinstance(value, str) and _is_a_number(value)):
        raise PydanticCustomError(
            "datetime_type", "must be an RFC 3339 date-time such as 2026-12-01T09:00:00Z, not a number", {}
        )
    return value


Moment = Annotated[
    datetime,
    BeforeValidator(_written_out),
    AfterValidator(as_utc_when_naive),
    Field(description="RFC 3339 date-time; without an offset it is read as UTC."),
]
"""A point in time as events carry it."""


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _shown_name(value: str | None, info: ValidationInfo) -> str | None:
    """A tag's or author's name as shown; one that draws nothing is no name (the slug is shown)."""
    name = None if value is None else readable(value, one_line=True)
    return too_long(name, limits_of(info).max_name_chars) if name and shows_anything(name) else None


class Tag(BaseModel):
    model_config = _LENIENT

    slug: str = Field(min_length=1, max_length=CEILINGS.max_slug_chars, description="URL-safe, lower-case.")
    name: str | None = Field(default=None, max_length=CEILINGS.max_name_chars)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str, info: ValidationInfo) -> str:
        return check_slug(value, limits_of(info).max_slug_chars)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _shown_name(value, info)


class Author(BaseModel):
    model_config = _LENIENT

    slug: str = Field(min_length=1, max_length=CEILINGS.max_slug_chars, description="URL-safe, lower-case.")
    name: str | None = Field(default=None, max_length=CEILINGS.max_name_chars)
    bio: str | None = Field(default=None, max_length=CEILINGS.max_bio_chars)
    profile_image: str | None = Field(default=None, max_length=CEILINGS.max_url_chars, description="http(s) URL.")

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str, info: ValidationInfo) -> str:
        return check_slug(value, limits_of(info).max_slug_chars)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _shown_name(value, info)

    @field_validator("bio")
    @classmethod
    def _bio(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else too_long(readable(value, one_line=False), limits_of(info).max_bio_chars)

    @field_validator("profile_image")
    @classmethod
    def _profile_image(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_url(value, limits_of(info).max_url_chars)


class FeatureImage(BaseModel):
    model_config = _LENIENT

    url: str = Field(min_length=1, max_length=CEILINGS.max_url_chars, description="http(s) URL.")
    alt: str | None = Field(default=None, max_length=CEILINGS.max_caption_chars)
    caption: str | None = Field(
        default=None, max_length=CEILINGS.max_caption_chars, description="May hold inline HTML (sanitised)."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        return check_url(value, limits_of(info).max_url_chars)

    @field_validator("alt", "caption")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return too_long(readable(value, one_line=info.field_name == "alt"), limits_of(info).max_caption_chars)


class Article(BaseModel):
    """An article as published by the CMS. `tags[0]` is the primary tag."""

    model_config = _LENIENT

    id: str = Field(min_length=1, max_length=CEILINGS.max_id_chars)
    revision: Revision | None = Field(
        default=None, description="Grows with every edit; when absent, `updated_at` in milliseconds is used."
    )
    slug: str | None = Field(default=None, max_length=CEILINGS.max_slug_chars, description="URL-safe, lower-case.")
    title: str = Field(min_length=1, max_length=CEILINGS.max_title_chars)
    excerpt: str | None = Field(default=None, max_length=CEILINGS.max_excerpt_chars)
    html: str | None = Field(default=None, max_length=CEILINGS.max_body_chars)
    text: str | None = Field(default=None, max_length=CEILINGS.max_body_chars)
    tags: list[Tag] = Field(default_factory=list, max_length=CEILINGS.max_tags)
    authors: list[Author] = Field(default_factory=list, max_length=CEILINGS.max_authors)
    feature_image: FeatureImage | None = None
    published_at: Moment | None = None
    updated_at: Moment | None = None
    url: str | None = Field(default=None, max_length=CEILINGS.max_url_chars, description="http(s) URL.")
    language: str | None = Field(
        default=None, max_length=35, pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$", description="BCP 47, e.g. en-GB."
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str, info: ValidationInfo) -> str:
        return check_id(value, limits_of(info).max_id_chars)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_slug(value, limits_of(info).max_slug_chars)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str, info: ValidationInfo) -> str:
        title = readable(value, one_line=True)
        if not shows_anything(title):
            raise PydanticCustomError("title_invisible", "holds no character a reader can be shown", {})
        return too_long(title, limits_of(info).max_title_chars)

    @field_validator("excerpt")
    @classmethod
    def _excerpt(cls, value: str | None, info: ValidationInfo) -> str | None:
        excerpt = None if value is None else readable(value, one_line=False)
        return too_long(excerpt, limits_of(info).max_excerpt_chars) if excerpt and shows_anything(excerpt) else None

    @field_validator("html")
    @classmethod
    def _html(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        limits = limits_of(info)
        value = too_long(readable(value, one_line=False), limits.max_body_chars)
        exceeded = exceeds(value, limits.max_html_depth)
        if exceeded == "depth":
            raise PydanticCustomError(
                "html_too_deep", "elements nest deeper than {limit} levels", {"limit": limits.max_html_depth}
            )
        if exceeded == "copies":
            raise PydanticCustomError(
                "html_copies_formatting",
                "unclosed formatting elements (<b>, <i>, <a>...) would be copied into every block after them, "
                "more than {allowance} characters of copies for this body: close them",
                {"allowance": copy_allowance(len(value))},
            )
        documents = document_tags(value)
        if documents > MAX_DOCUMENT_TAGS:
            raise PydanticCustomError(
                "html_document_tags",
                "holds {found} <html> and <body> start tags; a body may hold {limit}",
                {"found": documents, "limit": MAX_DOCUMENT_TAGS},
            )
        if fosters_too_much(value):
            raise PydanticCustomError(
                "html_outside_table_cells",
                "holds more than {limit} texts or elements directly in tables, outside their cells, which a parser "
                "moves out of the table one by one: put them in cells",
                {"limit": MAX_FOSTERED},
            )
        attributes = most_attributes(value)
        if attributes == UNREADABLE:
            raise PydanticCustomError(
                "html_unreadable_tags",
                "its tags' quoted attribute values hold so much markup that it cannot be read",
                {},
            )
        if attributes is not None:
            raise PydanticCustomError(
                "html_too_many_attributes",
                "a tag holds {found} attributes; a tag may hold {limit}",
                {"found": attributes, "limit": MAX_ATTRIBUTES},
            )
        references = too_many_references(value)
        if references is not None:
            raise PydanticCustomError(
                "html_too_many_references",
                "holds {found} character references ('&'); a body of {length} characters may hold {limit}",
                {"found": references, "length": len(value), "limit": references_allowed(len(value))},
            )
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else too_long(readable(value, one_line=False), limits_of(info).max_body_chars)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[Tag], info: ValidationInfo) -> list[Tag]:
        return _at_most(value, limits_of(info).max_tags, "tags")

    @field_validator("authors")
    @classmethod
    def _authors(cls, value: list[Author], info: ValidationInfo) -> list[Author]:
        return _at_most(value, limits_of(info).max_authors, "authors")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else check_url(value, limits_of(info).max_url_chars)

    @model_validator(mode="after")
    def _revision_fits(self) -> Article:
        if (
            self.revision is None
            and self.updated_at is not None
            and not 0 <= to_millis(self.updated_at) <= MAX_REVISION
        ):
            raise PydanticCustomError(
                "revision_missing",
                "data.updated_at must be after 1970 to stand in for data.revision",
                {"field": "data.updated_at"},
            )
        return self

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


def _at_most(items: _Items, limit: int, what: str) -> _Items:
    if len(items) > limit:
        raise PydanticCustomError("too_many", "at most {limit} " + what, {"limit": limit})
    return items


class DeletedArticle(BaseModel):
    """The payload of `article.deleted`: the id is enough, the revision is optional."""

    model_config = _LENIENT

    id: str = Field(min_length=1, max_length=CEILINGS.max_id_chars)
    revision: Revision | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str, info: ValidationInfo) -> str:
        return check_id(value, limits_of(info).max_id_chars)
