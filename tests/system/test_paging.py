"""'Show More' through 500 articles while 50 newer ones arrive: no repeats, no gaps."""

from __future__ import annotations

from tests.conftest import System
from tests.factories import published


async def _publish_batch(system: System, events: list[dict]) -> None:
    response = await system.http.post("/v1/events/batch", json=events)
    assert response.status_code == 200
    assert response.json()["accepted"] == len(events)


async def test_paging_500_with_50_new_arriving_midway(system: System) -> None:
    # same-minute pairs exercise the tie-break by id
    await _publish_batch(system, [published(f"old-{i:03d}", minutes=i // 2) for i in range(500)])
    await system.caught_up()
    expected = [card["id"] for card in (await system.feed(limit=100))["items"]]
    assert expected[:2] == ["old-499", "old-498"]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 20, **({"cursor": cursor} if cursor else {})}
        page = await system.feed(**params)
        seen += [card["id"] for card in page["items"]]
        pages += 1
        if pages == 5:
            await _publish_batch(system, [published(f"new-{i:02d}", minutes=10_000 + i) for i in range(50)])
            await system.caught_up()
            assert (await system.feed_ids(limit=1)) == ["new-49"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)), "an article was shown twice"
    assert seen == sorted(seen, key=lambda i: (int(i[4:]) // 2, i), reverse=True)
    assert len(seen) == 500 and pages == 25
    assert seen[:100] == expected


async def test_tag_and_author_feeds_page_too(system: System) -> None:
    events = [published(f"t-{i:02d}", minutes=i, tags=[{"slug": "even" if i % 2 == 0 else "odd"}]) for i in range(30)]
    await _publish_batch(system, events)
    await system.caught_up()
    first = await system.feed(tag="even", limit=10)
    second = await system.feed(tag="even", limit=10, cursor=first["next_cursor"])
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert ids == [f"t-{i:02d}" for i in range(28, -1, -2)][:15]
    assert second["next_cursor"] is None
    assert len(await system.feed_ids(author="anna", limit=100)) == 30


async def test_forged_cursor_is_a_400_not_a_500(system: System) -> None:
    response = await system.http.get("/v1/feed", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]
    assert (await system.http.get("/v1/feed", params={"limit": 0})).status_code == 422
    assert (await system.http.get("/v1/feed", params={"tag": "a", "author": "b"})).status_code == 400


async def test_show_more_after_the_longest_ids_and_across_1970(system: System) -> None:
    # an id of 200 four-byte characters gives the longest cursor newsfeed issues; an archive
    # reaches back before 1970, where its articles keep their order
    long_id = "\U0001f600" * 200
    archive = [("mm-1970", "1970-01-02T00:00:00Z"), ("zz-moon", "1969-07-20T20:17:00Z")]
    archive += [
        ("aa-jfk", "1963-11-22T18:30:00Z"),
        (long_id, "1950-06-01T00:00:00Z"),
        ("ab-1900", "1900-01-01T00:00:00Z"),
    ]
    tag = [{"slug": "archive"}]
    await _publish_batch(
        system,
        [
            published(aid, event_id=f"archive-{i}", published_at=at, slug=f"archive-{i}", url=None, tags=tag)
            for i, (aid, at) in enumerate(archive)
        ],
    )
    await system.caught_up()
    seen: list[str] = []
    cursor = None
    while True:
        page = await system.feed(tag="archive", limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [card["id"] for card in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
        assert (await system.http.get("/tag/archive", params={"cursor": cursor})).status_code == 200
    assert seen == [aid for aid, _ in archive]
