"""Downstream: the example cache purger sees every feed change; the AsyncAPI document is served."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from types import ModuleType

from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import deleted, published, unpublished, updated
from tests.waiting import eventually

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cache_purger.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cache_purger", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_cache_purger_purges_the_keys_of_every_change(system: System) -> None:
    purger = load_example()
    purged: dict[str, set[str]] = {}
    stop = asyncio.Event()

    async def purge(event_id: str, keys: list[str]) -> None:
        purged.setdefault(event_id, set()).update(keys)

    task = asyncio.create_task(purger.run(system.redis, system.prefix, purge, stop=stop))
    try:
        assert (await system.publish(published("p1", minutes=1))).status_code == 202
        await system.caught_up()
        cached = {  # what a CDN would hold, with the keys it was told
            path: set((await system.http.get(path)).headers["surrogate-key"].split())
            for path in ("/v1/feed", "/", "/tag/world", "/articles/p1", "/v1/articles/p1")
        }
        for event in [
            published("p2", minutes=2),
            updated("p1", revision=2, title="Edited"),
            unpublished("p2", revision=2),
            deleted("p1", revision=3),
        ]:
            assert (await system.publish(event)).status_code == 202
        await system.caught_up()
        entries = await system.redis.xrange(f"{key_root(system.prefix)}:feed-changes")
        announced = {json.loads(fields[b"data"])["event_id"] for _, fields in entries}
        assert len(announced) == 5
        await eventually(lambda: asyncio.sleep(0, result=set(purged)), until=lambda seen: announced <= seen)
        every_key = set().union(*purged.values())
        for path, keys in cached.items():  # every cached answer of p1 is purged by some key it carries
            assert keys & every_key, path
        assert {"article:p1", "feed:all", "feed:tag:world", "feed:author:anna"} <= every_key
    finally:
        stop.set()
        await task
    for stream in ("feed-changes", "related-changes"):
        groups = await system.redis.xinfo_groups(f"{key_root(system.prefix)}:{stream}")
        assert [(g["name"], g["pending"]) for g in groups] == [(b"cache-purger", 0)]


async def test_surrogate_keys_stay_within_what_a_cdn_takes_and_the_purger_names_them_alike(system: System) -> None:
    # Fastly takes keys of up to 1 KB in a header of up to 16 KB; an id of 200 emoji is 2,400
    # characters percent-encoded
    purger = load_example()
    long_ids = [f"{n:02d}" + "\U0001f600" * 198 for n in range(20)]
    for n, article_id in enumerate(long_ids):
        envelope = published(article_id, event_id=f"long-{n}", slug=f"long-{n}", url=None, minutes=n)
        response = await system.publish(envelope)
        assert response.status_code == 202, response.text
    await system.caught_up()
    for path in ("/v1/feed?tag=world", "/tag/world", "/rss.xml?tag=world", "/articles/long-3", "/articles/nope"):
        header = (await system.http.get(path)).headers["surrogate-key"]
        assert len(header) < 16_384 and all(len(key) <= 100 for key in header.split()), path
    page_keys = set((await system.http.get("/articles/long-3")).headers["surrogate-key"].split())
    change = {"article_id": long_ids[3], "feeds": [{"feed": "tag:world"}]}
    assert set(purger.surrogate_keys(b"feed.changed", change)) <= page_keys | {"feed:tag:world"}
    assert purger.surrogate_keys(b"related.changed", change)[0] in page_keys


async def test_asyncapi_is_served(system: System) -> None:
    response = await system.http.get("/docs/asyncapi")
    assert response.status_code == 200
    addresses = {channel["address"] for channel in response.json()["channels"].values()}
    assert f"{key_root(system.prefix)}:feed-changes" in addresses
