"""The retry cap: an entry that keeps failing is dead-lettered after `max_deliveries`; one that was
merely re-delivered often (its replicas died) is applied, not dead-lettered."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from newsfeed_indexer.applier import Applier
from newsfeed_indexer.recovery import Reclaimer
from newsfeed_indexer.settings import IndexerSettings
from newsfeed_readmodel.dead_letters import list_dead
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.projection import Transition
from newsfeed_readmodel.writer import ReadModelWriter
from newsfeed_schemas.streams import INDEXER_GROUP, encode_fields
from tests.factories import published
from tests.waiting import eventually


class FailsFor:
    """A projector that raises for one article: a poison event that decodes fine."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id

    async def prepare(self, transitions: list[Transition]) -> Any:
        if any(t.article_id == self.article_id for t in transitions):
            raise ValueError(f"cannot index {self.article_id}")

    def write(self, pipe: Any, prepared: Any) -> None:
        return None


async def _setup(client: aioredis.Redis, prefix: str, poison: str) -> tuple[Reclaimer, Keys]:
    keys = Keys(prefix)
    store = ReadModelWriter(client, keys, projectors=[FailsFor(poison)])
    await store.ensure_group()
    settings = IndexerSettings(prefix=prefix, consumer="claimer", claim_idle_ms=100, max_deliveries=2)
    return Reclaimer(client, Applier(store), settings, keys), keys


async def _add(client: aioredis.Redis, keys: Keys, article_id: str) -> bytes:
    env = published(article_id)
    return bytes(await client.xadd(keys.streams.articles, encode_fields(env, type_=env["type"], subject=article_id)))  # type: ignore[arg-type]


async def test_poison_is_dead_lettered_after_max_deliveries(redis_client: aioredis.Redis, prefix: str) -> None:
    reclaimer, keys = await _setup(redis_client, prefix, poison="poison")
    poison_id = await _add(redis_client, keys, "poison")
    await _add(redis_client, keys, "fine")
    await redis_client.xreadgroup(INDEXER_GROUP, "dead-replica", {keys.streams.articles: ">"})  # then it "dies"

    async def claim_and_count() -> int:
        reclaimer._cursor = "0-0"
        await reclaimer.claim_idle()
        return int(await redis_client.xlen(keys.streams.dead))

    await eventually(claim_and_count, until=lambda n: n == 1, timeout=15)
    (letter,) = await list_dead(redis_client, keys)
    assert letter.source_id == poison_id.decode()
    assert "cannot index poison" in letter.error
    assert await redis_client.sismember(keys.live, "fine")
    assert (await redis_client.xpending(keys.streams.articles, INDEXER_GROUP))["pending"] == 0


async def test_often_redelivered_but_healthy_entry_is_applied(redis_client: aioredis.Redis, prefix: str) -> None:
    reclaimer, keys = await _setup(redis_client, prefix, poison="nothing")
    entry_id = await _add(redis_client, keys, "survivor")
    await redis_client.xreadgroup(INDEXER_GROUP, "r1", {keys.streams.articles: ">"})
    for n in range(4):  # claimed by replicas that died before applying it: delivered 5 times
        await redis_client.xclaim(keys.streams.articles, INDEXER_GROUP, f"r{n + 2}", 0, [entry_id])

    async def claim() -> bool:
        reclaimer._cursor = "0-0"
        await reclaimer.claim_idle()
        return bool(await redis_client.sismember(keys.live, "survivor"))

    await eventually(claim, timeout=15)
    assert await redis_client.xlen(keys.streams.dead) == 0
