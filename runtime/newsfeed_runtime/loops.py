"""Background loops that stop on a flag rather than by task cancellation.

redis-py can swallow a CancelledError that arrives during a command; a
swallowed cancel leaves the task running and whoever awaits it waiting
forever. So a loop checks a flag between rounds, sleeps in a way the flag
wakes at once, and cancellation is only the last resort after a timeout.

A round that raises is logged and the loop goes on: an outage of Redis as one
warning line, anything else with its traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .redis import is_outage

__all__ = ["BackgroundLoop", "Round"]

Round = Callable[[], Awaitable[None]]


class BackgroundLoop:
    """One named task running `round` every `interval_s` seconds until stopped."""

    def __init__(self, name: str, log: logging.Logger) -> None:
        self.name = name
        self.log = log
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, round_: Round, interval_s: float, *, wait_first: bool = False) -> None:
        """Run `round_` now (or after one interval with `wait_first`), then every `interval_s`."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(round_, interval_s, wait_first), name=self.name)

    async def _run(self, round_: Round, interval_s: float, wait_first: bool) -> None:
        if wait_first:
            await self.pause(interval_s)
        while not self.stopping:
            try:
                await round_()
            except Exception as exc:
                if is_outage(exc):
                    self.log.warning("%s: Redis unavailable (%s); retrying", self.name, exc)
                else:
                    self.log.exception("%s failed; retrying", self.name)
            await self.pause(interval_s)

    async def pause(self, seconds: float) -> None:
        """Sleep until the next round, waking at once when asked to stop."""
        waiter = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            waiter.cancel()

    async def stop(self, timeout_s: float) -> None:
        """Let the current round finish; cancel only if it takes longer than `timeout_s`."""
        if self._task is None:
            return
        self._stopping.set()
        done, _ = await asyncio.wait({self._task}, timeout=timeout_s)
        if not done:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=1.0)
        self._task = None
