"""Scenario 1: ingest through the publisher vs raw XADD and redis-benchmark."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from typing import Any

import orjson
import redis.asyncio as aioredis

from bench.corpus import Corpus
from bench.http_load import closed_loop, open_loop, request_bytes
from bench.processes import service
from newsfeed_schemas.streams import encode_fields

__all__ = ["run_ingest"]


async def raw_xadd_rate(url: str, envelopes: list[dict[str, Any]]) -> float:
    """The same entries appended by a pipelined redis-py XADD loop (1,000 per round trip)."""
    client = aioredis.Redis.from_url(url)
    fields = [encode_fields(e, type_=e["type"], subject=e["subject"]) for e in envelopes]
    started = time.perf_counter()
    for start in range(0, len(fields), 1000):
        async with client.pipeline(transaction=False) as pipe:
            for entry in fields[start : start + 1000]:
                pipe.xadd("rawxadd:articles", entry)
            await pipe.execute()
    seconds = time.perf_counter() - started
    await client.aclose()
    return len(fields) / seconds


def redis_benchmark_xadd(port: int, requests: int) -> float | None:
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return None
    output = subprocess.run(
        [binary, "-p", str(port), "-n", str(requests), "-P", "16", "-q", "XADD", "rb:stream", "*", "f", "v"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    match = re.search(r"([\d.]+) requests per second", output)
    return float(match.group(1)) if match else None


async def run_ingest(url: str, port_of_redis: int, *, single: int, steady_s: float, batches: int) -> dict[str, Any]:
    corpus = Corpus(seed=5)
    envelopes = list(corpus.envelopes(single + batches * 500))
    bodies = [orjson.dumps(e) for e in envelopes]
    results: dict[str, Any] = {}
    with service("publisher", url, "ingest") as port:
        posts = [request_bytes("POST", "/v1/events", body) for body in bodies[:single]]
        results["single, 32 clients"] = (await closed_loop(port, posts.__getitem__, total=single)).summary()
        # steady 1,000 requests/s of fresh ids (the closed loop used the first `single`)
        steady_total = int(1000 * steady_s)
        steady = [
            request_bytes("POST", "/v1/events", orjson.dumps({**e, "id": e["id"] + "-steady"}))
            for e in (envelopes * (1 + steady_total // len(envelopes)))[:steady_total]
        ]
        results["single, steady 1,000/s"] = (
            await open_loop(port, steady.__getitem__, rate=1000, seconds=steady_s)
        ).summary()
        batch_bodies = [
            request_bytes(
                "POST", "/v1/events/batch", orjson.dumps(envelopes[single + i * 500 : single + (i + 1) * 500])
            )
            for i in range(batches)
        ]
        batch = await closed_loop(port, batch_bodies.__getitem__, total=batches, concurrency=4)
        results["batch of 500, 4 clients"] = {
            "requests": batch.requests,
            "errors": batch.errors,
            "events_per_s": round(batch.rate * 500),
            "p50_ms": batch.summary()["p50_ms"],
        }
    raw = await raw_xadd_rate(url, envelopes)
    results["baseline: raw pipelined XADD"] = {"events_per_s": round(raw)}
    bench = redis_benchmark_xadd(port_of_redis, 200_000)
    results["baseline: redis-benchmark XADD -P 16"] = {"events_per_s": round(bench) if bench else None}
    results["ratios"] = {
        "batch / raw XADD": round(results["batch of 500, 4 clients"]["events_per_s"] / raw, 2),
        "single / raw XADD": round(results["single, 32 clients"]["rate_per_s"] / raw, 3),
    }
    return results
