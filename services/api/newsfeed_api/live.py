"""Live updates of a feed: Server-Sent Events from `{prefix}:feed-changes`.

One reader per process (`FeedChangesHub`) follows the stream with a blocking XREAD and
hands each change to the clients watching one of its feeds, so a thousand open pages cost
one Redis connection, not a thousand. A client that reconnects with `Last-Event-ID` (the
stream id of the last change it saw) first gets what it missed, read with XRANGE, then the
live changes, with neither gaps nor repeats. When what it missed can no longer be replayed (the
stream was trimmed past its id, more than `_CATCH_UP` changes came since, or the id is not one
this stream sent), it gets one `feed.reload` instead: the page it shows is out of date and
should be loaded again. Pages that reconnect together from the same id (after an API restart)
share one read of what they missed, decoded once, and each feed's part of it is encoded once, as
one block of frames every such page is sent as it is; at most `_READS_AT_ONCE` such reads run at
a time, so pages resuming from many ids never take every connection from the hub. Each entry the
hub follows is decoded once for all its watchers. A client too slow to keep up is disconnected
(its browser reconnects and catches up). `watch` yields the frames to send, in `sse-starlette`'s
wire format.
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
from sse_starlette import ServerSentEvent

from newsfeed_runtime.loops import BackgroundLoop
from newsfeed_schemas.streams import decode_fields

__all__ = ["CHANGED", "POSITION", "RELOAD", "FeedChangesHub", "LiveChange", "frame"]

log = logging.getLogger("newsfeed.api")

_QUEUE = 1_000
_CATCH_UP = 1_000
_RECENT_READS = 16
_READS_AT_ONCE = 8
_STREAM_ID = re.compile(r"[0-9]{1,15}-[0-9]{1,15}")
CHANGED = "feed.changed"
RELOAD = "feed.reload"
POSITION = ""
"""An `id:` line alone: no event reaches the page, but the browser's `Last-Event-ID` moves to it,
so a client that reconnects before any change of its feed still resumes without a gap."""


@dataclass(frozen=True, slots=True)
class LiveChange:
    """One feed's part of an announced change, as sent to the page."""

    stream_id: str | None
    data: bytes  # {"feed", "article_id", "event_type", "inserted", "moved", "updated", "removed"}
    event: str = CHANGED  # or RELOAD: changes were missed that cannot be replayed; or POSITION


def frame(change: LiveChange) -> bytes:
    """`change` as sent on the wire."""
    if change.event == POSITION:
        return ServerSentEvent(id=change.stream_id).encode()
    return ServerSentEvent(change.data.decode(), event=change.event, id=change.stream_id).encode()


def _decoded(fields: dict[bytes, bytes]) -> Any:
    """An entry's announced change, decoded once for every watcher (None: not one)."""
    try:
        return decode_fields(fields)
    except (ValueError, KeyError, TypeError):
        return None


def _changes_of(stream_id: str, change: Any, feed: str) -> LiveChange | None:
    try:
        delta = next((d for d in change.get("feeds", []) if d.get("feed") == feed), None)
    except (AttributeError, TypeError):
        return None
    if delta is None:
        return None
    payload = {"article_id": change.get("article_id"), "event_type": change.get("event_type"), **delta}
    return LiveChange(stream_id, orjson.dumps(payload))


@dataclass(eq=False)
class _Missed:
    """The entries after one id, decoded, and what each feed's clients get of them (worked out
    once per feed, for every client of that feed resuming from that id)."""

    rows: list[tuple[str, Any]]
    newest: str  # the stream's newest entry when they were read: they account for everything up to it
    _of_feed: dict[str, bytes] = field(default_factory=dict)

    def of_feed(self, feed: str) -> bytes:
        """The frames of `feed`'s changes, then the position reached."""
        if feed not in self._of_feed:
            changes = (live for entry_id, change in self.rows if (live := _changes_of(entry_id, change, feed)))
            reached = LiveChange(self.rows[-1][0], b"", POSITION)
            self._of_feed[feed] = b"".join(frame(change) for change in (*changes, reached))
        return self._of_feed[feed]


@dataclass(eq=False)
class _Watcher:
    feed: str
    queue: asyncio.Queue[tuple[str, Any] | None] = field(default_factory=asyncio.Queue)


class FeedChangesHub:
    """Follows `stream` and fans its entries out to the watchers of each feed."""

    def __init__(self, redis: Redis, stream: str, *, block_ms: int = 1_000) -> None:
        self.redis = redis
        self.stream = stream
        self.block_ms = block_ms
        self._watchers: set[_Watcher] = set()
        self._last_id: str | None = None
        self._starting = asyncio.Lock()
        self._missed_reads: dict[str, asyncio.Future[_Missed | None]] = {}
        self._recent_reads: dict[str, _Missed] = {}  # the last few, oldest first
        self._reading = asyncio.Semaphore(_READS_AT_ONCE)
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
        assert self._last_id is not None  # set by `_follow` before the loop starts
        reply: Any = await self.redis.xread({self.stream: self._last_id}, count=500, block=self.block_ms)
        for _, rows in reply or []:
            for entry_id, fields in rows:
                self._last_id = entry_id.decode()
                change = _decoded(fields)
                for watcher in list(self._watchers):
                    if watcher.queue.qsize() >= _QUEUE:  # too slow: let it reconnect and catch up
                        self._watchers.discard(watcher)
                        watcher.queue.put_nowait(None)
                    else:
                        watcher.queue.put_nowait((self._last_id, change))

    async def _follow(self) -> None:
        """Start following, from the newest entry now, before a watcher reads what it missed: so
        every entry after that read reaches its queue."""
        async with self._starting:
            if self._last_id is None:
                self._last_id = await self._position()
            if not self._loop.running:
                self._loop.start(self._round, 0)

    async def watch(self, feed: str, last_event_id: str | None) -> AsyncIterator[bytes]:
        """The frames of `feed`'s changes after `last_event_id` (None: from now on), until the
        client goes."""
        await self._follow()
        watcher = _Watcher(feed)
        self._watchers.add(watcher)
        try:
            opening, seen = await self._opening(feed, last_event_id, start=self._last_id)
            if opening:
                yield opening
            while (item := await watcher.queue.get()) is not None:
                stream_id, change = item
                if seen is not None and _not_after(stream_id, seen):
                    continue
                live = _changes_of(stream_id, change, feed)
                if live is not None:
                    yield frame(live)
        finally:
            self._watchers.discard(watcher)

    async def _opening(self, feed: str, last_event_id: str | None, *, start: str | None) -> tuple[bytes, str | None]:
        """The frames a client gets first, and the last entry they account for (the watcher's
        queue holds everything after `start`, the hub's position when the watcher joined):

        * a new client: the position, so a reconnect before any change still resumes from it;
        * a client resuming: what it missed of its feed, then the position it reached;
        * a client whose missed changes cannot be replayed: `feed.reload`, at the newest entry.
        """
        if last_event_id is None:
            return (frame(LiveChange(start, b"", POSITION)) if start not in (None, "0-0") else b""), None
        missed = await self._missed(last_event_id, start or "0-0")
        if missed is None:
            newest = await self._position()
            reload = LiveChange(
                None if newest == "0-0" else newest, orjson.dumps({"feed": feed, "reload": True}), RELOAD
            )
            return frame(reload), newest
        if not missed.rows:
            return b"", last_event_id
        return missed.of_feed(feed), missed.rows[-1][0]

    async def _missed(self, after: str, start: str) -> _Missed | None:
        """The entries announced after `after`, up to at least `start` (the hub's position when
        the watcher joined: its queue holds what comes after), decoded; None when they cannot
        all be replayed: `after` is no entry of this stream (malformed, never sent, as after the
        stream was lost, or trimmed away since), or more than `_CATCH_UP` came since.

        Clients that reconnect together (the API restarted, a network blip) mostly resume from
        the same id: one read, decoded once, serves each of them whose `start` it reaches."""
        if not _STREAM_ID.fullmatch(after):
            return None
        recent = self._recent_reads.get(after)
        if recent is not None and _id(recent.newest) >= _id(start):
            return recent
        missed = await asyncio.shield(self._shared_read(after))  # a client that leaves cancels no other's
        if missed is not None and _id(missed.newest) < _id(start):  # read before this watcher joined
            missed = await asyncio.shield(self._shared_read(after))
        if missed is not None:
            self._recent_reads[after] = missed
            while len(self._recent_reads) > _RECENT_READS:
                del self._recent_reads[next(iter(self._recent_reads))]
        return missed

    def _shared_read(self, after: str) -> asyncio.Future[_Missed | None]:
        """The read of what came after `after` that is under way, or a new one."""
        read = self._missed_reads.get(after)
        if read is not None and not read.done():
            return read
        read = asyncio.ensure_future(self._read_missed(after))
        self._missed_reads[after] = read

        def forget(done: asyncio.Future[_Missed | None]) -> None:
            if self._missed_reads.get(after) is done:
                del self._missed_reads[after]

        read.add_done_callback(forget)
        return read

    async def _read_missed(self, after: str) -> _Missed | None:
        async with self._reading, self.redis.pipeline(transaction=False) as pipe:
            pipe.xrange(self.stream, min=after, max=after, count=1)
            pipe.xrevrange(self.stream, count=1)
            pipe.xrange(self.stream, min="(" + after, max="+", count=_CATCH_UP + 1)
            itself, newest, rows = await pipe.execute()
        if not itself:  # an id this stream never sent, or one trimmed away since
            return None
        if len(rows) > _CATCH_UP:
            return None
        return _Missed([(entry_id.decode(), _decoded(fields)) for entry_id, fields in rows], newest[0][0].decode())


def _id(text: str) -> tuple[int, int]:
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


def _not_after(stream_id: str, seen: str) -> bool:
    try:
        return _id(stream_id) <= _id(seen)
    except ValueError:
        return False
