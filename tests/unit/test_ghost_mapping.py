"""Ghost webhooks onto envelopes, and Ghost's signature (pure, no Redis)."""

from __future__ import annotations

import pytest

from newsfeed_publisher.ghost import MalformedWebhook, envelope_from_webhook, in_ghost_terms, sign, signature_is_valid
from newsfeed_schemas.events import EventType, InvalidEvent, check_event, parse_event
from newsfeed_schemas.limits import DEFAULT_LIMITS
from tests.ghost_payloads import GhostPost


def test_publish_maps_every_field_primary_tag_first() -> None:
    (event, body), _ = GhostPost("p1").publish()
    envelope = envelope_from_webhook(event, body)
    assert envelope is not None
    parsed = parse_event(envelope)
    assert parsed.type is EventType.PUBLISHED
    data = envelope["data"]
    assert [t["slug"] for t in data["tags"]] == ["world", "weather"]
    assert data["authors"] == [{"slug": "anna", "name": "Anna", "bio": "Reporter."}]
    assert data["feature_image"] == {
        "url": "https://news.example.com/content/images/storm.jpg",
        "alt": "Dark clouds",
        "caption": "Over the bay",
    }
    assert data["text"].startswith("A storm") and data["html"].startswith("<p>")
    # Ghost's `excerpt` is its own cut of the text: newsfeed derives that (and shows it once)
    assert "excerpt" not in data
    assert parsed.revision == data["revision"] > 0


def test_event_id_is_deterministic_and_changes_with_each_edit() -> None:
    post = GhostPost("p1")
    (event, body), _ = post.publish()
    assert envelope_from_webhook(event, body) == envelope_from_webhook(event, body)
    (edit, edited), _ = post.edit(title="New")
    first, second = envelope_from_webhook(event, body), envelope_from_webhook(edit, edited)
    assert first and second and first["id"] != second["id"]
    assert second["type"] == "article.updated"


def test_delete_goes_by_id_alone() -> None:
    post = GhostPost("p1")
    post.publish()
    pairs = post.delete()
    assert [event for event, _ in pairs] == ["post.unpublished", "post.deleted"]
    envelope = envelope_from_webhook(*pairs[1])
    assert envelope is not None
    assert parse_event(envelope).type is EventType.DELETED
    assert envelope["data"]["id"] == "p1"


def test_non_public_post_maps_to_unpublished() -> None:
    (event, body), _ = GhostPost("p1", visibility="paid").publish()
    envelope = envelope_from_webhook(event, body)
    assert envelope is not None and parse_event(envelope).type is EventType.UNPUBLISHED


@pytest.mark.parametrize("event", ["post.edited", "post.added"])
def test_ignored_events(event: str) -> None:
    assert envelope_from_webhook(event, {"post": {"current": {}, "previous": {}}}) is None


@pytest.mark.parametrize(
    ("signed_at", "now", "body", "valid"),
    [
        (1_000_000, 1_000_000, b"{}", True),
        (1_000_000, 1_000_000 + 299_000, b"{}", True),
        (1_000_000, 1_000_000 + 301_000, b"{}", False),
        (1_000_000, 1_000_000, b"{ }", False),
    ],
)
def test_ghost_signature(signed_at: int, now: int, body: bytes, valid: bool) -> None:
    header = sign("s3cret", b"{}", signed_at)
    assert signature_is_valid("s3cret", header, body, now_ms=now, tolerance_ms=300_000) is valid
    assert not signature_is_valid("other", header, b"{}", now_ms=signed_at, tolerance_ms=300_000)


def test_a_bad_post_id_is_one_error_located_in_the_post() -> None:
    # The post id is both the envelope's subject and its data.id: one bad id, one error.
    (event, body), _ = GhostPost("x/../y").publish()
    envelope = envelope_from_webhook(event, body)
    assert envelope is not None
    with pytest.raises(InvalidEvent) as caught:
        check_event(envelope, DEFAULT_LIMITS)
    located = in_ghost_terms(caught.value.errors, event)
    assert [e["loc"] for e in located] == [["post", "current", "id"]]


def test_a_published_post_needs_current_not_previous() -> None:
    (event, body), _ = GhostPost("p1").publish()
    with pytest.raises(MalformedWebhook):
        envelope_from_webhook(event, {"post": {"current": {}, "previous": body["post"]["current"]}})


@pytest.mark.parametrize(
    ("tags", "where"),
    [
        (["news"], ["post", "current", "tags", 0]),
        ({"slug": "x"}, ["post", "current", "tags"]),
        ([None], ["post", "current", "tags", 0]),
    ],
)
def test_tags_of_the_wrong_shape_are_named_not_dropped(tags: object, where: list[object]) -> None:
    (event, body), _ = GhostPost("p1").publish()
    body["post"]["current"]["tags"] = tags
    envelope = envelope_from_webhook(event, body)
    assert envelope is not None
    with pytest.raises(InvalidEvent) as caught:
        check_event(envelope, DEFAULT_LIMITS)
    assert where in [e["loc"] for e in in_ghost_terms(caught.value.errors, event)]


def test_a_custom_excerpt_is_the_excerpt() -> None:
    (event, body), _ = GhostPost("p1").publish()
    body["post"]["current"]["custom_excerpt"] = "Gales of 100 km/h tonight."
    envelope = envelope_from_webhook(event, body)
    assert envelope is not None and envelope["data"]["excerpt"] == "Gales of 100 km/h tonight."


def test_a_signed_body_sent_to_another_events_url_is_refused() -> None:
    # Ghost signs the body, not the URL: a published post's body must not delete or take it down
    (_, body), _ = GhostPost("p1").publish()
    for other in ("post.deleted", "post.unpublished"):
        with pytest.raises(MalformedWebhook):
            envelope_from_webhook(other, body)
    post = GhostPost("p2")
    post.publish()
    (unpublish, taken_down), _ = post.delete()
    with pytest.raises(MalformedWebhook):
        envelope_from_webhook("post.published", taken_down)
    assert envelope_from_webhook(unpublish, taken_down) is not None


def test_a_time_written_with_a_space_gives_the_same_event_id() -> None:
    (event, body), _ = GhostPost("p1").publish()
    spaced = {"post": {**body["post"], "current": dict(body["post"]["current"])}}
    spaced["post"]["current"]["updated_at"] = body["post"]["current"]["updated_at"].replace("T", " ")
    first, second = envelope_from_webhook(event, body), envelope_from_webhook(event, spaced)
    assert first is not None and second is not None
    assert first["id"] == second["id"]
    parse_event(second)  # a valid event: the space broke the id before
