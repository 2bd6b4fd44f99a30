"""The dead-letter stream `{prefix}:articles:dead`: what a dead letter holds, listing and replaying.

A dead letter holds the original entry's fields (`data`, `type`, `subject`) plus
`error`, `source_id` (its id in `{prefix}:articles`) and `failed_at` (ms); any other
field of the original entry is left out (an entry written straight into the stream may
carry thousands). A replay appends the original fields to `{prefix}:articles` as a new
entry and deletes the dead letter, both in one MULTI/EXEC; revision fencing makes a
replay of an event that was applied meanwhile harmless.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from redis.asyncio import Redis

from newsfeed_schemas.streams import DATA_FIELD, SUBJECT_FIELD, TYPE_FIELD

from .entries import StreamEntry
from .keys import Keys

__all__ = ["DeadLetter", "dead_letter_fields", "list_dead", "replay_dead"]

_ORIGINAL_FIELDS = (DATA_FIELD.encode(), TYPE_FIELD.encode(), SUBJECT_FIELD.encode())
_CHUNK = 500
_MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    source_id: str
    error: str
    failed_at_ms: int
    type: str
    subject: str
    data: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dead_letter_fields(entry: StreamEntry, *, now_ms: int) -> dict[bytes, bytes]:
    """The fields of the dead letter of `entry`: its original fields, the error and where it came from."""
    fields = {name: entry.raw[name] for name in _ORIGINAL_FIELDS if name in entry.raw}
    fields[b"error"] = (entry.error or "undecodable")[:_MAX_ERROR_CHARS].encode()
    fields[b"source_id"] = entry.stream_id
    fields[b"failed_at"] = str(now_ms).encode()
    return fields


def _text(fields: dict[bytes, bytes], name: str) -> str:
    return fields.get(name.encode(), b"").decode(errors="replace")


def _letter(entry_id: bytes, fields: dict[bytes, bytes]) -> DeadLetter:
    failed_at = _text(fields, "failed_at")
    return DeadLetter(
        id=entry_id.decode(),
        source_id=_text(fields, "source_id"),
        error=_text(fields, "error"),
        failed_at_ms=int(failed_at) if failed_at.isdigit() else 0,
        type=_text(fields, TYPE_FIELD),
        subject=_text(fields, SUBJECT_FIELD),
        data=_text(fields, DATA_FIELD),
    )


async def list_dead(redis: Redis, keys: Keys, count: int = 100) -> list[DeadLetter]:
    """The oldest `count` dead letters."""
    rows: Any = await redis.xrange(keys.streams.dead, count=count)
    return [_letter(entry_id, fields) for entry_id, fields in rows]


async def replay_dead(redis: Redis, keys: Keys, ids: list[str] | None = None) -> int:
    """Re-append the given dead letters (all of them when `ids` is None); how many were replayed.

    "All" is those there when the replay starts: a letter that fails again while the replay
    runs is dead-lettered anew, after them, and reading on to the stream's end would replay it
    again, and again, for as long as the indexer keeps up."""
    if ids is None:
        newest: Any = await redis.xrevrange(keys.streams.dead, count=1)
        if not newest:
            return 0
        last, after, total = newest[0][0], "-", 0
        while True:
            rows: Any = await redis.xrange(keys.streams.dead, min=after, max=last, count=_CHUNK)
            if not rows:
                return total
            total += await _replay(redis, keys, rows)
            after = "(" + _text_id(rows[-1][0])
    replayed = 0
    for start in range(0, len(ids), _CHUNK):
        async with redis.pipeline(transaction=False) as pipe:
            for entry_id in ids[start : start + _CHUNK]:
                pipe.xrange(keys.streams.dead, min=entry_id, max=entry_id)
            found = [rows[0] for rows in await pipe.execute() if rows]
        replayed += await _replay(redis, keys, found)
    return replayed


async def _replay(redis: Redis, keys: Keys, rows: list[Any]) -> int:
    if not rows:
        return 0
    async with redis.pipeline(transaction=True) as pipe:
        for entry_id, fields in rows:
            original = {name: fields[name] for name in _ORIGINAL_FIELDS if name in fields}
            if DATA_FIELD.encode() not in original:
                original[DATA_FIELD.encode()] = b"null"
            pipe.xadd(keys.streams.articles, original)  # type: ignore[arg-type]
            pipe.xdel(keys.streams.dead, entry_id)
        await pipe.execute()
    return len(rows)


def _text_id(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id
