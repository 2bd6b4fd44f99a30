"""Live updates of a feed: Server-Sent Events from `{prefix}:feed-changes`.

One reader per process (`FeedChangesHub`) follows the stream with a blocking XREAD and
hands each change to the clients watching one of its feeds, so a thousand open pages cost
one Redis connection, not a thousand. Each entry it reads is decoded once, and the last
`_CATCH_UP` + 1 of them stay in memory (`_Window`; filled from the stream when the hub starts).
A client that reconnects with `Last-Event-ID` (the stream id of the last change it saw) first
gets what it missed, from that window, then the live changes, with neither gaps nor repeats.
The window keeps, for each feed a client resumed, the frames of its changes, so a catch-up is
a slice of them: when every open page reconnects at once after an API restart, each from its
own id, their catch-ups cost no read of Redis and no decoding. When what it missed cannot be
replayed (its id is not in the window: more than `_CATCH_UP` changes came since, or it is not
an id this stream sent), it gets one `feed.reload` instead: the page it shows is out of date
and should be loaded again; so does every client when the stream went back (made anew with
older ids: the hub then follows it again from its newest entry). A client too slow to keep up
is disconnected (its browser reconnects and catches up). When Redis cannot be reached, every
open stream ends and `open` refuses new ones (503) until the hub reads again: a page is not
left on a stream that carries nothing. `watch` yields the frames to send, in `sse-starlette`'s
wire format.
"""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_right
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from sse_starlette import ServerSentEvent

from newsfeed_runtime.loops import BackgroundLoop
from newsfeed_runtime.redis import is_outage
from newsfeed_schemas.streams import decode_fields

__all__ = ["CHANGED", "POSITION", "RELOAD", "FeedChangesHub", "LiveChange", "frame"]

log = logging.getLogger("newsfeed.api")

_QUEUE = 1_000
_CATCH_UP = 1_000
_STARTED_OVER = object()  # queued to every watcher when the stream went back (`_start_over_if_rewound`)
_FEEDS_KEPT = 1_024  # feeds whose frames the window keeps up (the most recently resumed)
_RETRY_S = 1.0  # how long the hub waits before reading again after Redis could not be reached
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


def _feeds_named(change: Any) -> set[str]:
    """The feeds an announced change names."""
    try:
        return {f for d in change.get("feeds", []) if isinstance(f := d.get("feed"), str)}
    except (AttributeError, TypeError):
        return set()


def _reload(feed: str, at: str | None) -> bytes:
    """The `feed.reload` frame: what the page shows is out of date (`at`: the newest entry)."""
    return frame(LiveChange(at if at != "0-0" else None, orjson.dumps({"feed": feed, "reload": True}), RELOAD))


def _changes_of(stream_id: str, change: Any, feed: str) -> LiveChange | None:
    try:
        delta = next((d for d in change.get("feeds", []) if d.get("feed") == feed), None)
    except (AttributeError, TypeError):
        return None
    if delta is None:
        return None
    payload = {"article_id": change.get("article_id"), "event_type": change.get("event_type"), **delta}
    return LiveChange(stream_id, orjson.dumps(payload))


class _Window:
    """The last `_CATCH_UP` + 1 entries the hub has read, decoded once, and the frames each feed
    that a client resumed has in them (worked out once per feed, then kept up as entries come).

    A client resuming from an id in the window is owed the changes after it: at most `_CATCH_UP`.
    Its catch-up is a slice of its feed's frames, however many clients resume from however many
    places (after an API restart every open page reconnects at once, each from its own id)."""

    def __init__(self) -> None:
        self.entries: deque[tuple[str, Any]] = deque()  # (stream id, decoded change), oldest first
        self.first = 0  # the number of the oldest entry (entries are numbered as they come)
        self.number_of: dict[str, int] = {}
        self.feeds: OrderedDict[str, tuple[list[int], list[bytes]]] = OrderedDict()  # feed -> numbers, frames

    @property
    def newest(self) -> str | None:
        return self.entries[-1][0] if self.entries else None

    def add(self, stream_id: str, change: Any) -> None:
        number = self.first + len(self.entries)
        self.entries.append((stream_id, change))
        self.number_of[stream_id] = number
        for feed in _feeds_named(change) & self.feeds.keys():  # the entry's own feeds, not every kept one
            if (live := _changes_of(stream_id, change, feed)) is not None:
                numbers, frames = self.feeds[feed]
                numbers.append(number)
                frames.append(frame(live))
        if len(self.entries) > _CATCH_UP + 1:
            oldest, change = self.entries.popleft()
            del self.number_of[oldest]
            for feed in _feeds_named(change) & self.feeds.keys():  # its frames leave with it
                numbers, frames = self.feeds[feed]
                if numbers and numbers[0] == self.first:
                    del numbers[0], frames[0]
            self.first += 1

    def after(self, stream_id: str, feed: str) -> bytes | None:
        """The frames of `feed`'s changes after `stream_id`, then the position reached; None when
        `stream_id` is not in the window (never sent, or more than `_CATCH_UP` changes ago)."""
        number = self.number_of.get(stream_id)
        if number is None:
            return None
        numbers, frames = self._of_feed(feed)
        reached = frame(LiveChange(self.newest, b"", POSITION))
        return b"".join(frames[bisect_right(numbers, number) :]) + reached

    def _of_feed(self, feed: str) -> tuple[list[int], list[bytes]]:
        kept = self.feeds.get(feed)
        if kept is None:
            kept = ([], [])
            for number, (stream_id, change) in enumerate(self.entries, start=self.first):
                if (live := _changes_of(stream_id, change, feed)) is not None:
                    kept[0].append(number)
                    kept[1].append(frame(live))
            self.feeds[feed] = kept
            while len(self.feeds) > _FEEDS_KEPT:
                self.feeds.popitem(last=False)
        self.feeds.move_to_end(feed)
        return kept


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
        self._window = _Window()
        self._starting = asyncio.Lock()
        self._loop = BackgroundLoop("feed-changes hub", log)
        self._unavailable: str | None = None  # why the last read failed, while Redis is away

    async def stop(self) -> None:
        await self._loop.stop(self.block_ms / 1000 + 1)
        for watcher in list(self._watchers):
            watcher.queue.put_nowait(None)

    async def _position(self) -> str:
        """Where following starts: the newest entry now (only what comes after is live), with
        the window filled with the entries up to it."""
        rows: Any = await self.redis.xrevrange(self.stream, count=_CATCH_UP + 1)
        for entry_id, fields in reversed(rows):
            self._window.add(entry_id.decode(), _decoded(fields))
        return self._window.newest or "0-0"

    async def open(self) -> None:
        """Be ready to watch, or raise a Redis outage (the route answers 503) while Redis is away."""
        await self._follow()
        if self._unavailable is not None:
            raise redis_errors.ConnectionError(f"the feed's changes cannot be read now: {self._unavailable}")

    async def _round(self) -> None:
        try:
            await self._read()
        except Exception as exc:
            if is_outage(exc):
                self._end_every_stream(str(exc))
                await self._loop.pause(_RETRY_S)
            raise
        self._unavailable = None

    def _end_every_stream(self, why: str) -> None:
        """Redis is away: end every open stream, so no page waits on one that carries nothing."""
        self._unavailable = why
        for watcher in list(self._watchers):
            self._watchers.discard(watcher)
            watcher.queue.put_nowait(None)

    async def _read(self) -> None:
        assert self._last_id is not None  # set by `_follow` before the loop starts
        reply: Any = await self.redis.xread({self.stream: self._last_id}, count=500, block=self.block_ms)
        if not reply:
            await self._start_over_if_rewound()
        for _, rows in reply or []:
            for entry_id, fields in rows:
                self._last_id = entry_id.decode()
                change = _decoded(fields)
                self._window.add(self._last_id, change)
                for watcher in list(self._watchers):
                    if watcher.queue.qsize() >= _QUEUE:  # too slow: let it reconnect and catch up
                        self._watchers.discard(watcher)
                        watcher.queue.put_nowait(None)
                    else:
                        watcher.queue.put_nowait((self._last_id, change))

    async def _start_over_if_rewound(self) -> None:
        """When the stream's newest entry is older than the hub's position, the stream was made
        anew (deleted, or restored from an older copy by a Redis whose clock is behind) and
        reading after the position would never see its entries: follow it from its newest entry
        again, and tell every watcher to reload (what it shows may be out of date)."""
        newest: Any = await self.redis.xrevrange(self.stream, count=1)
        newest_id = newest[0][0].decode() if newest else "0-0"
        if self._last_id is None or _id(newest_id) >= _id(self._last_id):
            return
        log.warning("feed-changes went back from %s to %s: following it anew", self._last_id, newest_id)
        self._window = _Window()
        self._last_id = await self._position()
        for watcher in list(self._watchers):
            watcher.queue.put_nowait((self._last_id, _STARTED_OVER))

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
        client goes or Redis cannot be reached."""
        await self.open()
        watcher = _Watcher(feed)
        self._watchers.add(watcher)
        try:
            opening, seen = self._opening(feed, last_event_id, start=self._last_id)
            if opening:
                yield opening
            while (item := await watcher.queue.get()) is not None:
                stream_id, change = item
                if change is _STARTED_OVER:
                    yield _reload(feed, stream_id)
                    seen = stream_id
                    continue
                if seen is not None and _not_after(stream_id, seen):
                    continue
                live = _changes_of(stream_id, change, feed)
                if live is not None:
                    yield frame(live)
        finally:
            self._watchers.discard(watcher)

    def _opening(self, feed: str, last_event_id: str | None, *, start: str | None) -> tuple[bytes, str | None]:
        """The frames a client gets first, and the last entry they account for (the watcher's
        queue holds everything after `start`, the hub's position when the watcher joined, which
        is the window's newest entry):

        * a new client: the position, so a reconnect before any change still resumes from it;
        * a client resuming: what it missed of its feed, then the position it reached;
        * a client whose missed changes cannot be replayed (its id is not in the window: more
          than `_CATCH_UP` changes ago, or one this stream never sent): `feed.reload`, at the
          newest entry.
        """
        if last_event_id is None:
            return (frame(LiveChange(start, b"", POSITION)) if start not in (None, "0-0") else b""), None
        if last_event_id == start:
            return b"", last_event_id
        missed = self._window.after(last_event_id, feed)
        return (_reload(feed, start), start) if missed is None else (missed, start)


def _id(text: str) -> tuple[int, int]:
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


def _not_after(stream_id: str, seen: str) -> bool:
    try:
        return _id(stream_id) <= _id(seen)
    except ValueError:
        return False
