"""Downstream: the example cache purger sees every feed change; the AsyncAPI document is served."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from types import ModuleType

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


async def test_cache_purger_sees_every_change(system: System) -> None:
    purger = load_example()
    seen: dict[str, list[str]] = {}
    stop = asyncio.Event()

    def purge(event_id: str, urls: list[str]) -> None:
        seen[event_id] = urls

    task = asyncio.create_task(purger.run(system.redis, system.prefix, purge, stop=stop))
    try:
        for event in [
            published("p1", minutes=1),
            published("p2", minutes=2),
            updated("p1", revision=2, title="Edited"),
            unpublished("p2", revision=2),
            deleted("p1", revision=3),
        ]:
            assert (await system.publish(event)).status_code == 202
        await system.caught_up()
        entries = await system.redis.xrange(f"{system.prefix}:feed-changes")
        announced = {json.loads(fields[b"data"])["event_id"] for _, fields in entries}
        assert len(announced) == 5
        await eventually(lambda: asyncio.sleep(0, result=set(seen)), until=lambda s: s == announced)
        assert any("https://news.example.com/p1/" in urls for urls in seen.values())
    finally:
        stop.set()
        await task
    groups = await system.redis.xinfo_groups(f"{system.prefix}:feed-changes")
    assert [(g["name"], g["pending"]) for g in groups] == [(b"cache-purger", 0)]


async def test_asyncapi_is_served(system: System) -> None:
    response = await system.http.get("/docs/asyncapi")
    assert response.status_code == 200
    addresses = {channel["address"] for channel in response.json()["channels"].values()}
    assert f"{system.prefix}:feed-changes" in addresses
