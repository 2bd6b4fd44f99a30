"""An article's life through the HTTP API: publish, edit, unpublish, delete, and the feeds after each."""

from __future__ import annotations

from tests.conftest import System
from tests.factories import deleted, published, unpublished, updated


async def test_published_articles_appear_newest_first(system: System) -> None:
    for minutes, article_id in [(1, "a-old"), (3, "c-new"), (2, "b-mid")]:
        response = await system.publish(published(article_id, minutes=minutes))
        assert response.status_code == 202
        assert response.json()["stream_id"]
    await system.caught_up()
    assert await system.feed_ids() == ["c-new", "b-mid", "a-old"]
    card = (await system.feed(limit=1))["items"][0]
    assert card["title"] == "Title of c-new"
    assert card["reading_time_minutes"] == 1
    assert set(card) >= {"id", "slug", "title", "excerpt", "published_at", "tags", "authors", "feature_image", "url"}


async def test_edit_with_new_published_at_moves_the_article(system: System) -> None:
    await system.publish(published("first", minutes=1))
    await system.publish(published("second", minutes=2))
    await system.publish(updated("first", minutes=5, revision=2, title="First, updated"))
    await system.caught_up()
    assert await system.feed_ids() == ["first", "second"]
    article = (await system.http.get("/v1/articles/first")).json()
    assert article["title"] == "First, updated"


async def test_edit_moves_the_article_between_tag_feeds(system: System) -> None:
    await system.publish(published("story", tags=[{"slug": "politics"}]))
    await system.publish(updated("story", revision=2, tags=[{"slug": "economy"}]))
    await system.caught_up()
    assert await system.feed_ids(tag="economy") == ["story"]
    assert await system.feed_ids(tag="politics") == []
    assert await system.feed_ids(author="anna") == ["story"]


async def test_unpublish_removes_from_every_feed_and_article_404s(system: System) -> None:
    await system.publish(published("gone", tags=[{"slug": "world"}]))
    await system.publish(published("stays", minutes=1))
    await system.publish(unpublished("gone", revision=2))
    await system.caught_up()
    assert await system.feed_ids() == ["stays"]
    assert await system.feed_ids(tag="world") == ["stays"]
    assert (await system.http.get("/v1/articles/gone")).status_code == 404


async def test_republish_after_unpublish(system: System) -> None:
    await system.publish(published("back"))
    await system.publish(unpublished("back", revision=2))
    await system.publish(published("back", revision=3))
    await system.caught_up()
    assert await system.feed_ids() == ["back"]


async def test_delete_then_late_update_does_not_resurrect(system: System) -> None:
    await system.publish(published("doomed"))
    await system.publish(deleted("doomed", revision=2))
    await system.publish(updated("doomed", revision=5, title="Too late"))
    await system.caught_up()
    assert await system.feed_ids() == []
    assert (await system.http.get("/v1/articles/doomed")).status_code == 404
    assert (await system.stats())["articles"] == 0


async def test_duplicate_event_id_is_answered_200_and_written_once(system: System) -> None:
    event = published("once")
    first = await system.publish(event)
    again = await system.publish(event)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"id": event["id"], "stream_id": first.json()["stream_id"], "duplicate": True}
    stats = await system.caught_up()
    assert stats["stream_length"] == 1


async def test_stale_revision_is_ignored(system: System) -> None:
    await system.publish(published("news", revision=3, title="Third draft"))
    await system.publish(updated("news", revision=2, title="Second draft"))
    await system.caught_up()
    assert (await system.http.get("/v1/articles/news")).json()["title"] == "Third draft"


async def test_article_endpoint_shows_reading_time_and_related(system: System) -> None:
    await system.publish(published("long-read", text="word " * 1100))
    await system.caught_up()
    body = (await system.http.get("/v1/articles/long-read")).json()
    assert body["reading_time_minutes"] == 4
    assert isinstance(body["related"], list)
    assert (await system.http.get("/v1/articles/unknown")).status_code == 404


async def test_pages_render_the_feed_and_the_article(system: System) -> None:
    await system.publish(published("page-story", title="Storm <b>warning</b>"))
    await system.caught_up()
    home = await system.http.get("/")
    assert home.status_code == 200
    assert "Storm &lt;b&gt;warning&lt;/b&gt;" in home.text
    page = await system.http.get("/articles/page-story")
    assert page.status_code == 200
    assert "1 min read" in page.text
