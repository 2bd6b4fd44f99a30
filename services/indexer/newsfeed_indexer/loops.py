"""Background loops that stop on a flag rather than by task cancellation.

redis-py can swallow a CancelledError that arrives during a command; a
swallowed cancel leaves the task running and whoever awaits it waiting
forever. So a loop checks a flag between rounds, sleeps in a way the flag
wakes at once, and cancellation is only the last resort after a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

__all__ = ["BackgroundLoop"]


class BackgroundLoop:
    """One named task running a loop, with a stop flag it polls between rounds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self, loop: Coroutine[Any, Any, None]) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(loop, name=self.name)

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
