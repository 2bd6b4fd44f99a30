"""newsfeed on a Redis Cluster while an operator reshards: a site's slot moves to another master live.

The move is the standard live resharding protocol (what `redis-cli --cluster reshard` does), done
with plain redis-py commands on each node: IMPORTING on the target, MIGRATING on the source, MIGRATE
the slot's keys in batches, then SETSLOT NODE everywhere. Meanwhile a CMS keeps posting; every
event it was answered 2xx for must end up in the feed, once.

What the CMS sees meanwhile (Redis 7.0; run with -s for the tally by state): 202 until the source is
MIGRATING, then 503 + Retry-After while the slot's keys are split between the two masters (Redis
answers ASK or TRYAGAIN for the append), then 202 again as soon as the target owns the slot (the
publisher follows the MOVED at once). The indexer treats the migration as an outage, not as poison:
nothing is dead-lettered for it. Nothing acknowledged is lost: the CMS retries every 503 and the
retries are deduplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from newsfeed_schemas.streams import key_root
from tests.conftest import System, running_system
from tests.redis_cluster import HOST, LocalCluster, LocalClusterNode, local_cluster
from tests.system.test_related import TALKS, story
from tests.waiting import eventually

__all__ = ["local_cluster"]  # the fixture, used by name

SITE = "site-reshard"
BATCH = 100  # keys per CLUSTER GETKEYSINSLOT / MIGRATE round, as redis-cli's default pipeline


@dataclass
class Cms:
    """A CMS that keeps posting: the ids answered 2xx, and every answer tallied by the slot's state."""

    state: str = "served by the source"
    accepted: list[str] = field(default_factory=list)
    answers: dict[str, Counter[str]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)  # anything but 2xx, 503 or a failed connection

    @property
    def answered(self) -> int:
        return sum(sum(tally.values()) for tally in self.answers.values())

    def _note(self, answer: str) -> None:
        self.answers.setdefault(self.state, Counter())[answer] += 1

    async def post_until(self, system: System, stop: asyncio.Event) -> None:
        """Keep publishing, retrying 503s and failed connections as the docs say; stop on anything else."""
        n = 0
        while not stop.is_set():
            event = story(f"post-{n}", f"Story {n}", TALKS, minutes=n)
            while True:
                try:
                    response = await system.publish(event)
                except Exception as exc:  # the connection itself failed: retry, as a CMS would
                    self._note(type(exc).__name__)
                    await asyncio.sleep(0.1)
                    continue
                self._note(str(response.status_code))
                if response.status_code in (200, 202):
                    self.accepted.append(event["subject"])
                    break
                if response.status_code != 503:
                    self.unexpected.append(f"{event['subject']}: {response.status_code} {response.text[:300]}")
                    return
                await asyncio.sleep(0.1)
            n += 1

    async def wait_accepted(self, count: int, timeout: float) -> None:
        await eventually(
            lambda: asyncio.sleep(0, (len(self.accepted), self.unexpected)),
            until=lambda seen: seen[0] >= count or bool(seen[1]),
            timeout=timeout,
        )
        assert not self.unexpected, self.unexpected

    async def post_in(self, state: str) -> None:
        """The slot is now in `state`: wait until the CMS has had two answers in it (posts did reach it)."""
        self.state, target = state, self.answered + 2
        await eventually(
            lambda: asyncio.sleep(0, (self.answered, self.unexpected)),
            until=lambda seen: seen[0] >= target or bool(seen[1]),
            timeout=30,
        )
        assert not self.unexpected, self.unexpected


def _raw(node: LocalClusterNode) -> redis.Redis:
    """A plain client of one node; keys come back as bytes, as they are."""
    return redis.Redis(host=HOST, port=node.port, socket_connect_timeout=2, socket_timeout=10)


async def _on(node: LocalClusterNode, *command: Any) -> Any:
    """One command on one node, in a thread: the event loop (and the CMS) keeps going meanwhile."""

    def call() -> Any:
        with contextlib.closing(_raw(node)) as client:
            return client.execute_command(*command)  # type: ignore[no-untyped-call]

    return await asyncio.to_thread(call)


async def move_slot(
    slot: int,
    source: LocalClusterNode,
    target: LocalClusterNode,
    masters: list[LocalClusterNode],
    step: Callable[[str], Awaitable[None]],
) -> int:
    """Move `slot` from `source` to `target` live, as `redis-cli --cluster reshard` does; the keys moved.

    `step(state)` is awaited after each change of the slot's state, to let the CMS post in it.
    """
    source_id = (await _on(source, "CLUSTER", "MYID")).decode()
    target_id = (await _on(target, "CLUSTER", "MYID")).decode()
    await _on(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
    await step("importing")
    await _on(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
    await step("migrating")
    moved = 0
    while keys := await _on(source, "CLUSTER", "GETKEYSINSLOT", slot, BATCH):
        await _on(source, "MIGRATE", HOST, target.port, "", 0, 5000, "KEYS", *keys)
        moved += len(keys)
        await step(f"migrating, {moved} keys moved")
    await _on(target, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
    await step("owned by the target, source still migrating")
    await _on(source, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
    await step("owned by the target, as source and target see it")
    for node in masters:
        if node.port not in (source.port, target.port):
            await _on(node, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
    return moved


async def feed_ids(system: System) -> list[str]:
    """Every card of the feed, paged through with `next_cursor`."""
    body: dict[str, Any] = await system.feed(limit=100)
    ids = [card["id"] for card in body["items"]]
    while body.get("next_cursor"):
        body = await system.feed(limit=100, cursor=body["next_cursor"])
        ids += [card["id"] for card in body["items"]]
    return ids


@pytest.mark.timeout(300)
async def test_a_sites_slot_moves_to_another_master_while_its_cms_keeps_posting(local_cluster: LocalCluster) -> None:
    slot = key_slot(key_root(SITE).encode())
    source = local_cluster.master_of_slot(slot)
    masters = local_cluster.masters_now()
    target = next(node for node in masters if node.port != source.port)
    async with running_system(local_cluster.url, SITE) as system:
        cms = Cms()
        stop = asyncio.Event()
        poster = asyncio.create_task(cms.post_until(system, stop))
        try:
            await cms.wait_accepted(50, timeout=60)
            started = time.monotonic()
            moved = await move_slot(slot, source, target, masters, cms.post_in)
            moving_s = time.monotonic() - started
            cms.state = "moved"
            await asyncio.to_thread(local_cluster.wait_healthy, 30)  # every node agrees: the target serves it
            await cms.wait_accepted(len(cms.accepted) + 30, timeout=90)
        finally:
            stop.set()
            await poster
        assert not cms.unexpected, cms.unexpected
        await system.caught_up(timeout=120)

        shown = await feed_ids(system)
        missing = [article for article in cms.accepted if article not in set(shown)]
        assert not missing, f"acknowledged but not in the feed: {missing}"
        assert len(shown) == len(set(shown)), [article for article, count in Counter(shown).items() if count > 1]

    assert local_cluster.master_of_slot(slot).port == target.port
    assert await _on(source, "CLUSTER", "COUNTKEYSINSLOT", slot) == 0
    assert await _on(target, "CLUSTER", "COUNTKEYSINSLOT", slot) >= moved
    print(  # shown with -s: what the CMS saw while the slot moved
        f"\nslot {slot} {source.address} -> {target.address}: {moved} keys in {moving_s:.2f}s; "
        f"{len(cms.accepted)} accepted; answers by state: { {k: dict(v) for k, v in cms.answers.items()} }"
    )
