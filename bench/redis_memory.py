"""Redis memory per article, for sizing: the whole read model and the event log of one site.

    python -m bench.redis_memory            # 5,000 articles
    python -m bench.redis_memory --count 20000

Publishes `count` synthetic articles (`bench/corpus.py`: 500-word bodies, 1-3 tags, one author)
through `newsfeed up`'s app on a private redis-server (never 127.0.0.1:6379), waits until the
read model (related lists included) has caught up, and reports INFO `used_memory` growth per
article: in all, and without the event log (`{prefix}:articles`, which the indexer trims after
`NEWSFEED_TRIM_RETENTION_S`) and the change streams (capped).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import orjson
from tests.conftest import running_system
from tests.redis_server import RedisServer

from bench.corpus import Corpus
from newsfeed_readmodel.keys import Keys

PREFIX = "sizing"


async def measure(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder), appendonly=False)
        server.start()
        try:
            async with running_system(server.url, PREFIX) as system:
                before = int((await system.redis.info("memory"))["used_memory"])
                envelopes = list(Corpus().envelopes(count))
                for start in range(0, count, 500):
                    body = orjson.dumps(envelopes[start : start + 500])
                    response = await system.http.post(
                        "/v1/events/batch", content=body, headers={"content-type": "application/json"}
                    )
                    response.raise_for_status()
                await system.caught_up(timeout=count / 5)
                after = int((await system.redis.info("memory"))["used_memory"])
                streams = Keys(PREFIX).streams
                logs = 0
                for stream in (streams.articles, streams.feed_changes, streams.related_changes):
                    logs += int(await system.redis.memory_usage(stream, samples=0) or 0)
        finally:
            server.stop()
    total = (after - before) / count
    return {
        "bytes per article, all": round(total),
        "without the event log and change streams": round(total - logs / count),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.count))
    for name, value in figures.items():
        print(f"{name:44} {value:>8,}")
    per_gb = 2**30 / figures["without the event log and change streams"]
    print(f"{'articles per GiB of read model':44} {per_gb:>8,.0f}")


if __name__ == "__main__":
    main()
