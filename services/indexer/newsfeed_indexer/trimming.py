"""Trimming `{prefix}:articles` without ever losing an entry a consumer group still needs.

The rule (`trim_floor`): XTRIM MINID removes the entries whose id is *below* the floor, and
the floor is the smallest of, over every consumer group of the stream (the indexer's and any
downstream one's),

* the group's first pending id (read, not yet acknowledged: it may be delivered again), and
* the id just after the group's last-delivered id (entries after it were never read),

and of the retention floor `{now - retention} ms`: entries younger than the retention stay
for inspection and replays even once processed (stream ids start with their time in ms, so
this is MINID trimming by age). A stream with no group is not trimmed.
The floor only moves forward while groups consume, so the short window between reading it and
XTRIM is harmless; the exceptions are an operator's `XGROUP SETID` to an older id, or a new
group created from `0`, during that window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newsfeed_runtime.loops import BackgroundLoop

__all__ = ["GroupPosition", "Trimmer", "parse_id", "retention_floor", "successor", "trim_floor", "trim_stream"]

log = logging.getLogger("newsfeed.indexer")

StreamId = tuple[int, int]


@dataclass(frozen=True, slots=True)
class GroupPosition:
    last_delivered: str
    first_pending: str | None


def parse_id(text: str) -> StreamId:
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


def successor(text: str) -> str:
    millis, seq = parse_id(text)
    return f"{millis}-{seq + 1}"


def trim_floor(groups: Iterable[GroupPosition], keep_floor: str | None) -> str | None:
    """The MINID below which every entry is processed by every group; None: trim nothing."""
    candidates = []
    for group in groups:
        candidates.append(successor(group.last_delivered))
        if group.first_pending is not None:
            candidates.append(group.first_pending)
    if not candidates:
        return None
    if keep_floor is not None:
        candidates.append(keep_floor)
    return min(candidates, key=parse_id)


async def _positions(redis: Redis, stream: str) -> list[GroupPosition]:
    positions = []
    for info in await redis.xinfo_groups(stream):
        name = info["name"]
        summary = await redis.xpending(stream, name)
        first = summary.get("min") if summary.get("pending") else None
        positions.append(GroupPosition(_text(info["last-delivered-id"]), _text(first) if first else None))
    return positions


def retention_floor(now_ms: int, retention_s: float) -> str | None:
    """The smallest id an entry younger than `retention_s` can have; None when nothing is retained."""
    if retention_s <= 0:
        return None
    return f"{max(now_ms - int(retention_s * 1000), 0)}-0"


async def trim_stream(redis: Redis, stream: str, *, retention_s: float, now_ms: int | None = None) -> int:
    """Apply the rule once; how many entries were removed."""
    try:
        positions = await _positions(redis, stream)
    except ResponseError:  # no such stream yet
        return 0
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    floor = trim_floor(positions, retention_floor(now_ms, retention_s))
    if floor is None:
        return 0
    return int(await redis.xtrim(stream, minid=floor, approximate=False))


class Trimmer:
    """Runs `trim_stream` every `interval_s` seconds (0: never) until stopped."""

    def __init__(self, redis: Redis, stream: str, *, retention_s: float, interval_s: float) -> None:
        self.redis = redis
        self.stream = stream
        self.retention_s = retention_s
        self.interval_s = interval_s
        self._loop = BackgroundLoop("trimmer", log)

    def start(self) -> None:
        if self.interval_s > 0:
            self._loop.start(self._round, self.interval_s, wait_first=True)

    async def stop(self, timeout_s: float = 5.0) -> None:
        await self._loop.stop(timeout_s)

    async def _round(self) -> None:
        removed = await trim_stream(self.redis, self.stream, retention_s=self.retention_s)
        if removed:
            log.info("trimmed %d processed entries from %s", removed, self.stream)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
