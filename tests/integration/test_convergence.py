"""Convergence: any interleaving, duplication and reordering of an event log across replicas ends in
the read model one replica reading the log in order builds (DESIGN.md, guarantee 2)."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed_readmodel.entries import StreamEntry, decode_entry
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.writer import ReadModelWriter
from newsfeed_schemas.streams import encode_fields, key_root
from tests.factories import deleted, published, unpublished, updated
from tests.readmodel_dump import canonical_dump

ARTICLES = ["a", "b", "c", "d"]
TAGS = [[{"slug": "world", "name": "World"}], [{"slug": "economy"}], [{"slug": "world"}, {"slug": "sport"}], []]
AUTHORS = [[{"slug": "anna", "name": "Anna"}], [{"slug": "ben"}]]

step = st.tuples(
    st.sampled_from(ARTICLES),
    st.sampled_from(["publish", "update", "unpublish", "delete", "publish"]),
    st.integers(0, 2),  # revision step: 0 makes a tie that the event id decides
    st.integers(0, 3),  # tags
    st.integers(0, 1),  # authors
    st.integers(0, 5),  # published_at minutes
    st.booleans(),  # slug variant
)


def build_log(steps: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Envelopes in CMS order: each article's revisions grow (or tie) along the log."""
    revisions = dict.fromkeys(ARTICLES, 1)
    log = []
    for n, (aid, op, bump, tags, authors, minutes, slug_variant) in enumerate(steps):
        revisions[aid] += bump
        revision = revisions[aid]
        event_id = f"e{n:03d}-{aid}"
        fields = {
            "revision": revision,
            "minutes": minutes,
            "tags": TAGS[tags],
            "authors": AUTHORS[authors],
            "slug": f"{aid}-{int(slug_variant)}",
            "event_id": event_id,
        }
        if op == "publish":
            log.append(published(aid, **fields))
        elif op == "update":
            log.append(updated(aid, **fields))
        elif op == "unpublish":
            log.append(unpublished(aid, revision=revision, event_id=event_id))
        else:
            log.append(deleted(aid, revision=revision, event_id=event_id))
    return log


def entries_of(log: list[dict[str, Any]]) -> list[StreamEntry]:
    entries = []
    for n, env in enumerate(log):
        fields = encode_fields(env, type_=env["type"], subject=env["subject"])
        entries.append(decode_entry(f"{n + 1}-0".encode(), {k.encode(): v for k, v in fields.items()}))
    return entries


async def run_in_order(client: aioredis.Redis, entries: list[StreamEntry], batch: int) -> str:
    prefix = f"conv{uuid.uuid4().hex[:10]}"
    store = ReadModelWriter(client, Keys(prefix))
    await store.ensure_group()
    for start in range(0, len(entries), batch):
        await store.apply(entries[start : start + batch])
    return prefix


async def run_concurrently(client: aioredis.Redis, entries: list[StreamEntry], replicas: int, seed: int) -> str:
    """Duplicate some entries, shuffle, and deal them to `replicas` appliers with batches of random size."""
    rng = random.Random(seed)
    delivered = entries + [rng.choice(entries) for _ in range(len(entries) // 3)] if entries else []
    rng.shuffle(delivered)
    prefix = f"conv{uuid.uuid4().hex[:10]}"
    keys = Keys(prefix)
    await ReadModelWriter(client, keys).ensure_group()
    shares: list[list[StreamEntry]] = [[] for _ in range(replicas)]
    for entry in delivered:
        shares[rng.randrange(replicas)].append(entry)

    async def replica(share: list[StreamEntry]) -> None:
        store = ReadModelWriter(client, keys)
        start = 0
        while start < len(share):
            size = rng.randint(1, 4)
            await store.apply(share[start : start + size])
            start += size
            await asyncio.sleep(0)

    await asyncio.gather(*(replica(share) for share in shares))
    return prefix


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(step, min_size=1, max_size=25),
    replicas=st.integers(2, 4),
    seed=st.integers(0, 2**32 - 1),
)
async def test_shuffled_duplicated_concurrent_delivery_converges(
    redis_client: aioredis.Redis, steps: list[tuple[Any, ...]], replicas: int, seed: int
) -> None:
    entries = entries_of(build_log(steps))
    assert all(e.event is not None for e in entries), [e.error for e in entries if e.error]
    expected = await run_in_order(redis_client, entries, batch=1)
    actual = await run_concurrently(redis_client, entries, replicas, seed)
    try:
        assert await canonical_dump(redis_client, actual) == await canonical_dump(redis_client, expected)
    finally:
        for prefix in (expected, actual):
            keys = [k async for k in redis_client.scan_iter(match=f"{key_root(prefix)}:*")]
            if keys:
                await redis_client.delete(*keys)


async def test_in_order_batches_match_single_entries(redis_client: aioredis.Redis) -> None:
    """Batching folds events in memory: a batch of the whole log equals one event per transaction."""
    rng = random.Random(7)
    steps = [
        (rng.choice(ARTICLES), rng.choice(["publish", "update", "unpublish", "delete"]), rng.randint(0, 2),
         rng.randint(0, 3), rng.randint(0, 1), rng.randint(0, 5), rng.random() < 0.5)
        for _ in range(60)
    ]  # fmt: skip
    entries = entries_of(build_log(steps))
    one_by_one = await run_in_order(redis_client, entries, batch=1)
    batched = await run_in_order(redis_client, entries, batch=len(entries))
    assert await canonical_dump(redis_client, batched) == await canonical_dump(redis_client, one_by_one)
