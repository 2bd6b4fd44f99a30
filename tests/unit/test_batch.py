"""`OpBatch` knows every key its writes touch: what a cluster must see declared in KEYS."""

from __future__ import annotations

from newsfeed_readmodel.batch import OpBatch


def test_the_batch_collects_every_key_it_touches_once_in_first_use_order() -> None:
    ops = OpBatch()
    ops.expect("{s}:article:a", "version", None)
    ops.hset("{s}:article:a", "state", "published")
    ops.zadd("{s}:feed:all", {"m": 0})
    ops.delete("{s}:related:a", "{s}:related:b")
    ops.command("HINCRBY", "{s}:versions", "feed:all", 1)
    ops.xadd_once_acked("{s}:articles", "indexer", b"1-0", "{s}:articles:dead", {"error": "x"})
    ops.xack("{s}:articles", "indexer")  # no ids: no command, no key
    assert ops.keys == [
        "{s}:article:a",
        "{s}:feed:all",
        "{s}:related:a",
        "{s}:related:b",
        "{s}:versions",
        "{s}:articles",
        "{s}:articles:dead",
    ]


def test_on_one_redis_only_the_anchor_is_declared() -> None:
    ops = OpBatch()
    ops.sadd("{s}:live", "a")
    assert ops.declared(object(), "{s}:articles") == ["{s}:articles"]
