"""What a web developer and a CDN see of the read side: validators, 304s, surrogate keys, feeds that
parse, live changes that resume, pages for tags and authors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import orjson
import pytest

from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import published, unpublished, updated

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-articles.ndjson"
CACHED_ROUTES = [
    "/v1/feed",
    "/v1/feed?tag=world",
    "/v1/articles/a1",
    "/v1/articles/a1/related",
    "/",
    "/tag/world",
    "/author/anna",
    "/articles/a1",
    "/fragments/feed",
    "/rss.xml",
    "/atom.xml",
    "/feed.json?tag=world",
]


# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) as a JSON Schema: the required members and types.
_AUTHOR = {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"}}}
JSON_FEED_1_1 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "language": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "content_text": {"type": "string"},
                    "summary": {"type": "string"},
                    "image": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "authors": {"type": "array", "items": _AUTHOR},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


async def _seed(system: System, n: int = 3) -> None:
    for i in range(n):
        await system.publish(published(f"a{i + 1}", minutes=i, title=f"Storm warning number {i + 1}"))
    await system.caught_up()


@pytest.mark.parametrize("path", CACHED_ROUTES)
async def test_every_read_route_revalidates_with_a_304(system: System, path: str) -> None:
    await _seed(system)
    first = await system.http.get(path)
    assert first.status_code == 200, first.text[:200]
    etag = first.headers["etag"]
    control = first.headers["cache-control"]
    assert "s-maxage=" in control and "stale-while-revalidate=" in control and "public" in control
    assert first.headers["surrogate-key"]
    again = await system.http.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "surrogate-key" not in again.headers  # a cache keeps those it stored with the 200
    # a cache replaces the stored 200's headers with the 304's: a 304 must not bring another
    # Content-Security-Policy (a page's would lose its styles and scripts) or caching policy
    assert again.headers.get("content-security-policy") in (None, first.headers["content-security-policy"])
    assert again.headers.get("vary") == first.headers.get("vary")
    assert again.headers.get("cache-control") == control


@pytest.mark.parametrize("path", ["/", "/v1/feed", "/rss.xml", "/articles/a1", "/v1/articles/a1/related", "/nope"])
async def test_head_answers_as_get_without_the_body(system: System, path: str) -> None:
    await _seed(system)
    got = await system.http.get(path)
    head = await system.http.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    for name in ("etag", "content-type", "content-length", "cache-control", "surrogate-key"):
        assert head.headers.get(name) == got.headers.get(name), name
    if "etag" in got.headers:
        again = await system.http.head(path, headers={"if-none-match": got.headers["etag"]})
        assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/metrics", "/v1/stats", "/openapi.json", "/docs/asyncapi", "/no/such/route"]
)
async def test_what_may_not_be_kept_says_no_store(system: System, path: str) -> None:
    # a CDN keeps an answer without Cache-Control for its default time: a stale "ready" misleads
    response = await system.http.get(path)
    assert response.headers["cache-control"] == "no-store", path


async def test_the_live_stream_does_not_answer_head(system: System) -> None:
    assert (await system.http.head("/v1/feed/events")).status_code == 405


@pytest.mark.parametrize("path", ["/v1/feed", "/", "/rss.xml", "/articles/a1", "/v1/articles/a1"])
async def test_a_change_changes_the_validator(system: System, path: str) -> None:
    await _seed(system)
    before = (await system.http.get(path)).headers["etag"]
    await system.publish(published("a1", revision=2, minutes=0, title="Storm warning, updated"))
    await system.publish(published("a9", minutes=30, title="Another storm"))
    await system.caught_up()
    after = await system.http.get(path, headers={"if-none-match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml", "/feed.json"])
async def test_an_edit_of_the_body_alone_changes_a_syndication_feeds_validator(system: System, path: str) -> None:
    # the feeds carry each article's body, which its card (and so the feed's version) does not show
    fields = {"excerpt": "Winds of 100 km/h.", "minutes": 5}
    await system.publish(published("s1", html="<p>First body of the storm story.</p>" * 20, **fields))
    await system.caught_up()
    before = await system.http.get(path)
    await system.publish(updated("s1", revision=2, html="<p>Fixed body of the storm story.</p>" * 20, **fields))
    await system.caught_up()
    after = await system.http.get(path, headers={"if-none-match": before.headers["etag"]})
    assert after.status_code == 200
    assert "Fixed body" in after.text and "Fixed body" not in before.text
    assert after.headers["etag"] != before.headers["etag"]
    assert (await system.http.get(path, headers={"if-none-match": after.headers["etag"]})).status_code == 304


@pytest.mark.parametrize("path", ["/rss.xml?tag=none-yet", "/atom.xml?tag=none-yet", "/feed.json?tag=none-yet"])
async def test_an_empty_syndication_feed_revalidates(system: System, path: str) -> None:
    first = await system.http.get(path)
    assert first.status_code == 200
    await asyncio.sleep(1.1)  # the empty feed's own date is the time it is written: it must not be in the validator
    assert (await system.http.get(path, headers={"if-none-match": first.headers["etag"]})).status_code == 304


async def test_surrogate_keys_name_the_feed_and_its_articles(system: System) -> None:
    await _seed(system)
    keys = (await system.http.get("/v1/feed")).headers["surrogate-key"].split()
    assert keys[0] == "feed:all"
    assert {"article:a1", "article:a2", "article:a3"} <= set(keys)
    article_keys = (await system.http.get("/articles/a1")).headers["surrogate-key"].split()
    assert {"article:a1", "related:a1", "feed:all"} <= set(article_keys)
    stats = await system.http.get("/v1/stats")
    assert stats.headers["cache-control"] == "no-store"


async def test_an_unknown_article_is_a_short_lived_404_purged_by_its_key(system: System) -> None:
    response = await system.http.get("/v1/articles/nope")
    assert response.status_code == 404
    assert response.headers["surrogate-key"] == "article:nope"
    page = await system.http.get("/articles/nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "not found" in page.text.lower()


async def test_an_unknown_slug_of_any_text_is_a_404_with_an_ascii_key(system: System) -> None:
    # A slug may be letters of any script, and a path may hold anything: a header holds ASCII.
    for path, key in (
        ("/articles/новости", "slug:%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8"),
        ("/articles/a%00b", "slug:a%00b"),
        ("/articles/%E2%80%AE", "slug:%E2%80%AE"),
    ):
        page = await system.http.get(path)
        assert page.status_code == 404, path
        assert page.headers["surrogate-key"] == key


async def test_text_no_page_can_show_and_a_time_without_offset_still_make_every_feed(system: System) -> None:
    hostile = "Storm\x00 warning\x0b \ufffe"
    event = published("a1", title=hostile, tags=[{"slug": "world", "name": "World\x1f"}])
    event["data"]["published_at"] = "2026-12-01T09:00:00"  # no offset: UTC
    event["data"]["excerpt"] = "Gales\x08 ahead"
    assert (await system.publish(event)).status_code == 202
    await system.caught_up()
    for path in ("/rss.xml", "/atom.xml", "/rss.xml?tag=world", "/atom.xml?tag=world"):
        response = await system.http.get(path)
        assert response.status_code == 200, path
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert [e.title.strip() for e in parsed.entries] == ["Storm warning"]
        assert parsed.entries[0].published_parsed[:5] == (2026, 12, 1, 9, 0)
    item = orjson.loads((await system.http.get("/feed.json")).content)["items"][0]
    assert item["date_published"] == "2026-12-01T09:00:00Z"
    assert (item["title"], item["summary"], item["tags"]) == ("Storm warning", "Gales ahead", ["World"])
    assert (await system.http.get("/v1/articles/a1")).json()["title"] == "Storm warning"
    page = await system.http.get("/articles/a1")
    assert page.status_code == 200
    assert "<h1>Storm warning</h1>" in page.text or ">Storm warning<" in page.text
    assert not any(ch in page.text for ch in "\x00\x08\x0b\x1f\ufffe")


async def test_an_article_page_reads_in_its_own_language_and_says_its_opening_once(system: System) -> None:
    body = "הממשלה אישרה את התקציב. " * 20
    event = published("he1", title="התקציב אושר", language="he", text=body, html=None)
    event["data"].pop("excerpt", None)
    event["data"]["authors"] = [{"slug": "dana", "name": "דנה כהן"}]
    assert (await system.publish(event)).status_code == 202
    await system.caught_up()
    document = (await system.http.get("/v1/articles/he1")).json()
    assert document["excerpt_derived"] is True and document["excerpt"].startswith("הממשלה")
    page = (await system.http.get("/articles/he1")).text
    assert '<h1 dir="rtl" lang="he">התקציב אושר</h1>' in page
    assert '<div class="content" dir="rtl" lang="he">' in page
    assert 'class="standfirst"' not in page  # the derived excerpt is the body's opening: shown once
    assert page.split("<body", 1)[1].count("הממשלה אישרה את התקציב.") == 20  # the head's description aside


async def test_a_reader_who_follows_a_broken_link_lands_on_a_page(system: System) -> None:
    await _seed(system, 1)
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path, status, heading in (
        ("/nope", 404, "Page not found"),
        ("/articles/", 404, "Page not found"),
        ("/?cursor=zzz", 400, "This link is broken"),
        ("/tag/world?cursor=%00", 400, "This link is broken"),
        ("/tag/no%20spaces", 400, "This link is broken"),
        ("/?cursor=" + "x" * 2_000, 400, "This link is broken"),  # longer than any cursor issued
        ("/?tag=" + "x" * 300, 400, "This link is broken"),
    ):
        page = await system.http.get(path, headers=browser)
        assert (page.status_code, page.headers["content-type"]) == (status, "text/html; charset=utf-8"), path
        assert f"<h1>{heading}</h1>" in page.text and 'href="/"' in page.text, path
    # the words fit the link: an article gone, or an address where nothing is
    article_gone = (await system.http.get("/articles/never-published", headers=browser)).text
    assert "This article does not exist or is no longer published" in article_gone
    assert "Nothing is published at this address" in (await system.http.get("/nope", headers=browser)).text
    # a program asking for JSON still gets JSON
    assert (await system.http.get("/nope")).json() == {"detail": "Not Found"}
    assert (await system.http.get("/v1/feed?cursor=zzz", headers=browser)).status_code == 400
    assert "detail" in (await system.http.get("/v1/feed?cursor=zzz", headers=browser)).json()
    assert (await system.http.get("/v1/feed?cursor=" + "x" * 2_000, headers=browser)).json()["errors"]
    # a slug is lower-case: a capitalised tag or author address leads to its page
    for path, target in (("/tag/World?cursor=x", "/tag/world?cursor=x"), ("/author/Anna", "/author/anna")):
        moved = await system.http.get(path, headers=browser)
        assert (moved.status_code, moved.headers["location"]) == (301, target)


async def test_the_feeds_parse_and_follow_the_feed_order(system: System) -> None:
    response = await system.http.post(
        "/v1/events/batch", content=SAMPLE.read_bytes(), headers={"content-type": "application/x-ndjson"}
    )
    assert response.json()["accepted"] == 6
    await system.caught_up()
    order = await system.feed_ids()
    for path, kind in (("/rss.xml", "rss20"), ("/atom.xml", "atom10")):
        response = await system.http.get(path)
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == kind
        links = [entry.link for entry in parsed.entries]
        assert links == [f"https://news.example.com/{aid}/" for aid in order]
        first = parsed.entries[0]
        assert first.title and first.get("summary")
        images = [link.href for link in first.get("links", []) if link.get("rel") == "enclosure"]
        images += [m["url"] for m in first.get("media_content", [])]
        images += [first["image"]["href"]] if "image" in first else []
        assert any(url.endswith(".svg") for url in images), (path, first.keys())
    json_feed = (await system.http.get("/feed.json")).json()
    jsonschema.validate(json_feed, JSON_FEED_1_1)
    assert [item["url"] for item in json_feed["items"]] == [f"https://news.example.com/{aid}/" for aid in order]
    assert all(item["image"].endswith(".svg") and item["content_html"] for item in json_feed["items"])
    tagged = feedparser.parse((await system.http.get("/rss.xml?tag=economy")).content)
    assert [entry.link for entry in tagged.entries] == ["https://news.example.com/ecb-holds-rates-inflation-eases/"]
    assert tagged.feed.title == "News Feed: Economy"  # the tag's name, as its page says it, not its slug
    assert (await system.http.get("/feed.json?author=nobody")).json()["title"] == "News Feed: nobody"
    page = await system.http.get("/")
    for media_type in ("application/rss+xml", "application/atom+xml", "application/feed+json"):
        assert f'rel="alternate" type="{media_type}"' in page.text


async def _event_stream(
    system: System, headers: dict[str, str], path: str = "/v1/feed/events"
) -> AsyncIterator[dict[str, Any]]:
    """The live stream's events as they come: {"event", "id", "data"}."""
    current: dict[str, Any] = {}
    async with system.http.stream("GET", path, headers=headers, timeout=15) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if not line:
                if "data" in current:
                    yield current
                current = {}
                continue
            name, _, value = line.partition(":")
            current[name] = value.strip()


async def _events(
    system: System, headers: dict[str, str], wanted: int, path: str = "/v1/feed/events"
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    stream = _event_stream(system, headers, path)
    async for event in stream:
        events.append(event)
        if len(events) == wanted:
            break
    await stream.aclose()
    return events


async def test_live_changes_stream_and_resume_with_last_event_id(system: System) -> None:
    await _seed(system, 1)
    listening = asyncio.create_task(_events(system, {}, 2))
    await asyncio.sleep(0.3)  # let the stream open before publishing (the test, not the product, needs it)
    await system.publish(published("live-1", minutes=10))
    await system.publish(unpublished("a1", revision=5))
    events = await asyncio.wait_for(listening, 15)
    assert [e["event"] for e in events] == ["feed.changed", "feed.changed"]
    first, second = (orjson.loads(e["data"]) for e in events)
    assert first["inserted"] == ["live-1"] and first["feed"] == "all"
    assert second["removed"] == ["a1"]
    await system.publish(published("live-2", minutes=11))
    await system.caught_up()
    resumed = await asyncio.wait_for(_events(system, {"last-event-id": events[0]["id"]}, 2), 15)
    assert [orjson.loads(e["data"])["article_id"] for e in resumed] == ["a1", "live-2"]
    assert resumed[0]["id"] == events[1]["id"]
    # a page opening a stream anew (after a 503) says where it was in the address instead
    path = f"/v1/feed/events?last_event_id={events[0]['id']}"
    again = await asyncio.wait_for(_events(system, {}, 2, path=path), 15)
    assert [e["id"] for e in again] == [e["id"] for e in resumed]


async def test_a_client_that_reconnects_before_any_change_still_gets_what_it_missed(system: System) -> None:
    await _seed(system, 1)
    # on connecting the server sends its position (an id line alone), which moves a browser's
    # Last-Event-ID, so a reconnect after an outage resumes from there instead of from "now"
    async with system.http.stream("GET", "/v1/feed/events", timeout=15) as response:
        lines = response.aiter_lines()
        position = await asyncio.wait_for(anext(line async for line in lines if line.startswith("id:")), 15)
    await system.publish(published("while-away", minutes=30))
    await system.caught_up()
    [missed] = await asyncio.wait_for(_events(system, {"last-event-id": position[3:].strip()}, 1), 15)
    assert orjson.loads(missed["data"])["inserted"] == ["while-away"]


async def test_a_client_that_missed_more_than_can_be_replayed_is_told_to_reload(system: System) -> None:
    for article in ("a1", "a2"):  # the second announced after the first was: no id between them is one
        await system.publish(published(article, minutes=len(article)))
        await system.caught_up()
    stream = f"{key_root(system.prefix)}:feed-changes"
    [(oldest, _)] = await system.redis.xrange(stream, count=1)
    newest = await system.redis.xrevrange(stream, count=1)
    # an id this stream never sent: newer than its newest entry, between two of its entries, or no id
    millis, _, seq = oldest.decode().partition("-")
    between = f"{millis}-{int(seq) + 1}"
    assert not await system.redis.xrange(stream, min=between, max=between)
    for garbage in ("99999999999999-0", between, "not-an-id"):
        [reload] = await asyncio.wait_for(_events(system, {"last-event-id": garbage}, 1), 15)
        assert (reload["event"], reload["id"]) == ("feed.reload", newest[0][0].decode())
        assert orjson.loads(reload["data"]) == {"feed": "all", "reload": True}
    # after the reload, live changes follow
    async with asyncio.timeout(15):
        events = _event_stream(system, {"last-event-id": between})
        assert (await anext(events))["event"] == "feed.reload"
        await system.publish(published("a4", minutes=4))  # then live changes follow
        live = await anext(events)
        await events.aclose()
    assert (live["event"], orjson.loads(live["data"])["inserted"]) == ("feed.changed", ["a4"])
    # more changes since its place than are replayed (1,000)
    [(place, _)] = await system.redis.xrevrange(stream, count=1)
    batch = b"\n".join(orjson.dumps(published(f"b{i}", minutes=10 + i)) for i in range(1001))
    response = await system.http.post(
        "/v1/events/batch", content=batch, headers={"content-type": "application/x-ndjson"}
    )
    assert response.json()["accepted"] == 1001
    await system.caught_up(timeout=60)
    [reload] = await asyncio.wait_for(_events(system, {"last-event-id": place.decode()}, 1), 15)
    assert reload["event"] == "feed.reload"


async def _reads_of_the_stream(system: System) -> int:
    stats = await system.redis.info("commandstats")
    return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("xrange", "xrevrange"))


async def test_readers_who_reconnect_together_each_get_what_they_missed_from_one_read(system: System) -> None:
    """After an API restart every open page reconnects at once from the same Last-Event-ID: each
    gets exactly the changes of its own feed, and the stream is read for all of them once, not
    once per page (a thousand pages reading a thousand changes each held the API for seconds)."""
    await _seed(system, 1)
    stream = f"{key_root(system.prefix)}:feed-changes"
    [(place, _)] = await system.redis.xrevrange(stream, count=1)
    tags = [[{"slug": "politics"}], [{"slug": "sport"}]]
    batch = [published(f"m{i:02d}", minutes=10 + i, tags=tags[i % 2]) for i in range(30)]
    assert (await system.http.post("/v1/events/batch", json=batch)).json()["accepted"] == 30
    await system.caught_up()
    resume = {"last-event-id": place.decode()}
    before = await _reads_of_the_stream(system)

    async def page(feed: str, wanted: int) -> list[str]:
        query = f"?tag={feed}" if feed != "all" else ""
        events: list[str] = []
        stream = _event_stream(system, resume, f"/v1/feed/events{query}")
        async for event in stream:
            events.append(orjson.loads(event["data"])["article_id"])
            if len(events) == wanted:
                break
        await stream.aclose()
        return events

    feeds = ["all", "politics", "sport"] * 20
    got = await asyncio.wait_for(asyncio.gather(*(page(feed, 30 if feed == "all" else 15) for feed in feeds)), 30)
    expected = {
        "all": [f"m{i:02d}" for i in range(30)],
        "politics": [f"m{i:02d}" for i in range(0, 30, 2)],
        "sport": [f"m{i:02d}" for i in range(1, 30, 2)],
    }
    assert all(events == expected[feed] for feed, events in zip(feeds, got, strict=True))
    assert await _reads_of_the_stream(system) - before <= 3 * 4  # one read is 3 commands; 60 pages read alone: 180
    # a page that resumes from the same place after one more change gets that change too
    await system.publish(published("m30", minutes=40, tags=tags[0]))
    await system.caught_up()
    assert await asyncio.wait_for(page("politics", 16), 15) == [*expected["politics"], "m30"]


async def test_tag_and_author_pages_and_show_more_without_javascript(system: System) -> None:
    for i in range(25):
        await system.publish(published(f"p{i:02d}", minutes=i, tags=[{"slug": "world", "name": "World"}]))
    await system.caught_up()
    page = await system.http.get("/tag/world")
    assert page.status_code == 200 and '<h1 dir="auto">World</h1>' in page.text
    assert page.text.count('<li class="card') == 20
    more = page.text.split('class="more" href="')[1].split('"')[0].replace("&amp;", "&")
    rest = await system.http.get(more)
    assert rest.text.count('<li class="card') == 5
    assert (await system.http.get("/?tag=world", follow_redirects=False)).headers["location"] == "/tag/world"
    author = await system.http.get("/author/anna")
    assert '<h1 dir="auto">Anna</h1>' in author.text


async def test_a_phone_sized_page_is_small_and_self_contained(system: System) -> None:
    await system.http.post(
        "/v1/events/batch", content=SAMPLE.read_bytes(), headers={"content-type": "application/x-ndjson"}
    )
    await system.caught_up()
    page = await system.http.get("/articles/lavrov-rules-out-territorial-concessions")
    assert page.status_code == 200
    assert "https://fonts" not in page.text and "cdn" not in page.text.lower()
    for asset in ("/static/site.css", "/static/live.js"):
        assert asset in page.text
        static = await system.http.get(asset)
        assert static.status_code == 200 and "immutable" in static.headers["cache-control"]
    assert 'loading="lazy"' in page.text and 'width="' in page.text
    assert "Anna Petrova" in page.text and "More from Anna Petrova" in page.text
    assert '<figcaption dir="auto">' in page.text and "Illustration" in page.text and "white-space" not in page.text
    assert len(page.content) < 60_000


@pytest.mark.parametrize("path", ["/v1/feed", "/", "/rss.xml"])
async def test_a_forged_validator_is_ignored_not_a_500(system: System, path: str) -> None:
    await _seed(system)
    etag = (await system.http.get(path)).headers["etag"]
    digest = etag.strip('"').partition("-")[2]
    many = ", ".join([etag.replace('"', '"w', 1)] * 100_000)
    for forged in (f'"v{"9" * 4301}-{digest}"', f'"v\u00b2-{digest}"', many):
        answer = await system.http.get(path, headers={"if-none-match": forged.encode("utf-8")})
        assert answer.status_code == 200, (path, forged[:40], answer.status_code)
    assert (await system.http.get(path, headers={"if-none-match": etag})).status_code == 304


async def test_a_feed_item_is_the_article_whatever_its_slug(system: System) -> None:
    # two articles may share a slug; an item's id is the article's, and a slug edit keeps it
    await system.publish(published("s1", minutes=1, slug="same-slug", url=None))
    await system.publish(published("s2", minutes=2, slug="same-slug", url=None))
    await system.caught_up()
    base = str(system.http.base_url).rstrip("/")

    async def ids() -> dict[str, list[str]]:
        rss = feedparser.parse((await system.http.get("/rss.xml")).content)
        atom = feedparser.parse((await system.http.get("/atom.xml")).content)
        json_feed = (await system.http.get("/feed.json")).json()
        return {
            "rss": [entry.id for entry in rss.entries],
            "atom": [entry.id for entry in atom.entries],
            "json": [item["id"] for item in json_feed["items"]],
        }

    expected = [f"{base}/v1/articles/s2", f"{base}/v1/articles/s1"]
    assert await ids() == {"rss": expected, "atom": expected, "json": expected}
    await system.publish(updated("s1", revision=2, minutes=1, slug="renamed-slug", url=None))
    await system.caught_up()
    assert await ids() == {"rss": expected, "atom": expected, "json": expected}
    assert (await system.http.get(expected[1])).json()["slug"] == "renamed-slug"


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml", "/feed.json"])
async def test_feeds_built_from_the_host_vary_by_host(system: System, path: str) -> None:
    # without NEWSFEED_SITE_URL the links come from the request's Host: a shared cache must not
    # give one host's feed, its links pointing there, to readers of another
    await _seed(system, 1)
    mine = await system.http.get(path)
    other = await system.http.get(path, headers={"host": "elsewhere.example"})
    assert "elsewhere.example" in other.text and "elsewhere.example" not in mine.text
    varies = [v.strip().lower() for v in mine.headers["vary"].split(",")]
    assert "host" in varies and "x-forwarded-proto" in varies
    proxied = await system.http.get(path, headers={"x-forwarded-proto": "https"})  # a proxy on loopback
    assert proxied.headers["etag"] != mine.headers["etag"]  # its links are https: another answer
    again = await system.http.get(path, headers={"if-none-match": mine.headers["etag"]})
    assert again.status_code == 304 and again.headers["vary"] == mine.headers["vary"]


async def test_an_error_chosen_by_accept_says_so(system: System) -> None:
    # a page address answers a browser with the site's error page and a script with JSON: a
    # cache in between must know the answer depends on Accept
    both = "?tag=x&author=y"  # one feed at a time
    for path in (
        "/no/such/page",
        "/?cursor=damaged",
        "/tag/x?cursor=" + "z" * 5000,
        "/rss.xml" + both,
        "/feed.json" + both,
    ):
        browser = await system.http.get(path, headers={"accept": "text/html"})
        script = await system.http.get(path, headers={"accept": "application/json"})
        assert browser.headers["content-type"].startswith("text/html"), path
        assert script.headers["content-type"].startswith("application/"), path
        for response in (browser, script):
            assert response.status_code in (400, 404, 422), (path, response.status_code)
            assert "accept" in response.headers["vary"].lower(), path
    varies = (await system.http.get("/v1/articles/missing")).headers["vary"].lower().split(", ")
    assert "accept" not in varies  # JSON only, whatever Accept


async def test_a_static_files_304_keeps_its_year_long_policy(system: System) -> None:
    first = await system.http.get("/static/site.css")
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = await system.http.get("/static/site.css", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == first.headers["cache-control"]  # not the default no-store


async def test_an_articles_answer_holds_only_what_its_schema_documents(system: System) -> None:
    from newsfeed_api.answers import ArticleAnswer, Card

    full = published("doc", html="<p>Body</p>", excerpt="Short", feature_image={"url": "https://x.example/a.jpg"})
    assert (await system.publish(full)).status_code == 202
    await system.caught_up()
    article = (await system.http.get("/v1/articles/doc")).json()
    assert set(article) <= set(ArticleAnswer.model_json_schema()["properties"]), set(article) - set(
        ArticleAnswer.model_json_schema()["properties"]
    )
    card = (await system.http.get("/v1/feed")).json()["items"][0]
    assert set(card) <= set(Card.model_json_schema()["properties"])


async def test_text_is_compressed_for_a_client_that_asks_and_the_live_stream_is_not(system: System) -> None:
    await system.publish(published("long", text="A long report on the storm. " * 2_000))
    await system.caught_up()
    for path in ("/articles/long", "/v1/articles/long", "/rss.xml", "/feed.json"):
        plain = await system.http.get(path, headers={"accept-encoding": "identity"})
        packed = await system.http.get(path, headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in plain.headers, path
        assert packed.headers["content-encoding"] == "gzip", path
        assert "accept-encoding" in packed.headers["vary"].lower(), path
        assert int(packed.headers["content-length"]) < len(plain.content), path
        assert packed.content == plain.content, path  # the same text once unpacked
        head = await system.http.head(path, headers={"accept-encoding": "gzip"})
        assert head.headers["content-length"] == packed.headers["content-length"], path
        again = await system.http.get(
            path, headers={"accept-encoding": "gzip", "if-none-match": packed.headers["etag"]}
        )
        assert again.status_code == 304, path
    page = await system.http.get("/articles/long", headers={"accept-encoding": "gzip"})
    assert int(page.headers["content-length"]) * 10 < len(page.content)  # a long article, a tenth of it
    async with system.http.stream("GET", "/v1/feed/events", headers={"accept-encoding": "gzip"}) as live:
        assert live.status_code == 200 and "content-encoding" not in live.headers
