"""newsfeed on a Redis Cluster (3 masters, 3 replicas, on loopback): the same code, one slot per site."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.cluster import key_slot

from newsfeed_schemas.streams import key_root
from tests.conftest import System, running_system
from tests.processes import NewsfeedProcess
from tests.redis_cluster import LocalCluster, cluster_client, local_cluster
from tests.system.test_cluster_reshard import Cms
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


@pytest.mark.timeout(300)
async def test_kill_of_the_sites_master_loses_no_acknowledged_event(local_cluster: LocalCluster) -> None:
    (site,) = sites_on_distinct_masters(local_cluster, 1)
    master = local_cluster.master_of_slot(key_slot(key_root(site).encode()))
    async with running_system(local_cluster.url, site) as system:
        cms, stop = Cms(state="served by its master"), asyncio.Event()
        poster = asyncio.create_task(cms.post_until(system, stop))
        await cms.wait_accepted(20, timeout=60)
        local_cluster.kill(master)
        cms.state = "failing over"
        await asyncio.to_thread(local_cluster.wait_failover, master)
        # The promoted replica has no replica of its own: nothing is acknowledged (503) until the
        # old master comes back and rejoins as its replica, as an operator would bring it back.
        await asyncio.to_thread(local_cluster.restart, master)
        cms.state = "after the failover"
        await cms.wait_accepted(len(cms.accepted) + 20, timeout=90)
        stop.set()
        await poster
        accepted = cms.accepted

        async def feed() -> list[str]:
            body: dict[str, Any] = (await system.http.get("/v1/feed", params={"limit": 100})).json()
            ids = list(body["items"])
            while body.get("next_cursor"):
                body = (await system.http.get("/v1/feed", params={"limit": 100, "cursor": body["next_cursor"]})).json()
                ids += body["items"]
            return [card["id"] for card in ids]

        shown = await eventually(feed, until=lambda ids: set(accepted) <= set(ids), timeout=120)
        assert set(accepted) <= set(shown)


@pytest.mark.timeout(300)
async def test_a_publisher_started_while_its_master_has_no_replica_acknowledges_nothing(
    local_cluster: LocalCluster,
) -> None:
    (site,) = sites_on_distinct_masters(local_cluster, 1)
    async with running_system(local_cluster.url, site) as system:  # sees the master's replica
        assert (await system.publish(story(f"{site}-before", "Peace talks open", TALKS))).status_code == 202
    master = local_cluster.master_of_slot(key_slot(key_root(site).encode()))
    local_cluster.kill(master)
    await asyncio.to_thread(local_cluster.wait_failover, master)
    try:
        # restarted now, the publisher finds the promoted replica alone: a second failure would
        # lose what it acknowledged, so it acknowledges nothing until a replica holds it
        async with running_system(local_cluster.url, site, publisher={"replica_timeout_ms": 300}) as system:
            answer = await system.publish(story(f"{site}-during", "Ceasefire talks", CEASEFIRE))
            assert answer.status_code == 503, answer.text
            assert "retry-after" in answer.headers
    finally:
        await asyncio.to_thread(local_cluster.restart, master)


async def test_reindex_rebuilds_a_sites_feeds_and_related_lists_on_a_cluster(local_cluster: LocalCluster) -> None:
    site = sites_on_distinct_masters(local_cluster, 2)[1]
    async with running_system(local_cluster.url, site) as system:
        await publish_site(system, site)
        before = await system.feed_ids()
        client = cluster_client(local_cluster)
        try:
            await client.delete(f"{key_root(site)}:feed:all")  # as a model an older version left
        finally:
            await client.aclose()
        assert await system.feed_ids() == []
        command = [sys.executable, "-m", "newsfeed", "reindex", "--related", "--redis-url", local_cluster.url]
        done = await asyncio.to_thread(
            subprocess.run, [*command, "--prefix", site], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        assert await system.feed_ids() == before
        related = (await system.http.get(f"/v1/articles/{site}-lavrov/related")).json()["items"]
        assert {card["id"] for card in related[:2]} == {f"{site}-talks", f"{site}-ceasefire"}


async def test_a_service_starts_while_its_first_seed_node_is_down(local_cluster: LocalCluster) -> None:
    # REDIS_URL may name several nodes: any one that answers is enough to learn the cluster
    from newsfeed.embedded import free_port
    from newsfeed_runtime.redis import connect

    live = local_cluster.url.removeprefix("redis://")
    client = connect(f"redis://127.0.0.1:{free_port()},{live}")
    try:
        await client.set("{seeds}:probe", b"1")
        assert await client.get("{seeds}:probe") == b"1"
    finally:
        await client.delete("{seeds}:probe")
        await client.aclose()


async def test_the_services_start_from_a_list_of_seed_nodes(local_cluster: LocalCluster, tmp_path: Path) -> None:
    # REDIS_URL as compose.cluster.yml gives it: the first seed with its scheme, the others
    # host:port; the first does not answer. Each command starts, and the event goes through.
    from newsfeed.embedded import free_port

    seeds = ",".join([f"redis://127.0.0.1:{free_port()}", *(node.address for node in local_cluster.nodes[:2])])
    site, token = "seeded", "s3cret"
    ports = {"publisher": free_port(), "api": free_port()}
    common = ["--redis-url", seeds, "--prefix", site]
    commands = {
        "publisher": ["publisher", "--port", str(ports["publisher"]), *common],
        "indexer": ["indexer", "--port", "0", *common],
        "api": ["api", "--port", str(ports["api"]), *common],
    }
    env = {"NEWSFEED_PUBLISHER_TOKEN": token}
    services = [NewsfeedProcess(args, tmp_path / f"{name}.log", env=env).start() for name, args in commands.items()]
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            event = story("seeded-1", "Peace talks open", TALKS)

            def running() -> None:  # a command that refused to start fails the test at once
                for service in services:
                    assert service.process is not None and service.process.poll() is None, service.log()[-2000:]

            async def post() -> int:
                running()
                try:
                    url = f"http://127.0.0.1:{ports['publisher']}/v1/events"
                    answer = await http.post(url, json=event, headers={"authorization": f"Bearer {token}"})
                    return answer.status_code
                except httpx.TransportError:
                    return 0  # not listening yet

            assert await eventually(post, until=lambda status: status == 202, timeout=60) == 202

            async def read() -> int:
                running()
                try:
                    return (await http.get(f"http://127.0.0.1:{ports['api']}/v1/articles/seeded-1")).status_code
                except httpx.TransportError:
                    return 0

            await eventually(read, until=lambda status: status == 200, timeout=60)
    finally:
        for service in services:
            service.stop()
    for service in services:
        assert "Traceback" not in service.log() and "refusing to start" not in service.log(), service.log()[-3000:]


async def test_a_wrong_cluster_password_is_an_outage(local_cluster: LocalCluster, tmp_path: Path) -> None:
    # As on a single Redis: the commands say so in one line, the services start, answer 503 and
    # retry, so a corrected ACL (or a Redis restarted with the right password) brings them back.
    from newsfeed.embedded import free_port

    seeds = ",".join(f"redis://ghost:wrong@{node.address}" for node in local_cluster.nodes[:2])
    stats = subprocess.run(
        [sys.executable, "-m", "newsfeed", "stats", "--redis-url", seeds],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = stats.stdout + stats.stderr
    assert stats.returncode == 2, said
    assert "unavailable" in said and "Traceback" not in said
    assert "wrong" not in said  # the password is not echoed

    port = free_port()
    env = {"NEWSFEED_PUBLISHER_TOKEN": "s3cret"}
    publisher = NewsfeedProcess(["publisher", "--port", str(port), "--redis-url", seeds], tmp_path / "p.log", env=env)
    indexer = NewsfeedProcess(["indexer", "--port", "0", "--redis-url", seeds], tmp_path / "i.log")
    services = [publisher.start(), indexer.start()]
    try:
        async with httpx.AsyncClient(timeout=5) as http:

            async def post() -> int:
                for service in services:
                    assert service.process is not None and service.process.poll() is None, service.log()[-2000:]
                try:
                    event = story("pw-1", "Peace talks open", TALKS)
                    answer = await http.post(
                        f"http://127.0.0.1:{port}/v1/events", json=event, headers={"authorization": "Bearer s3cret"}
                    )
                    return answer.status_code
                except httpx.TransportError:
                    return 0  # not listening yet

            assert await eventually(post, until=lambda status: status != 0, timeout=60) == 503

            async def indexer_retrying() -> bool:
                return "Redis unavailable" in indexer.log()

            await eventually(indexer_retrying, timeout=30)
            assert indexer.process is not None and indexer.process.poll() is None, indexer.log()[-2000:]
    finally:
        for service in services:
            service.stop()
    for service in services:
        assert "Traceback" not in service.log(), service.log()[-3000:]


@pytest.mark.timeout(300)
async def test_the_publisher_finds_the_promoted_replica_by_itself(tmp_path: Path) -> None:
    # The master of the site's slot dies for good while a CMS posts. Its replica is promoted and
    # the other replica follows it, so a replica can hold an event again: the publisher must learn
    # the new layout from the refused connections alone (it answered 503 until something else,
    # a readiness probe, refreshed its view of the cluster).
    with LocalCluster(tmp_path / "cluster", masters=3, replicas_per_master=2) as cluster:
        (site,) = sites_on_distinct_masters(cluster, 1)
        master = cluster.master_of_slot(key_slot(key_root(site).encode()))
        async with running_system(cluster.url, site, publisher={"replica_timeout_ms": 500}) as system:
            cms, stop = Cms(state="served by its master"), asyncio.Event()
            poster = asyncio.create_task(cms.post_until(system, stop))
            try:
                await cms.wait_accepted(5, timeout=60)
                cluster.kill(master)
                cms.state = "failing over"
                await asyncio.to_thread(cluster.wait_failover, master, 30.0)
                cms.state = "after the failover"
                await cms.wait_accepted(len(cms.accepted) + 5, timeout=60)
            finally:
                stop.set()
                poster.cancel()  # it retries a 503 until accepted: on a failure, that is for good
                await asyncio.gather(poster, return_exceptions=True)
            assert not cms.unexpected, cms.unexpected
            assert cms.answers["after the failover"]["202"] >= 5, cms.answers
