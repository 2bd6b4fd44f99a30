"""The related maintainer in a child process of its own, so it never shares the event loop's GIL.

The maintainer's engine is CPU-bound Python and numpy. In the indexer's process it ran in a
thread and took the GIL from the event loop that applies events, so each slowed the other
(at 10,000 articles and 100 events/s, a one-article change took 10 ms instead of 2 and the
feeds' freshness rose with it). In a child it runs on another core.

The child is an ordinary maintainer: it takes the lease like any other, and every write it
makes is fenced by it. The parent starts it, restarts it if it dies, and stops it by closing
the pipe between them: the child then releases the lease and exits. A parent that dies
however (kill -9) closes that pipe too, so a child never outlives its indexer for long, and
if it did, its lease would lapse and its writes would be refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.maintainer import RelatedMaintainer
from newsfeed_readmodel.related.store import RelatedStore
from newsfeed_runtime.logs import configure_logging
from newsfeed_runtime.loops import BackgroundLoop
from newsfeed_runtime.redis import connect

from .children import child_context, reap
from .settings import IndexerSettings

__all__ = ["MaintainerProcess"]

log = logging.getLogger("newsfeed.indexer")
_CHECK_S = 1.0  # how often the parent looks whether the child is still alive
_STOP_S = 5.0  # how long the child may take to stop its maintainer and release the lease


def _serve(settings: IndexerSettings, parent: Connection, log_level: int) -> None:
    """The child: run the maintainer until the parent writes to or closes the pipe, then exit.

    Not `asyncio.run`: its teardown waits for every task, and a cancellation that redis-py
    swallowed mid-command (see `newsfeed_runtime.loops`) would keep the child alive for good.
    The child exits once the lease is released or `_STOP_S` has passed, whatever its tasks do."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the parent, which stops it
    configure_logging(log_level)
    asyncio.new_event_loop().run_until_complete(_maintain(settings, parent))
    logging.shutdown()
    os._exit(0)


async def _maintain(settings: IndexerSettings, parent: Connection) -> None:
    redis = connect(settings.redis_url, cluster=settings.cluster())
    related, keys = settings.related_settings(), Keys(settings.prefix)
    store = RelatedStore(redis, keys, related, changes_maxlen=settings.changes_maxlen)
    maintainer = RelatedMaintainer(store, lease_ms=settings.related_lease_ms)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(parent.fileno(), stop.set)  # a message or the end of the pipe: stop
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    maintainer.start()
    await stop.wait()
    loop.remove_reader(parent.fileno())
    stopping = asyncio.ensure_future(maintainer.stop())  # releases the lease: another replica takes over at once
    done, _ = await asyncio.wait({stopping}, timeout=_STOP_S)
    if not done:
        log.warning("the related maintainer did not stop within %s s; exiting (its lease will lapse)", _STOP_S)


class MaintainerProcess:
    """Starts, watches and stops the child that runs this replica's related maintainer."""

    def __init__(self, settings: IndexerSettings) -> None:
        self.settings = settings
        self._context = child_context()
        self._process: BaseProcess | None = None
        self._pipe: Connection | None = None
        self._watch = BackgroundLoop("related maintainer process", log)

    def start(self) -> None:
        self._spawn()
        self._watch.start(self._check, _CHECK_S, wait_first=True)

    def _spawn(self) -> None:
        pipe, child_end = self._context.Pipe()
        level = logging.getLogger().getEffectiveLevel()
        process = self._context.Process(
            target=_serve, args=(self.settings, child_end, level), name="newsfeed-related", daemon=True
        )
        process.start()
        child_end.close()
        self._process, self._pipe = process, pipe
        log.info("related maintainer process %s started", process.pid)

    async def _check(self) -> None:
        if self._process is not None and not self._process.is_alive():
            log.warning("the related maintainer process exited (%s); starting it again", self._process.exitcode)
            await asyncio.to_thread(self._reap, 1.0)
            self._spawn()

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the child (it releases the lease first); kill it if it takes longer than `timeout_s`."""
        await self._watch.stop(timeout_s)
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                self._pipe.send("stop")
        await asyncio.to_thread(self._reap, timeout_s)

    def _reap(self, timeout_s: float) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        reap(process, pipe, timeout_s)
