"""`related-changes` tells subscribers of each list that changed as they see it, and only then.

The maintainer's lists hold exact integer scores, and a small edit of a neighbour (a word added
to its body) can move a score below the four decimals the announcement and the API show. Such a
list is stored (the next incremental step needs the exact score) but an announcement would
repeat the last one word for word: a cache purger would purge for nothing.
"""

from __future__ import annotations

from redis.asyncio import Redis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.scoring import REC_ONE, SIM_ONE, shown_score
from newsfeed_readmodel.related.settings import RelatedSettings
from newsfeed_readmodel.related.store import RelatedStore

LEASE_MS = 10_000
HALF = SIM_ONE * REC_ONE // 2  # a shown score of 0.5


async def announced(redis: Redis, keys: Keys) -> list[bytes]:
    return [fields[b"subject"] for _, fields in await redis.xrange(keys.streams.related_changes)]


async def stored(redis: Redis, keys: Keys, article_id: str) -> list[tuple[bytes, float]]:
    return list(await redis.zrange(keys.related(article_id), 0, -1, withscores=True))


async def test_a_score_moved_below_the_shown_rounding_is_stored_but_not_announced(
    redis_client: Redis, prefix: str
) -> None:
    keys = Keys(prefix)
    store = RelatedStore(redis_client, keys, RelatedSettings())
    assert await store.take_lease(LEASE_MS)
    first = [(HALF, "b"), (HALF - SIM_ONE, "c")]
    assert await store.write({"a": ([], first)}, {"a": "e1"}, position=None)
    assert await announced(redis_client, keys) == [b"a"]

    nudged = [(HALF + 7, "b"), (HALF - SIM_ONE, "c")]
    assert shown_score(nudged[0][0]) == shown_score(first[0][0])
    assert await store.write({"a": (first, nudged)}, {"b": "e2"}, position=None)
    assert await stored(redis_client, keys, "a") == [(b"b", float(-(HALF + 7))), (b"c", float(-(HALF - SIM_ONE)))]
    assert await announced(redis_client, keys) == [b"a"], "an entry that repeats the last one was announced"

    moved = [(HALF + SIM_ONE * REC_ONE // 100, "b"), (HALF - SIM_ONE, "c")]  # 0.51: shown
    reordered = [(HALF, "c"), (HALF - SIM_ONE, "b")]
    assert await store.write({"a": (nudged, moved)}, {"b": "e3"}, position=None)
    assert await store.write({"a": (moved, reordered)}, {"c": "e4"}, position=None)
    assert await announced(redis_client, keys) == [b"a", b"a", b"a"]
