"""Poison entries go to `{prefix}:articles:dead` at once; operators list and replay them."""

from __future__ import annotations

import orjson

from newsfeed_readmodel.dead_letters import list_dead, replay_dead
from newsfeed_readmodel.keys import Keys
from tests.conftest import System
from tests.factories import published


async def test_undecodable_entry_is_dead_lettered_and_the_rest_flows_on(system: System) -> None:
    keys = Keys(system.prefix)
    bad_id = await system.redis.xadd(keys.streams.articles, {"data": b"{not json", "type": b"x", "subject": b"s"})
    assert (await system.publish(published("fine"))).status_code == 202
    stats = await system.caught_up()
    assert stats["dead"] == 1
    assert await system.feed_ids() == ["fine"]
    (letter,) = await list_dead(system.redis, keys)
    assert letter.source_id == bad_id.decode()
    assert letter.data == "{not json"
    assert letter.error


async def test_replay_re_drives_a_fixed_event(system: System) -> None:
    keys = Keys(system.prefix)
    envelope = published("second-chance")
    await system.redis.xadd(keys.streams.articles, {"data": orjson.dumps(envelope)})  # no type/subject fields
    await system.redis.xadd(keys.streams.dead, {"data": orjson.dumps(envelope), "error": b"boom", "source_id": b"1-0"})
    await system.caught_up()
    letters = await list_dead(system.redis, keys)
    assert len(letters) == 1
    assert await replay_dead(system.redis, keys, [letters[0].id, "999-0"]) == 1
    assert await list_dead(system.redis, keys) == []
    await system.caught_up()
    assert await system.feed_ids() == ["second-chance"]


async def test_replay_all(system: System) -> None:
    keys = Keys(system.prefix)
    for n in range(3):
        envelope = published(f"a{n}", minutes=n)
        await system.redis.xadd(keys.streams.dead, {"data": orjson.dumps(envelope), "error": b"boom"})
    assert await replay_dead(system.redis, keys) == 3
    await system.caught_up()
    assert await system.feed_ids() == ["a2", "a1", "a0"]
    assert (await system.stats())["dead"] == 0


async def test_replay_all_replays_each_letter_once_while_they_fail_again(system: System) -> None:
    # the indexer dead-letters the replayed entries anew, behind the ones still to replay:
    # a replay that read on to the stream's end took those up too, round after round
    keys = Keys(system.prefix)
    count = 2_000
    async with system.redis.pipeline(transaction=False) as pipe:
        for n in range(count):
            pipe.xadd(keys.streams.dead, {"data": b'{"still": "broken %d"}' % n, "error": b"boom"})
        await pipe.execute()
    assert await replay_dead(system.redis, keys) == count
    stats = await system.caught_up()
    assert stats["dead"] == count
    assert stats["stream_length"] == count
