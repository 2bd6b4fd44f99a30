"""Related links through the HTTP API: served, symmetric, and kept current as neighbours come and go."""

from __future__ import annotations

from typing import Any

from newsfeed_readmodel.keys import Keys
from newsfeed_schemas.streams import decode_fields
from tests.conftest import System
from tests.factories import deleted, published, unpublished, updated

UKRAINE = "Lavrov rules out territorial concessions in Ukraine peace talks with Russia and the Kremlin."
TALKS = "US and Russia open Ukraine peace talks; Kremlin says Lavrov will lead the delegation to the talks."
CEASEFIRE = "Ukraine ceasefire talks: Russia and Lavrov demand concessions before any peace agreement is signed."
FOOTBALL = "The football club won the league final after a penalty shootout in the stadium on Sunday evening."
COOKING = "A slow roasted tomato soup recipe with basil, garlic and crusty bread for cold winter evenings."


def story(article_id: str, title: str, text: str, *, minutes: int = 0, **fields: Any) -> dict[str, Any]:
    return published(article_id, title=title, text=text * 3, minutes=minutes, **fields)


async def related_ids(system: System, article_id: str, limit: int = 5) -> list[str]:
    response = await system.http.get(f"/v1/articles/{article_id}/related", params={"limit": limit})
    response.raise_for_status()
    return [card["id"] for card in response.json()["items"]]


async def publish_all(system: System, *envelopes: dict[str, Any]) -> None:
    for envelope in envelopes:
        assert (await system.publish(envelope)).status_code == 202
    await system.caught_up()


async def seed(system: System) -> None:
    await publish_all(
        system,
        story("lavrov", "Lavrov rules out concessions", UKRAINE, tags=[{"slug": "ukraine", "name": "Ukraine"}]),
        story("football", "Cup final", FOOTBALL, minutes=1, tags=[{"slug": "sport", "name": "Sport"}]),
        story("soup", "Tomato soup", COOKING, minutes=2, tags=[{"slug": "food", "name": "Food"}]),
        story("talks", "US-Russia talks on Ukraine", TALKS, minutes=3, tags=[{"slug": "ukraine", "name": "Ukraine"}]),
    )


async def test_related_cards_are_served_with_score_and_reason(system: System) -> None:
    await seed(system)
    response = await system.http.get("/v1/articles/lavrov/related")
    items = response.json()["items"]
    assert [c["id"] for c in items][:1] == ["talks"]
    assert items[0]["score"] > 0
    assert items[0]["reason"]["tags"] == ["Ukraine"]
    assert "lavrov" in items[0]["reason"]["terms"] or "ukraine" in items[0]["reason"]["terms"]
    assert items[0]["reason"]["text"].startswith("Tagged Ukraine")
    article = (await system.http.get("/v1/articles/lavrov")).json()
    assert [c["id"] for c in article["related"]][:1] == ["talks"]


async def test_a_newer_article_enters_the_older_ones_list(system: System) -> None:
    await seed(system)
    assert await related_ids(system, "talks") == ["lavrov"]
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    assert set(await related_ids(system, "ceasefire")) == {"lavrov", "talks"}
    assert "ceasefire" in await related_ids(system, "lavrov")
    assert "ceasefire" in await related_ids(system, "talks")


async def test_unpublished_neighbour_leaves_every_list_and_the_list_refills(system: System) -> None:
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    await publish_all(system, unpublished("talks", revision=2))
    assert "talks" not in await related_ids(system, "lavrov")
    assert await related_ids(system, "lavrov") == ["ceasefire"]
    assert await related_ids(system, "ceasefire") == ["lavrov"]
    assert (await system.http.get("/v1/articles/talks/related")).status_code == 404  # not live: no cards
    assert (await system.http.get("/v1/articles/never-published/related")).status_code == 404
    await publish_all(system, published("talks", revision=3, title="US-Russia talks on Ukraine", text=TALKS * 3))
    assert "talks" in await related_ids(system, "lavrov")


async def test_deleted_neighbour_leaves_every_list(system: System) -> None:
    await seed(system)
    await publish_all(system, deleted("lavrov", revision=2))
    assert await related_ids(system, "talks") == []
    assert (await system.http.get("/v1/articles/lavrov/related")).status_code == 404


async def test_an_edit_recomputes_links_on_both_sides(system: System) -> None:
    await seed(system)
    await publish_all(system, updated("talks", revision=2, title="Cup final replay", text=FOOTBALL * 3, minutes=3))
    assert "lavrov" not in await related_ids(system, "talks")
    assert "talks" not in await related_ids(system, "lavrov")
    assert "talks" in await related_ids(system, "football")
    assert "football" in await related_ids(system, "talks")


async def test_articles_in_another_language_are_never_related(system: System) -> None:
    await seed(system)
    await publish_all(system, story("lavrov-fr", "Lavrov rules out concessions", UKRAINE, minutes=6, language="fr"))
    assert await related_ids(system, "lavrov-fr") == []
    assert "lavrov-fr" not in await related_ids(system, "lavrov")


async def test_related_changes_announce_every_changed_list_once(system: System) -> None:
    await seed(system)
    stream = Keys(system.prefix).streams.related_changes
    changes = [decode_fields(fields) for _, fields in await system.redis.xrange(stream)]
    assert {c["type"] for c in changes} == {"related.changed"}
    # the lists of the football and soup pieces never held anything: nothing to announce
    assert sorted(c["article_id"] for c in changes) == ["lavrov", "talks"]
    latest = {c["article_id"]: c for c in changes}
    assert [link["id"] for link in latest["talks"]["related"]] == ["lavrov"]
    assert [link["id"] for link in latest["lavrov"]["related"]] == ["talks"]
    await publish_all(system, unpublished("talks", revision=2))
    entries = await system.redis.xrange(stream)
    latest = {c["article_id"]: c for c in (decode_fields(f) for _, f in entries)}
    assert latest["talks"]["related"] == []
    assert latest["lavrov"]["related"] == []


async def test_many_distinct_language_tags_are_applied_and_related_within_each(system: System) -> None:
    """A CMS (or an attacker with a token) may send any BCP 47 tag: hundreds of languages at once are
    applied like any other articles, and articles are still related only within their own language."""
    tags = [f"q{a}{b}" for a in "abcdefghijklmnop" for b in "abcdefghijklmnopqrst"]  # 320 languages
    batch = [story(f"alone-{tag}", f"Report {tag}", UKRAINE, minutes=i, language=tag) for i, tag in enumerate(tags)]
    batch += [story(f"pair-{n}", "Lavrov and Ukraine", UKRAINE, minutes=400 + n, language="qzz-Latn") for n in (1, 2)]
    response = await system.http.post("/v1/events/batch", json=batch)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [202] * len(batch), response.text
    await system.caught_up(timeout=60)
    assert await related_ids(system, "pair-1") == ["pair-2"]
    assert await related_ids(system, "alone-qaa") == []


async def test_two_stories_opening_with_a_video_are_not_related_by_it(system: System) -> None:
    # The link left in place of the frame ("View the embedded media on www.youtube.com") is not
    # the article's words: neither a reason to relate two stories nor the start of an excerpt.
    def with_video(article_id: str, title: str, text: str, minutes: int) -> dict[str, Any]:
        frame = (
            '<figure class="kg-card kg-embed-card"><iframe src="https://www.youtube.com/embed/abc?feature=oembed">'
            "</iframe></figure>"
        )
        return published(article_id, title=title, html=f"{frame}<p>{text}</p>", minutes=minutes)

    await publish_all(
        system,
        with_video("final", "Goalkeeper saves three penalties in cup final", FOOTBALL, 0),
        with_video("soup", "Tomato soup for winter", COOKING, 1),
    )
    assert await related_ids(system, "soup") == []
    card = (await system.http.get("/v1/articles/soup")).json()
    assert card["excerpt"].startswith("A slow roasted tomato soup")
    assert "youtube.com/embed/abc" in card["html"]  # the reader keeps the link
