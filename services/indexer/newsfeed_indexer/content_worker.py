"""Article bodies prepared in a child process, with a deadline: no body stalls a replica.

Sanitising HTML and reading its text (`newsfeed_readmodel.content.prepare`) is the one
step whose cost depends on what a CMS sends. The publisher refuses HTML that would make
a parser slow (`newsfeed_schemas.html_depth`), but an entry can also reach the stream
another way, and a parser can have slow paths nobody has found yet. So a replica sends
each batch's bodies to a child process and waits at most `budget_s`; when the child does
not answer in time (or dies), it is killed and restarted, the bodies are prepared one at
a time, and a body that alone overruns the budget marks its entry as failed, to be
dead-lettered with that error. The event loop never runs the parser itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from newsfeed_readmodel.content import Content, prepare
from newsfeed_readmodel.entries import StreamEntry
from newsfeed_readmodel.related.features import (
    RELATED_FIELDS,
    encode_features,
    extract,
    related_input,
)
from newsfeed_readmodel.related.settings import RelatedSettings
from newsfeed_schemas.articles import Article
from newsfeed_schemas.events import EventType

from .children import child_context, reap

__all__ = ["ContentWorker", "needs_content"]

log = logging.getLogger("newsfeed.indexer")

Job = tuple[str | None, str | None, str | None, dict[str, Any] | None]
"""html, text, feature image caption, and the fields related features read (None: not wanted)."""
_STARTUP_S = 60.0


def _serve(connection: Connection, related: RelatedSettings | None) -> None:
    """The child: say it is ready, then prepare each list of jobs it receives, until it receives None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the parent, which stops it
    made_with = ""
    if related is not None:
        extract(
            [("warm up", "the model loads before the first batch", [], related.default_language, None)],
            related.features,
        )
        made_with = related.features_fingerprint()  # stored with the features: once, not per batch
    try:
        connection.send("ready")
        while (jobs := connection.recv()) is not None:
            connection.send([tuple(content) for content in _prepare(jobs, related, made_with)])
    except (EOFError, BrokenPipeError):  # the replica is gone (killed): nothing left to serve
        return


def _prepare(jobs: list[Job], related: RelatedSettings | None, made_with: str) -> list[Content]:
    """Bodies sanitised and read; with related features of the articles that want them (one batch)."""
    contents = [prepare(html, text, caption) for html, text, caption, _ in jobs]
    wanted = [i for i, job in enumerate(jobs) if job[3] is not None and related is not None]
    if not wanted or related is None:
        return contents
    language = related.default_language
    inputs = [related_input(jobs[i][3] or {}, contents[i].text, language) for i in wanted]
    for i, features in zip(wanted, extract(inputs, related.features), strict=True):
        contents[i] = contents[i]._replace(features=encode_features(features, made_with))
    return contents


def needs_content(entry: StreamEntry) -> bool:
    event = entry.event
    return (
        event is not None
        and isinstance(event.data, Article)
        and event.type in (EventType.PUBLISHED, EventType.UPDATED)
        and entry.content is None
    )


def _job(entry: StreamEntry, related: bool) -> Job:
    assert entry.event is not None and isinstance(entry.event.data, Article)
    article = entry.event.data
    caption = article.feature_image.caption if article.feature_image is not None else None
    fields = article.model_dump(mode="json", include=set(RELATED_FIELDS)) if related else None
    return article.html, article.text, caption, fields


class ContentWorker:
    """A child process that prepares article bodies; `prepare` never waits longer than the budget per body."""

    def __init__(self, budget_s: float, related: RelatedSettings | None = None) -> None:
        """`related`: the related settings, to compute related features too."""
        self.budget_s = budget_s
        self.related = related
        self._context = child_context()  # a restart after a stuck body takes milliseconds
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._turn = asyncio.Lock()  # one exchange at a time: the consumer and the reclaimer share the child
        self.restarts = 0

    async def start(self) -> None:
        """Start the child and wait until it is ready (its start-up does not count against the budget)."""
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.related), name="newsfeed-content", daemon=True)
        process.start()
        child.close()
        self._process, self._connection = process, parent
        if not await asyncio.to_thread(parent.poll, _STARTUP_S) or parent.recv() != "ready":
            raise RuntimeError(f"the content worker did not start within {_STARTUP_S} s")

    async def stop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.send(None)
        await asyncio.to_thread(self._reap, 2.0)

    def _reap(self, timeout_s: float) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        reap(process, connection, timeout_s)

    async def _restart(self) -> None:
        self.restarts += 1
        if self._process is not None:
            self._process.kill()
        await asyncio.to_thread(self._reap, 5.0)
        await self.start()

    @staticmethod
    def _exchange(connection: Connection, jobs: list[Job]) -> list[Content]:
        connection.send(jobs)
        return [Content(*row) for row in connection.recv()]

    async def _run(self, jobs: list[Job]) -> list[Content] | None:
        """The prepared bodies, or None when the child overran the budget or died (it is restarted)."""
        async with self._turn:
            if self._connection is None:
                await self.start()
            assert self._connection is not None
            try:
                exchange = asyncio.to_thread(self._exchange, self._connection, jobs)
                return await asyncio.wait_for(exchange, self.budget_s)
            except (TimeoutError, EOFError, OSError):
                await self._restart()
                return None

    async def prepare(self, entries: list[StreamEntry]) -> list[StreamEntry]:
        """`entries` with their bodies prepared; one whose body could not be prepared in time
        comes back undecoded, with the reason as its error (it is dead-lettered)."""
        pending = [i for i, entry in enumerate(entries) if needs_content(entry)]
        if not pending:
            return entries
        ready = list(entries)
        contents = await self._run([_job(entries[i], self.related is not None) for i in pending])
        if contents is not None:
            for i, content in zip(pending, contents, strict=True):
                ready[i] = _with(entries[i], content)
            return ready
        for i in pending:  # the batch overran: find the entry that does, one at a time
            started = time.monotonic()
            alone = await self._run([_job(entries[i], self.related is not None)])
            if alone is None:
                error = f"its body could not be prepared within {self.budget_s:g} s (content budget)"
                log.warning("entry %s: %s", entries[i].stream_id.decode(), error)
                ready[i] = StreamEntry(entries[i].stream_id, None, entries[i].raw, error=error)
            else:
                ready[i] = _with(entries[i], alone[0])
            log.debug("prepared entry %s alone in %.3f s", entries[i].stream_id, time.monotonic() - started)
        return ready


def _with(entry: StreamEntry, content: Content) -> StreamEntry:
    return StreamEntry(entry.stream_id, entry.event, entry.raw, entry.error, content)
