"""newsfeed processes for benchmarks: started on loopback, waited for, stopped."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from newsfeed.embedded import free_port
from newsfeed_readmodel.keys import Keys
from newsfeed_schemas.streams import key_root

__all__ = ["caught_up", "service", "service_process"]


@contextmanager
def service(kind: str, redis_url: str, prefix: str, **env: str) -> Iterator[int]:
    """Run `newsfeed <kind>` on a free port until the block ends; yields the port."""
    with service_process(kind, redis_url, prefix, **env) as (port, _):
        yield port


@contextmanager
def service_process(kind: str, redis_url: str, prefix: str, **env: str) -> Iterator[tuple[int, int]]:
    """`service`, yielding the port and the process id."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "newsfeed",
        kind,
        "--port",
        str(port),
        "--redis-url",
        redis_url,
        "--prefix",
        prefix,
    ]
    environment = {**os.environ, "NEWSFEED_DEV": "true", **env}  # benchmarks run on loopback, without credentials
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    try:
        _wait_ready(port, process)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(port: int, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"port {port} not ready within {timeout_s}s")


async def caught_up(redis_url: str, prefix: str, timeout_s: float = 600, *, related: bool = False) -> None:
    """Wait until the indexer group has no undelivered and no pending entries (and, with
    `related`, until the related lists account for every applied article: related-work is empty)."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            groups = await client.xinfo_groups(f"{key_root(prefix)}:articles")
            drained = not related or await client.xlen(Keys(prefix).related_work) == 0
            if groups and int(groups[0].get("lag") or 0) == 0 and int(groups[0]["pending"]) == 0 and drained:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the indexer did not catch up")
    finally:
        await client.aclose()
