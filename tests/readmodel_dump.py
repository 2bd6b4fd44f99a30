"""A canonical dump of one prefix's read model, for comparing two runs of the same event log.

Streams (the event log, the change announcements, dead letters) are left out: announcements
follow delivery order by nature, as do the change counters behind HTTP validators
(`versions`). A tombstone is dumped as its state only: which of two deletes
of one article is remembered depends on arrival order and changes nothing a reader sees.
"""

from __future__ import annotations

from typing import Any

import orjson
import redis
import redis.asyncio as aioredis

from newsfeed_schemas.streams import key_root

__all__ = ["canonical_dump", "canonical_dump_sync"]


def _canonical(prefix: str, key: str, kind: str, value: Any) -> tuple[str, Any] | None:
    name = key[len(key_root(prefix)) + 1 :]
    if name.startswith(("dedupe:", "probe:")) or name in ("versions", "related-state", "related-lease"):
        return None  # remembered event ids, probes, change counters, the related maintainer's bookkeeping
    if kind == "hash":
        fields = {k.decode(): v.decode() for k, v in value.items()}
        if name.startswith("article:") and fields.get("state") == "deleted":
            fields = {"state": "deleted"}
        if "doc" in fields:
            fields["doc"] = orjson.loads(fields["doc"])
        return name, fields
    if kind == "zset":
        return name, [(m.decode(), s) for m, s in value]
    if kind == "set":
        return name, sorted(m.decode() for m in value)
    if kind == "string":
        return name, value.decode()
    return None


async def canonical_dump(client: aioredis.Redis, prefix: str) -> dict[str, Any]:
    """Every non-stream key under `prefix`, decoded and sorted ."""
    dump: dict[str, Any] = {}
    async for raw in client.scan_iter(match=f"{key_root(prefix)}:*", count=1000):
        key = raw.decode()
        kind = (await client.type(key)).decode()
        if kind == "hash":
            value: Any = await client.hgetall(key)
        elif kind == "zset":
            value = await client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = await client.smembers(key)
        elif kind == "string":
            value = await client.get(key)
        else:
            continue
        item = _canonical(prefix, key, kind, value)
        if item is not None and not (kind == "zset" and not item[1]):
            dump[item[0]] = item[1]
    return dict(sorted(dump.items()))


def canonical_dump_sync(client: redis.Redis, prefix: str) -> dict[str, Any]:
    """`canonical_dump` for scripts without an event loop."""
    dump: dict[str, Any] = {}
    for raw in client.scan_iter(match=f"{key_root(prefix)}:*", count=1000):
        key = raw.decode()
        kind = client.type(key).decode()
        readers = {
            "hash": client.hgetall,
            "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
            "set": client.smembers,
            "string": client.get,
        }
        if kind not in readers:
            continue
        item = _canonical(prefix, key, kind, readers[kind](key))
        if item is not None and not (kind == "zset" and not item[1]):
            dump[item[0]] = item[1]
    return dict(sorted(dump.items()))
