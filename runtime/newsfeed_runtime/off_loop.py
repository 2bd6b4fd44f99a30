"""Large inputs are validated in a worker thread, so the event loop keeps serving meanwhile.

Validating an event is pure Python. For a body of a megabyte of markup it takes a few
hundred milliseconds, most of it the nesting scan that reads every tag
(`newsfeed_schemas.html_depth`). On the event loop, that long holds every other request,
health probe and stream read of the process. In a thread the loop takes the GIL back at
every switch interval (5 ms), so it answers meanwhile, only slower. Small inputs stay on
the loop, where the hop to a thread would cost more than the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["OFF_LOOP_BYTES", "run_by_size"]

OFF_LOOP_BYTES = 64 * 1024
"""From this size on, an input is worked on in a thread (an article is some 10 KB)."""

P = ParamSpec("P")
T = TypeVar("T")


async def run_by_size(size: int, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args, **kwargs)`, in a worker thread when its input is `size` bytes or more."""
    if size < OFF_LOOP_BYTES:
        return work(*args, **kwargs)
    return await asyncio.to_thread(work, *args, **kwargs)
