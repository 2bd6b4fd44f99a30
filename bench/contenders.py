"""Baseline consumers the indexer is measured against, each run as its own process.

    python -m bench.contenders raw        --redis-url URL --prefix P --count N
    python -m bench.contenders faststream --redis-url URL --prefix P --count N

Both do the same feed writes as newsfeed (article hash + ZADD into the all, tag
and author feeds) without validation, fencing or announcements:
* `raw`: XREADGROUP COUNT 100, one pipeline and one XACK per batch;
* `faststream`: a plain FastStream stream subscriber with default settings
  (one message per call, acknowledged by FastStream after the handler).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as aioredis
from faststream.redis import RedisBroker, StreamSub

GROUP = "bench"


def _feed_writes(pipe: Any, prefix: str, raw: bytes, envelope: dict[str, Any] | None = None) -> None:
    data = (envelope or orjson.loads(raw))["data"]
    millis = int(datetime.fromisoformat(data["published_at"].replace("Z", "+00:00")).timestamp() * 1000)
    member = f"{millis:015d}|{data['id']}"
    pipe.hset(f"{prefix}:article:{data['id']}", mapping={"doc": raw, "state": "published"})
    pipe.zadd(f"{prefix}:feed:all", {member: 0})
    for tag in data.get("tags", []):
        pipe.zadd(f"{prefix}:feed:tag:{tag['slug']}", {member: 0})
    for author in data.get("authors", []):
        pipe.zadd(f"{prefix}:feed:author:{author['slug']}", {member: 0})


async def run_raw(url: str, prefix: str, count: int) -> None:
    client = aioredis.Redis.from_url(url)
    stream = f"{prefix}:articles"
    await _create_group(client, stream)
    done = 0
    while done < count:
        reply = await client.xreadgroup(GROUP, "raw", {stream: ">"}, count=100, block=1000)
        if not reply:
            continue
        rows = reply[0][1]
        async with client.pipeline(transaction=False) as pipe:
            for _, fields in rows:
                _feed_writes(pipe, prefix, fields[b"data"])
            pipe.xack(stream, GROUP, *[sid for sid, _ in rows])
            await pipe.execute()
        done += len(rows)
    await client.aclose()


async def run_faststream(url: str, prefix: str, count: int) -> None:
    client = aioredis.Redis.from_url(url)
    stream = f"{prefix}:articles"
    await _create_group(client, stream)
    broker = RedisBroker(url)
    finished = asyncio.Event()
    seen = 0

    @broker.subscriber(stream=StreamSub(stream, group=GROUP, consumer="faststream"))
    async def handle(body: dict[str, Any]) -> None:
        nonlocal seen
        async with client.pipeline(transaction=False) as pipe:
            _feed_writes(pipe, prefix, orjson.dumps(body), body)
            await pipe.execute()
        seen += 1
        if seen >= count:
            finished.set()

    await broker.start()
    await finished.wait()
    await broker.stop()
    await client.aclose()


async def _create_group(client: aioredis.Redis, stream: str) -> None:
    try:
        await client.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except aioredis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["raw", "faststream"])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    runner = run_raw if args.kind == "raw" else run_faststream
    asyncio.run(runner(args.redis_url, args.prefix, args.count))


if __name__ == "__main__":
    main()
