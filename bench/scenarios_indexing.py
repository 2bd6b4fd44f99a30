"""Scenario 2: drain a backlog of realistic articles, newsfeed vs baselines.

Each contender gets its own key prefix holding the same preloaded entries and
runs in its own process; its rate is entries / (time from its first delivery
to the group's pending and lag both being zero).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import orjson
import redis.asyncio as aioredis
from faststream.redis import RedisBroker

from bench.corpus import Corpus
from newsfeed_readmodel.keys import Keys
from newsfeed_schemas.streams import encode_fields, key_root

__all__ = ["preload", "run_indexing"]


async def preload(client: aioredis.Redis, stream: str, envelopes: list[dict[str, Any]]) -> None:
    for start in range(0, len(envelopes), 1000):
        async with client.pipeline(transaction=False) as pipe:
            for envelope in envelopes[start : start + 1000]:
                pipe.xadd(stream, encode_fields(envelope, type_=envelope["type"], subject=envelope["subject"]))
            await pipe.execute()


async def preload_faststream(url: str, stream: str, envelopes: list[dict[str, Any]]) -> None:
    broker = RedisBroker(url)
    await broker.connect()
    for envelope in envelopes:
        await broker.publish(envelope, stream=stream)
    await broker.stop()


async def _group_state(client: aioredis.Redis, stream: str, group: str) -> tuple[int, int] | None:
    """(undelivered, pending) of `group`, None before the group exists."""
    try:
        groups = await client.xinfo_groups(stream)
    except aioredis.ResponseError:
        return None
    for info in groups:
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name == group:
            return int(info.get("lag") or 0), int(info["pending"])
    return None


async def drain_rate(
    client: aioredis.Redis,
    stream: str,
    group: str,
    total: int,
    commands: list[list[str]],
    timeout_s: float,
    env: dict[str, str] | None = None,
    work: str | None = None,
) -> dict[str, Any]:
    """Start `commands`, time from the first delivery until the group has caught up (and, when
    `work` names the related-work stream, until the related lists account for every article)."""
    environment = {**os.environ, **(env or {})}
    processes = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment) for c in commands
    ]
    first_delivery = None
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            state = await _group_state(client, stream, group)
            now = time.perf_counter()
            if state is not None:
                undelivered, pending = state
                if first_delivery is None and undelivered < total:
                    first_delivery = now
                related_lag = await client.xlen(work) if work is not None else 0
                if first_delivery is not None and undelivered == 0 and pending == 0 and related_lag == 0:
                    seconds = now - first_delivery
                    return {"events": total, "seconds": round(seconds, 2), "rate_per_s": round(total / seconds)}
            await asyncio.sleep(0.02)
        return {"events": total, "error": "timed out"}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def _indexer(url: str, prefix: str, name: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "newsfeed",
        "indexer",
        "--port",
        "0",
        "--redis-url",
        url,
        "--prefix",
        prefix,
        "--consumer",
        name,
    ]


async def run_indexing(url: str, count: int, fs_count: int, *, related_count: int) -> dict[str, Any]:
    client = aioredis.Redis.from_url(url)
    envelopes = list(Corpus(seed=11).envelopes(count))
    results: dict[str, Any] = {}
    try:
        await preload(client, "raw:articles", envelopes)
        results["raw redis-py loop"] = await drain_rate(
            client,
            "raw:articles",
            "bench",
            count,
            [
                [
                    sys.executable,
                    "-m",
                    "bench.contenders",
                    "raw",
                    "--redis-url",
                    url,
                    "--prefix",
                    "raw",
                    "--count",
                    str(count),
                ]
            ],
            600,
        )
        await preload_faststream(url, "fs:articles", envelopes[:fs_count])
        results["FastStream default subscriber"] = await drain_rate(
            client,
            "fs:articles",
            "bench",
            fs_count,
            [
                [
                    sys.executable,
                    "-m",
                    "bench.contenders",
                    "faststream",
                    "--redis-url",
                    url,
                    "--prefix",
                    "fs",
                    "--count",
                    str(fs_count),
                ]
            ],
            600,
        )
        for related, size in ((False, count), (True, related_count)):
            for replicas in (1, 2):
                prefix = f"nf{replicas}{'r' if related else 'f'}"
                await preload(client, f"{key_root(prefix)}:articles", envelopes[:size])
                commands = [_indexer(url, prefix, f"bench-{prefix}-{i}") for i in range(replicas)]
                label = f"newsfeed {'feed + related' if related else 'feed only'}, {replicas} replica(s)"
                results[label] = await drain_rate(
                    client,
                    f"{key_root(prefix)}:articles",
                    "indexer",
                    size,
                    commands,
                    900,
                    env={"NEWSFEED_RELATED_ENABLED": "true" if related else "false"},
                    work=Keys(prefix).related_work if related else None,
                )
    finally:
        await client.aclose()
    results["_payload_bytes"] = len(orjson.dumps(envelopes[0]))
    return results
