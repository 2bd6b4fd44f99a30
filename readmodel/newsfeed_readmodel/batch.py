"""Read-model writes recorded as data and run by one Lua script per batch (`scripts.APPLY`).

redis-py spends ~20 µs of Python per pipelined command, and ~2 µs per argument
it packs; a batch of 200 events is ~2,000 commands and ~15,000 arguments.
Recording them and sending them as one MessagePack blob (packed in C, unpacked
by Redis' built-in cmsgpack) to one EVALSHA costs one command per batch, and the
script is atomic: it first checks that every article's version is still what
was read (optimistic concurrency, as WATCH would) and writes nothing if one
changed.

`OpBatch` offers the subset of redis-py's pipeline methods the store and the
projectors use, with the same signatures, so their code reads like redis-py. It also
collects every key the batch touches (`keys`), which the caller declares in KEYS: on a
Redis Cluster the script then runs only where all of them are (a slot in the middle of a
migration is refused before anything is written, never half applied).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack
from redis.asyncio.cluster import RedisCluster

from newsfeed_schemas.streams import encode_fields

__all__ = ["OpBatch", "rows_as_dicts"]

Arg = str | bytes | int | float


class OpBatch:
    """Write commands recorded for one atomic EVALSHA."""

    def __init__(self) -> None:
        self.checks: list[list[Any]] = []
        self.ops: list[list[Arg]] = []
        self._keys: dict[str, None] = {}  # every key touched, in first-use order

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def declared(self, redis: Any, anchor: str) -> list[str]:
        """The KEYS to call the script with: every key on a cluster (where it matters), else one
        key of the site (packing thousands of names costs ~2 µs each, for nothing on one Redis)."""
        return (self.keys or [anchor]) if isinstance(redis, RedisCluster) else [anchor]

    def _touch(self, *keys: Arg) -> None:
        for key in keys:
            self._keys.setdefault(key.decode() if isinstance(key, bytes) else str(key), None)

    @property
    def count(self) -> int:
        return len(self.ops)

    def expect(self, key: str, field: str, value: bytes | None) -> None:
        """Write nothing unless hash `key` still holds `value` in `field` (None: absent)."""
        self._touch(key)
        self.checks.append([key, field, False if value is None else value])

    def argv(self) -> list[bytes]:
        return [msgpack.packb([self.checks, self.ops], use_bin_type=False)]

    def command(self, name: str, *args: Arg) -> None:
        """Every command used here names its key first; DEL names only keys."""
        self._touch(*(args if name == "DEL" else args[:1]))
        self.ops.append([name, *args])

    def rename(self, source: str, target: str) -> None:
        self._touch(source, target)
        self.ops.append(["RENAME", source, target])

    def hincrby(self, name: str, key: str, amount: int = 1) -> None:
        self.command("HINCRBY", name, key, amount)

    def delete(self, *names: str) -> None:
        self.command("DEL", *names)

    def hset(
        self, name: str, key: str | None = None, value: Arg | None = None, mapping: Mapping[Any, Any] | None = None
    ) -> None:
        pairs: list[Arg] = [key, value] if key is not None and value is not None else []
        for field, item in (mapping or {}).items():
            pairs += [field, item]
        self.command("HSET", name, *pairs)

    def hdel(self, name: str, *keys: str) -> None:
        self.command("HDEL", name, *keys)

    def sadd(self, name: str, *values: Arg) -> None:
        self.command("SADD", name, *values)

    def srem(self, name: str, *values: Arg) -> None:
        self.command("SREM", name, *values)

    def zadd(self, name: str, mapping: Mapping[Arg, float]) -> None:
        flat: list[Arg] = []
        for member, score in mapping.items():
            flat += [score, member]
        self.command("ZADD", name, *flat)

    def zrem(self, name: str, *values: Arg) -> None:
        self.command("ZREM", name, *values)

    def zremrangebyrank(self, name: str, start: int, end: int) -> None:
        self.command("ZREMRANGEBYRANK", name, start, end)

    def xadd(self, name: str, fields: Mapping[Any, Any], maxlen: int | None = None, approximate: bool = True) -> None:
        trim: list[Arg] = ["MAXLEN", "~" if approximate else "=", maxlen] if maxlen else []
        flat: list[Arg] = []
        for field, value in fields.items():
            flat += [field, value]
        self.command("XADD", name, *trim, "*", *flat)

    def announce(self, stream: str, payload: dict[str, Any], *, subject: str, maxlen: int) -> None:
        """XADD a change announcement in the documented entry layout, capped at about `maxlen`."""
        self.xadd(stream, encode_fields(payload, type_=payload["type"], subject=subject), maxlen=maxlen)

    def xadd_once_acked(self, stream: str, group: str, entry_id: bytes, target: str, fields: Mapping[Any, Any]) -> None:
        """XACK `entry_id`; only if that acknowledged it now, XADD `fields` to `target` (see `scripts.APPLY`)."""
        flat: list[Arg] = []
        for field, value in fields.items():
            flat += [field, value]
        self._touch(stream, target)
        self.ops.append(["*ACKED", stream, group, entry_id, "XADD", target, "*", *flat])

    def xack(self, name: str, group: str, *ids: Arg) -> None:
        if ids:
            self.command("XACK", name, group, *ids)

    def __repr__(self) -> str:
        return f"OpBatch({self.count} commands, {len(self.checks)} checks)"


def rows_as_dicts(fields: list[str], rows: list[list[Any]]) -> list[dict[bytes, bytes]]:
    """HMGET rows back into HGETALL-like dicts (absent fields left out)."""
    names = [f.encode() for f in fields]
    return [{n: v for n, v in zip(names, row, strict=True) if v is not None} for row in rows]
