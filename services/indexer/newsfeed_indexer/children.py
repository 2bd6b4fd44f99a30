"""Where an indexer's child processes start from: one fork server per indexer process.

The fork server is a clean process (no threads, no event loop) that has the children's
modules loaded already, so a child starts in milliseconds: the content worker after a stuck
body, the related maintainer after a crash, and both at every start of a replica.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

__all__ = ["child_context", "reap"]

_PRELOAD = ["newsfeed_indexer.content_worker", "newsfeed_indexer.related_process"]


def child_context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def reap(process: BaseProcess | None, connection: Connection | None, timeout_s: float) -> None:
    """Wait up to `timeout_s` for a child to exit, kill it if it has not, and close its pipe."""
    if process is not None:
        process.join(timeout_s)
        if process.is_alive():
            process.kill()
            process.join()
    if connection is not None:
        connection.close()
