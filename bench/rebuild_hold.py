"""How long `newsfeed reindex` holds the indexer's writes, against how long the whole rebuild takes.

    python -m bench.rebuild_hold                      # 10,000 and 100,000 articles (about 2 minutes)
    python -m bench.rebuild_hold --sizes 2000

A rebuild of the feeds builds fresh keys while the indexer goes on writing, then holds the
indexer's writes only to catch up with the articles that changed meanwhile and to switch the
fresh keys in (`newsfeed_readmodel.reindex`). Each size is written by the read model's own writer
into a private redis-server (never 127.0.0.1:6379), then rebuilt twice: once with nothing else
writing, once while a writer publishes, edits and takes down articles without a pause. Printed
per run: the whole rebuild, the hold, the hold's share of the rebuild (the ratio is the figure
to compare across machines), and how many articles changed during the build.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import redis.asyncio as aioredis
from tests.factories import published, unpublished
from tests.redis_server import RedisServer

from newsfeed_readmodel import reindex
from newsfeed_readmodel.entries import StreamEntry
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.writer import ReadModelWriter
from newsfeed_schemas.events import parse_event

TAGS = [[{"slug": "world"}], [{"slug": "economy"}, {"slug": "world"}], [{"slug": "sport"}]]


def entries(events: list[dict[str, Any]], first: int) -> list[StreamEntry]:
    return [StreamEntry(f"{first + i}-0".encode(), parse_event(orjson.dumps(e))) for i, e in enumerate(events)]


async def fill(writer: ReadModelWriter, size: int) -> None:
    for start in range(0, size, 500):
        batch = [published(f"a{i:07d}", minutes=i, tags=TAGS[i % 3]) for i in range(start, min(start + 500, size))]
        await writer.apply(entries(batch, start + 1))


async def busy_cms(writer: ReadModelWriter, size: int, stop: asyncio.Event) -> int:
    """New articles, edits and take-downs, one at a time, until `stop`; how many were applied."""
    sent = 0
    while not stop.is_set():
        i = size + sent
        if sent % 3 == 0:
            event = published(f"a{i:07d}", minutes=i, tags=TAGS[i % 3])
        elif sent % 3 == 1:
            event = published(f"a{sent:07d}", minutes=sent, revision=2, tags=TAGS[(sent + 1) % 3])
        else:
            event = unpublished(f"a{sent + size // 2:07d}", revision=2)
        await writer.apply(entries([event], 10_000_000 + sent))
        sent += 1
        await asyncio.sleep(0)
    return sent


async def rebuild_timed(redis: aioredis.Redis, keys: Keys) -> tuple[float, float]:
    """(whole rebuild s, writes held s)."""
    held: list[float] = []
    original = reindex._writes_held

    @asynccontextmanager
    async def timed(*args: Any) -> AsyncIterator[Any]:
        async with original(*args) as renew:
            began = time.perf_counter()
            yield renew
            held.append(time.perf_counter() - began)

    reindex._writes_held = timed  # type: ignore[assignment]
    try:
        began = time.perf_counter()
        await reindex.rebuild_feeds(redis, keys)
        return time.perf_counter() - began, sum(held)
    finally:
        reindex._writes_held = original  # type: ignore[assignment]


async def run(sizes: list[int]) -> None:
    print(f"{'articles':>9} {'writer':>7} {'rebuild s':>10} {'held ms':>8} {'held/rebuild':>13} {'writes':>7}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            server = RedisServer(Path(folder), appendonly=False)
            server.start()
            redis = aioredis.Redis.from_url(server.url)
            try:
                keys = Keys("bench")
                writer = ReadModelWriter(redis, keys, related=False)
                await fill(writer, size)
                whole, held = await rebuild_timed(redis, keys)
                print(f"{size:>9,} {'idle':>7} {whole:>10.2f} {held * 1000:>8.1f} {held / whole:>13.3f} {0:>7}")
                stop = asyncio.Event()
                cms = asyncio.create_task(busy_cms(writer, size, stop))
                whole, held = await rebuild_timed(redis, keys)
                stop.set()
                writes = await cms
                print(f"{size:>9,} {'busy':>7} {whole:>10.2f} {held * 1000:>8.1f} {held / whole:>13.3f} {writes:>7}")
            finally:
                await redis.aclose()
                server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    asyncio.run(run(parser.parse_args().sizes))


if __name__ == "__main__":
    main()
