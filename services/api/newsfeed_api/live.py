"""Live updates of a feed: Server-Sent Events from `{prefix}:feed-changes`.

One reader per process (`FeedChangesHub`) follows the stream with a blocking XREAD and
hands each change to the clients watching one of its feeds, so a thousand open pages cost
one Redis connection, not a thousand. A client that reconnects with `Last-Event-ID` (the
stream id of the last change it saw) first gets what it missed, read with XRANGE, then the
live changes, with neither gaps nor repeats. A client too slow to keep up is disconnected
(its browser reconnects and catches up). The wire format is `sse-starlette`'s.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio import Redis

from newsfeed_runtime.loops import BackgroundLoop
from newsfeed_schemas.streams import decode_fields

__all__ = ["FeedChangesHub", "LiveChange"]

log = logging.getLogger("newsfeed.api")

_QUEUE = 1_000
_CATCH_UP = 1_000
_STREAM_ID = re.compile(r"[0-9]{1,15}-[0-9]{1,15}")


@dataclass(frozen=True, slots=True)
class LiveChange:
    """One feed's part of an announced change, as sent to the page."""

    stream_id: str
    data: bytes  # {"feed", "article_id", "event_type", "inserted", "moved", "updated", "removed"}


def _changes_of(stream_id: str, fields: dict[bytes, bytes], feed: str) -> LiveChange | None:
    try:
        change: Any = decode_fields(fields)
        delta = next((d for d in change.get("feeds", []) if d.get("feed") == feed), None)
    except (ValueError, KeyError, AttributeError, TypeError):
        return None
    if delta is None:
        return None
    payload = {"article_id": change.get("article_id"), "event_type": change.get("event_type"), **delta}
    return LiveChange(stream_id, orjson.dumps(payload))


@dataclass(eq=False)
class _Watcher:
    feed: str
    queue: asyncio.Queue[tuple[str, dict[bytes, bytes]] | None] = field(default_factory=asyncio.Queue)


class FeedChangesHub:
    """Follows `stream` and fans its entries out to the watchers of each feed."""

    def __init__(self, redis: Redis, stream: str, *, block_ms: int = 1_000) -> None:
        self.redis = redis
        self.stream = stream
        self.block_ms = block_ms
        self._watchers: set[_Watcher] = set()
        self._last_id: str | None = None
        self._loop = BackgroundLoop("feed-changes hub", log)

    async def stop(self) -> None:
        await self._loop.stop(self.block_ms / 1000 + 1)
        for watcher in list(self._watchers):
            watcher.queue.put_nowait(None)

    async def _position(self) -> str:
        """Where following starts: the newest entry now (only what comes after is live)."""
        newest: Any = await self.redis.xrevrange(self.stream, count=1)
        return newest[0][0].decode() if newest else "0-0"

    async def _round(self) -> None:
        if self._last_id is None:
            self._last_id = await self._position()
        reply: Any = await self.redis.xread({self.stream: self._last_id}, count=500, block=self.block_ms)
        for _, rows in reply or []:
            for entry_id, fields in rows:
                self._last_id = entry_id.decode()
                for watcher in list(self._watchers):
                    if watcher.queue.qsize() >= _QUEUE:  # too slow: let it reconnect and catch up
                        self._watchers.discard(watcher)
                        watcher.queue.put_nowait(None)
                    else:
                        watcher.queue.put_nowait((self._last_id, fields))

    def _ensure_running(self) -> None:
        if not self._loop.running:
            self._loop.start(self._round, 0)

    async def watch(self, feed: str, last_event_id: str | None) -> AsyncIterator[LiveChange]:
        """The changes of `feed` after `last_event_id` (None: from now on), until the client goes."""
        if last_event_id is not None and not _STREAM_ID.fullmatch(last_event_id):
            last_event_id = None  # not an id newsfeed sent: start from now
        watcher = _Watcher(feed)
        self._watchers.add(watcher)
        self._ensure_running()
        try:
            seen = last_event_id
            if last_event_id is not None:
                async for change in self._missed(feed, last_event_id):
                    seen = change.stream_id
                    yield change
            while (item := await watcher.queue.get()) is not None:
                stream_id, fields = item
                if seen is not None and _not_after(stream_id, seen):
                    continue
                live = _changes_of(stream_id, fields, feed)
                if live is not None:
                    yield live
        finally:
            self._watchers.discard(watcher)

    async def _missed(self, feed: str, after: str) -> AsyncIterator[LiveChange]:
        """What was announced after `after`, up to now (at most `_CATCH_UP` entries)."""
        rows: Any = await self.redis.xrange(self.stream, min="(" + after, max="+", count=_CATCH_UP)
        for entry_id, fields in rows:
            change = _changes_of(entry_id.decode(), fields, feed)
            if change is not None:
                yield change


def _id(text: str) -> tuple[int, int]:
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


def _not_after(stream_id: str, seen: str) -> bool:
    try:
        return _id(stream_id) <= _id(seen)
    except ValueError:
        return False
