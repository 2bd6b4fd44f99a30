"""The read-model store against a real Redis: atomic apply, acknowledgement, dead letters."""

from __future__ import annotations

import orjson
import redis.asyncio as aioredis

from newsfeed_readmodel.entries import decode_entry
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.writer import ReadModelWriter
from newsfeed_schemas.streams import INDEXER_GROUP, encode_fields
from tests.factories import published, updated


async def _append(redis: aioredis.Redis, keys: Keys, fields: dict) -> bytes:
    return await redis.xadd(keys.streams.articles, fields)


async def _deliver(redis: aioredis.Redis, keys: Keys) -> list:
    reply = await redis.xreadgroup(INDEXER_GROUP, "c1", {keys.streams.articles: ">"}, count=100)
    return [decode_entry(sid, fields) for sid, fields in reply[0][1]]


def _fields(envelope: dict) -> dict:
    return encode_fields(envelope, type_=envelope["type"], subject=envelope["subject"])


async def test_a_batch_is_applied_and_acknowledged_together(redis_client: aioredis.Redis, prefix: str) -> None:
    keys = Keys(prefix)
    store = ReadModelWriter(redis_client, keys)
    await store.ensure_group()
    for envelope in (published("a"), updated("a", revision=2, title="A2"), published("b", minutes=1)):
        await _append(redis_client, keys, _fields(envelope))
    result = await store.apply(await _deliver(redis_client, keys))
    assert len(result.applied) == 3 and result.skipped == 0
    assert (await redis_client.xpending(keys.streams.articles, INDEXER_GROUP))["pending"] == 0
    assert await redis_client.zrevrangebylex(keys.feed("all"), "+", "-") == [
        m.encode() for m in sorted({s.stored.member for s in result.applied}, reverse=True)
    ]
    doc = orjson.loads(await redis_client.hget(keys.article("a"), "doc"))
    assert doc["title"] == "A2"
    assert await redis_client.xlen(keys.streams.feed_changes) == 3


async def test_undecodable_entries_go_to_the_dead_letter_stream_at_once(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    keys = Keys(prefix)
    store = ReadModelWriter(redis_client, keys)
    await store.ensure_group()
    await _append(redis_client, keys, {"data": b"{oops", "type": b"article.published", "subject": b"x"})
    await _append(redis_client, keys, {"something": b"else"})
    await _append(redis_client, keys, _fields(published("fine")))
    result = await store.apply(await _deliver(redis_client, keys))
    assert result.dead == 2 and len(result.applied) == 1
    dead = await redis_client.xrange(keys.streams.dead)
    assert [fields[b"error"].startswith(b"entry has no") for _, fields in dead] == [False, True]
    assert b"invalid" in dead[0][1][b"error"].lower() or b"json" in dead[0][1][b"error"].lower()
    assert (await redis_client.xpending(keys.streams.articles, INDEXER_GROUP))["pending"] == 0


async def test_group_starts_at_the_beginning_of_history(redis_client: aioredis.Redis, prefix: str) -> None:
    keys = Keys(prefix)
    await _append(redis_client, keys, _fields(published("early")))
    store = ReadModelWriter(redis_client, keys)
    await store.ensure_group()
    await store.ensure_group()  # idempotent
    entries = await _deliver(redis_client, keys)
    assert [e.event.subject for e in entries if e.event] == ["early"]
