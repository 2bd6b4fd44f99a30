"""Wait on a condition with a deadline, never sleep-and-hope."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

__all__ = ["eventually", "longest_pause"]


async def eventually(
    probe: Callable[[], Awaitable[T]], *, until: Callable[[T], bool] = bool, timeout: float = 15.0
) -> T:
    """Call `probe` until `until(result)` holds; fail with the last result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last result: {result!r}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


async def longest_pause(work: Awaitable[T]) -> tuple[T, float]:
    """What `work` gives, and the longest the event loop went without running another task
    meanwhile (a task that wakes every 5 ms measures it)."""
    longest = 0.0

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        return await work, longest
    finally:
        ticker.cancel()
