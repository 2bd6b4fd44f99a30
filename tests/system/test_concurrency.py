"""Many requests at once, against a healthy Redis: each is served, none is told Redis is down."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import System
from tests.factories import published

_AT_ONCE = 200  # twice the connections a Redis client pools by default


async def test_two_hundred_concurrent_writers_and_readers_are_all_served(system: System) -> None:
    limits = httpx.Limits(max_connections=_AT_ONCE + 10)
    async with httpx.AsyncClient(base_url=system.http.base_url, limits=limits, timeout=60) as http:
        posted = await asyncio.gather(*(http.post("/v1/events", json=published(f"c{i}")) for i in range(_AT_ONCE)))
        refused = {r.text for r in posted if r.status_code != 202}
        assert [r.status_code for r in posted] == [202] * _AT_ONCE, refused
    await system.caught_up(timeout=60)
    # new connections: the server closes idle ones after a few seconds, which a reused one would meet
    async with httpx.AsyncClient(base_url=system.http.base_url, limits=limits, timeout=60) as http:
        paths = ["/v1/articles/c7", "/v1/feed", "/articles/c7"]
        read = await asyncio.gather(*(http.get(paths[i % len(paths)]) for i in range(_AT_ONCE)))
        assert [r.status_code for r in read] == [200] * _AT_ONCE, {r.text[:200] for r in read if r.status_code != 200}
