"""`newsfeed migrate-keys`: a site written before hash tags (`p:...`) is served again after the move."""

from __future__ import annotations

from redis.asyncio import Redis

from newsfeed_readmodel.migration import migrate_legacy_keys
from newsfeed_schemas.streams import key_root
from tests.conftest import running_system
from tests.factories import published
from tests.redis_server import RedisServer


async def test_a_site_in_the_old_layout_is_moved_and_served_with_its_consumer_group(
    redis_server: RedisServer, redis_client: Redis, prefix: str
) -> None:
    async with running_system(redis_server.url, prefix) as system:
        for n in range(3):
            assert (await system.publish(published(f"a{n}", minutes=n))).status_code == 202
        await system.caught_up()
    # the layout an earlier newsfeed wrote: the same keys without the braces
    root = key_root(prefix)
    old_keys = [k.decode() async for k in redis_client.scan_iter(match=f"{root}:*")]
    for key in old_keys:
        await redis_client.rename(key, prefix + key[len(root) :])
    await redis_client.set(f"{root}:live", "written meanwhile by the new version")

    report = await migrate_legacy_keys(redis_client, prefix)
    assert report.moved == len(old_keys) - 1
    assert report.conflicts == [f"{prefix}:live"]  # never overwritten: left for the operator
    await redis_client.delete(f"{root}:live")
    assert (await migrate_legacy_keys(redis_client, prefix)).moved == 1
    assert [k async for k in redis_client.scan_iter(match=f"{prefix}:*")] == []

    async with running_system(redis_server.url, prefix) as system:
        assert await system.feed_ids() == ["a2", "a1", "a0"]
        groups = await system.redis.xinfo_groups(f"{key_root(prefix)}:articles")
        assert [g["name"] for g in groups] == [b"indexer"]  # the consumer group moved with its stream
        assert (await system.publish(published("a3", minutes=3))).status_code == 202
        await system.caught_up()
        assert (await system.feed_ids())[:1] == ["a3"]
