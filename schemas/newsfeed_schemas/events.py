"""The CloudEvents 1.0 envelope (structured JSON mode) of the four article events.

`ArticleEvent` is a union discriminated by `type`, so a payload that does not fit its
event type is refused with field-level errors. `check_event` validates one decoded
envelope and reports what is wrong in API terms: every bad field, located as the sender
wrote it (`["data", "title"]`), with a message a CMS developer can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .articles import Article, DeletedArticle, Moment
from .limits import CEILINGS, DEFAULT_LIMITS, LIMITS, Limits, check_id, limits_of

__all__ = [
    "ArticleDeleted",
    "ArticleEvent",
    "ArticlePublished",
    "ArticleUnpublished",
    "ArticleUpdated",
    "EventType",
    "FieldError",
    "InvalidEvent",
    "check_event",
    "dump_event",
    "event_adapter",
    "field_errors",
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
    id: str = Field(
        min_length=1, max_length=CEILINGS.max_id_chars, description="Unique per event: the idempotency key."
    )
    source: str = Field(min_length=1, max_length=500)
    subject: str = Field(min_length=1, max_length=CEILINGS.max_id_chars, description="The article id.")
    time: Moment | None = None
    datacontenttype: Literal["application/json"] = "application/json"

    @field_validator("id", "subject")
    @classmethod
    def _printable(cls, value: str, info: ValidationInfo) -> str:
        return check_id(value, limits_of(info).max_id_chars)

    @model_validator(mode="after")
    def _subject_names_the_article(self) -> _Envelope:
        data_id = getattr(getattr(self, "data", None), "id", None)
        if data_id is not None and data_id != self.subject:
            raise PydanticCustomError(
                "subject_mismatch",
                "subject '{subject}' differs from data.id '{data_id}': both name the article",
                {"subject": self.subject[:200], "data_id": data_id[:200], "field": "subject"},
            )
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
            raise PydanticCustomError("missing", "required for a published article", {"field": "data.published_at"})
        if self.data.effective_revision is None:
            raise PydanticCustomError(
                "missing", "data.revision (or data.updated_at) is required", {"field": "data.revision"}
            )
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
            raise PydanticCustomError(
                "missing", "data.revision (or data.updated_at) is required", {"field": "data.revision"}
            )
        return self


class ArticleDeleted(_Envelope):
    type: Literal[EventType.DELETED]
    data: DeletedArticle


ArticleEvent = Annotated[
    ArticlePublished | ArticleUpdated | ArticleUnpublished | ArticleDeleted,
    Field(discriminator="type"),
]

event_adapter: TypeAdapter[ArticleEvent] = TypeAdapter(ArticleEvent)


def parse_event(raw: bytes | str | dict[str, Any], limits: Limits = CEILINGS) -> ArticleEvent:
    """Validate one envelope from JSON bytes/str or an already decoded dict (raises ValidationError).

    The default limits are the ceilings: what the indexer applies whatever the publisher's settings.
    """
    decoded = raw if isinstance(raw, dict) else orjson.loads(raw)
    return event_adapter.validate_python(decoded, context={LIMITS: limits})


FieldError = dict[str, Any]
_TYPES = ", ".join(t.value for t in EventType)


class InvalidEvent(ValueError):
    """An envelope that does not validate; `errors` lists every bad field in API terms."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors))
        self.errors = errors


def check_event(raw: Any, limits: Limits = DEFAULT_LIMITS) -> ArticleEvent:
    """Validate one decoded envelope; raises `InvalidEvent` listing every bad field."""
    if not isinstance(raw, Mapping):
        raise InvalidEvent(
            [{"loc": [], "msg": "expected a JSON object (one CloudEvents envelope)", "type": "dict_type"}]
        )
    errors: list[FieldError] = []
    given_type = raw.get("type")
    if not isinstance(given_type, str) or given_type not in _TAGS:
        given = "missing" if "type" not in raw else f"{str(raw.get('type'))[:100]!r} is not one"
        errors.append({"loc": ["type"], "msg": f"{given}; must be one of {_TYPES}", "type": "event_type"})
        try:
            _Envelope.model_validate(raw, context={LIMITS: limits})
        except ValidationError as exc:
            errors += field_errors(exc)
        raise InvalidEvent(errors)
    try:
        return event_adapter.validate_python(raw, context={LIMITS: limits})
    except ValidationError as exc:
        raise InvalidEvent(field_errors(exc)) from None


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic's errors as `{"loc", "msg", "type"}` located as the sender wrote the envelope."""
    found = []
    for err in exc.errors(include_url=False, include_input=False):
        loc: list[str | int] = [part for part in err["loc"] if part not in _TAGS]
        where = (err.get("ctx") or {}).get("field")
        if not loc and isinstance(where, str):
            loc = list(where.split("."))
        found.append({"loc": loc, "msg": err["msg"], "type": err["type"]})
    return found


_TAGS = frozenset(t.value for t in EventType)


def dump_event(event: ArticleEvent) -> bytes:
    """The envelope as compact JSON, the form stored in the stream."""
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))
