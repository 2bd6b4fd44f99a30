"""What the publisher accepts and refuses, as the event models decide it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from newsfeed_schemas.articles import Article
from newsfeed_schemas.events import ArticleDeleted, ArticleUnpublished, EventType, parse_event
from tests.factories import deleted, published, unpublished


def _errors(raw: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        parse_event(raw)
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def test_a_complete_published_event_validates() -> None:
    event = parse_event(published("a", revision=4))
    assert event.type is EventType.PUBLISHED
    assert isinstance(event.data, Article)
    assert event.revision == 4


def test_unknown_fields_are_ignored() -> None:
    raw = published("a")
    raw["data"]["reading_level"] = "easy"
    raw["x-trace"] = "abc"
    assert parse_event(raw).data.id == "a"


def test_revision_falls_back_to_updated_at_millis() -> None:
    raw = published("a")
    del raw["data"]["revision"]
    raw["data"]["updated_at"] = "2025-02-17T18:40:00.250Z"
    assert parse_event(raw).revision == 1739817600250


@pytest.mark.parametrize("revision", [True, False])
def test_a_boolean_is_no_revision(revision: bool) -> None:
    raw = published("a")
    raw["data"]["revision"] = revision
    assert ("article.published", "data", "revision") in [loc for loc, _ in _errors(raw)]


@pytest.mark.parametrize(
    "sent", [-62135596800, 12, 1733000000.5, "1733000000", " 2026 ", "-12.5", "1.733e12", ".5", "-1.0e9", "17.33E8"]
)
@pytest.mark.parametrize("field", ["published_at", "updated_at", "time"])
def test_a_time_given_as_a_number_is_refused_not_guessed(sent: object, field: str) -> None:
    raw = published("a")
    (raw if field == "time" else raw["data"])[field] = sent
    where = ("article.published", field) if field == "time" else ("article.published", "data", field)
    assert (where, "datetime_type") in _errors(raw)


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("2026-12-01T09:30:00", "2026-12-01T09:30:00Z"),  # no offset: UTC
        ("2026-12-01", "2026-12-01T00:00:00Z"),  # a date alone: its midnight, UTC
        ("2026-12-01T09:30:00+05:30", "2026-12-01T09:30:00+05:30"),  # an offset is kept
    ],
)
def test_a_time_without_an_offset_is_read_as_utc(sent: str, read: str) -> None:
    raw = published("a")
    raw["time"] = sent
    raw["data"]["published_at"] = sent
    raw["data"]["updated_at"] = sent
    event = parse_event(raw)
    assert event.time is not None and event.time.utcoffset() is not None
    data = event.data.model_dump(mode="json")
    assert data["published_at"] == data["updated_at"] == read


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda e: e["data"].pop("title"), ("article.published", "data", "title")),
        (lambda e: e["data"].update(title=""), ("article.published", "data", "title")),
        (lambda e: e["data"].update(revision="four"), ("article.published", "data", "revision")),
        (lambda e: e["data"].update(tags="world"), ("article.published", "data", "tags")),
        (lambda e: e["data"].update(published_at="yesterday"), ("article.published", "data", "published_at")),
        (lambda e: e.pop("id"), ("article.published", "id")),
        (lambda e: e.update(specversion="0.3"), ("article.published", "specversion")),
    ],
)
def test_wrong_types_and_missing_fields_are_refused_with_their_location(mutate: Any, where: tuple[str, ...]) -> None:
    raw = published("a")
    mutate(raw)
    assert where in [loc for loc, _ in _errors(raw)]


def test_published_needs_published_at_and_a_revision() -> None:
    raw = published("a")
    raw["data"]["published_at"] = None
    assert _errors(raw)
    raw = published("a")
    del raw["data"]["revision"]
    del raw["data"]["updated_at"]
    assert _errors(raw)


def test_unknown_event_type_is_refused() -> None:
    raw = published("a")
    raw["type"] = "article.archived"
    assert [loc for loc, _ in _errors(raw)] == [()]


def test_subject_must_name_the_article() -> None:
    raw = published("a")
    raw["subject"] = "b"
    assert _errors(raw)


def test_delete_and_unpublish_need_only_the_id() -> None:
    assert isinstance(parse_event(deleted("a")), ArticleDeleted)
    assert isinstance(parse_event(unpublished("a", revision=3)), ArticleUnpublished)


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b"\xff\xfe", b'{"type": 1}'])
def test_garbage_is_refused_not_crashing(raw: bytes) -> None:
    with pytest.raises(ValueError):  # pydantic's ValidationError and orjson's JSONDecodeError are ValueErrors
        parse_event(raw)
