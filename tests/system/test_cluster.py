"""newsfeed on a Redis Cluster (3 masters, 3 replicas, on loopback): the same code, one slot per site."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.cluster import key_slot

from newsfeed_schemas.streams import key_root
from tests.conftest import System, running_system
from tests.redis_cluster import LocalCluster, cluster_client, local_cluster
from tests.system.test_related import CEASEFIRE, FOOTBALL, TALKS, UKRAINE, story
from tests.waiting import eventually

__all__ = ["local_cluster"]  # the fixture, used by name

CANDIDATES = [f"site-{letter}" for letter in "abcdefghijklmnop"]


def sites_on_distinct_masters(cluster: LocalCluster, count: int) -> list[str]:
    """`count` site prefixes whose slots are served by different masters (when there are enough)."""
    chosen: dict[int, str] = {}
    for site in CANDIDATES:
        master = cluster.master_of_slot(key_slot(key_root(site).encode())).port
        chosen.setdefault(master, site)
    assert len(chosen) >= min(count, 3)
    return list(chosen.values())[:count]


async def publish_site(system: System, site: str) -> None:
    events = [
        story(f"{site}-lavrov", "Lavrov rules out concessions", UKRAINE),
        story(f"{site}-talks", "Peace talks open", TALKS, minutes=1),
        story(f"{site}-ceasefire", "Ceasefire talks", CEASEFIRE, minutes=2),
        story(f"{site}-final", "Cup final", FOOTBALL, minutes=3),
    ]
    for event in events:
        assert (await system.publish(event)).status_code == 202
    await system.caught_up(timeout=60)


async def test_three_sites_publish_and_read_each_in_its_own_slot(local_cluster: LocalCluster) -> None:
    sites = sites_on_distinct_masters(local_cluster, 3)
    for site in sites:
        async with running_system(local_cluster.url, site) as system:
            await publish_site(system, site)
            assert await system.feed_ids() == [f"{site}-final", f"{site}-ceasefire", f"{site}-talks", f"{site}-lavrov"]
            related = (await system.http.get(f"/v1/articles/{site}-lavrov/related")).json()["items"]
            assert {card["id"] for card in related[:2]} == {f"{site}-talks", f"{site}-ceasefire"}
            page = await system.http.get(f"/articles/{site}-talks")
            assert page.status_code == 200 and "Peace talks open" in page.text
    client = cluster_client(local_cluster)
    try:
        for site in sites:
            slots = {key_slot(k) async for k in client.scan_iter(match=f"{key_root(site)}:*", count=1000)}
            assert slots == {key_slot(key_root(site).encode())}  # every key and stream of the site: one slot
    finally:
        await client.aclose()
    masters = {local_cluster.master_of_slot(key_slot(key_root(s).encode())).port for s in sites}
    assert len(masters) >= 2


async def _post_until(system: System, stop: asyncio.Event, accepted: list[str]) -> None:
    """A CMS that keeps publishing, retrying every 503 like the docs say; the ids answered 2xx."""
    n = 0
    while not stop.is_set():
        event = story(f"post-{n}", f"Story {n}", TALKS, minutes=n)
        while True:
            try:
                response = await system.publish(event)
            except Exception:  # the connection itself failed: retry, as a CMS would
                response = None
            if response is not None and response.status_code in (200, 202):
                accepted.append(event["subject"])
                break
            assert response is None or response.status_code == 503, response.text
            await asyncio.sleep(0.1)
        n += 1


@pytest.mark.timeout(300)
async def test_kill_of_the_sites_master_loses_no_acknowledged_event(local_cluster: LocalCluster) -> None:
    (site,) = sites_on_distinct_masters(local_cluster, 1)
    master = local_cluster.master_of_slot(key_slot(key_root(site).encode()))
    async with running_system(local_cluster.url, site) as system:
        accepted: list[str] = []
        stop = asyncio.Event()
        poster = asyncio.create_task(_post_until(system, stop, accepted))
        await eventually(lambda: asyncio.sleep(0, len(accepted)), until=lambda n: n >= 20, timeout=60)
        local_cluster.kill(master)
        await asyncio.to_thread(local_cluster.wait_failover, master)
        # The promoted replica has no replica of its own: nothing is acknowledged (503) until the
        # old master comes back and rejoins as its replica, as an operator would bring it back.
        await asyncio.to_thread(local_cluster.restart, master)
        before = len(accepted)
        await eventually(lambda: asyncio.sleep(0, len(accepted)), until=lambda n: n >= before + 20, timeout=90)
        stop.set()
        await poster

        async def feed() -> list[str]:
            body: dict[str, Any] = (await system.http.get("/v1/feed", params={"limit": 100})).json()
            ids = list(body["items"])
            while body.get("next_cursor"):
                body = (await system.http.get("/v1/feed", params={"limit": 100, "cursor": body["next_cursor"]})).json()
                ids += body["items"]
            return [card["id"] for card in ids]

        shown = await eventually(feed, until=lambda ids: set(accepted) <= set(ids), timeout=120)
        assert set(accepted) <= set(shown)
