"""The related maintainer's lease: kept while it leads, and leaving it never hangs.

redis-py can swallow a CancelledError that arrives in the middle of a command (it happened
on a cluster while a slot migrated). The renewal of the lease must stop all the same:
otherwise the maintainer, leaving its lead after an outage, waits for the renewal for good
and never starts over, and every related list stops moving.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.settings import RelatedSettings
from newsfeed_readmodel.related.store import RelatedStore
from tests.waiting import eventually

TTL_MS = 300  # renewed every 0.1 s


class SwallowingStore(RelatedStore):
    """A store whose renewal swallows a cancel that arrives while its command is in flight."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        super().__init__(redis, Keys(prefix), RelatedSettings())
        self.in_flight = asyncio.Event()
        self.renewals = 0
        self.swallowing = True

    async def take_lease(self, ttl_ms: int, *, force: bool = False, renew: bool = False) -> bool:
        self.renewals += 1
        self.in_flight.set()
        try:
            await asyncio.sleep(0.05)  # the command's round trip
        except asyncio.CancelledError:
            if not self.swallowing:
                raise
            # what redis-py did: the cancel is lost, the command goes on
        return await super().take_lease(ttl_ms, force=force)


async def holder(redis: Redis, store: RelatedStore) -> bytes | None:
    value: bytes | None = await redis.hget(store.keys.related_lease, "holder")
    return value


async def test_the_lease_is_renewed_while_the_block_runs(redis_client: Redis, prefix: str) -> None:
    store = RelatedStore(redis_client, Keys(prefix), RelatedSettings())
    assert await store.take_lease(TTL_MS)
    async with store.lease_kept(TTL_MS):
        started = asyncio.get_running_loop().time()
        # three times the lease's time to live: without renewals it would have lapsed
        while asyncio.get_running_loop().time() - started < 3 * TTL_MS / 1000:
            assert await holder(redis_client, store) == store.holder.encode()
            await asyncio.sleep(0.02)


async def test_leaving_the_block_does_not_wait_for_a_renewal_that_swallowed_its_cancel(
    redis_client: Redis, prefix: str
) -> None:
    store = SwallowingStore(redis_client, prefix)
    assert await store.take_lease(TTL_MS)

    async def lead_until_a_renewal_is_in_flight() -> None:
        async with store.lease_kept(TTL_MS):
            store.in_flight.clear()
            await store.in_flight.wait()  # leave while a renewal's command is running

    leading = asyncio.create_task(lead_until_a_renewal_is_in_flight())
    done, _ = await asyncio.wait({leading}, timeout=5)
    if not done:  # end the test's tasks before failing it
        store.swallowing = False
        leading.cancel()
    assert done, "leaving lease_kept waits for a renewal that swallowed its cancel"
    # and the renewal has stopped: the lease lapses once nobody renews it
    await eventually(lambda: holder(redis_client, store), until=lambda h: h is None, timeout=5)
    renewals = store.renewals
    await redis_client.hset(store.keys.related_lease, "holder", "someone else")
    await eventually(lambda: holder(redis_client, store), until=lambda h: h == b"someone else", timeout=1)
    assert store.renewals == renewals


async def test_a_holder_paused_past_its_lease_does_not_take_it_back_by_renewing(
    redis_client: Redis, prefix: str
) -> None:
    # A maintainer frozen mid-rebuild (SIGSTOP) while another took the lease, rebuilt and let it go:
    # thawed, its renewal must not win the lease back, or its stale lists would be written.
    paused = RelatedStore(redis_client, Keys(prefix), RelatedSettings())
    other = RelatedStore(redis_client, Keys(prefix), RelatedSettings())
    assert await paused.take_lease(TTL_MS)
    await redis_client.delete(Keys(prefix).related_lease)  # it lapsed while the process was stopped
    assert await other.take_lease(TTL_MS)
    await other.release_lease()
    assert not await paused.take_lease(TTL_MS, renew=True)
    assert not await paused.write_chunked({"a": ([], [(1, "b")])}, "evt")  # its fenced writes are refused
    assert await redis_client.exists(Keys(prefix).related("a")) == 0
    assert await paused.take_lease(TTL_MS)  # starting over, it may lead again
