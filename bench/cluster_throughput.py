"""Indexing three sites: on a local Redis Cluster (3 masters) against the same on one Redis, same run.

    python -m bench.cluster_throughput                 # 3 x 5,000 articles, feeds only
    python -m bench.cluster_throughput --related       # feeds and related lists
    python -m bench.cluster_throughput --count 2000

Each site's stream is preloaded with the same `count` articles (`bench/corpus.py`); then one
`newsfeed indexer` process per site drains it. The rate is all entries / the time from the
first delivery until every site's group has lag 0 and pending 0. The baseline is the same three
sites on one redis-server (never 127.0.0.1:6379), measured in the same run: the ratio says what
spreading sites over masters buys on this machine, where the indexers and every Redis share its
cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.cluster import key_slot
from tests.redis_cluster import LocalCluster
from tests.redis_server import RedisServer

from bench.corpus import Corpus
from bench.scenarios_indexing import preload
from newsfeed_runtime.redis import connect
from newsfeed_schemas.streams import INDEXER_GROUP, key_root

SITES = ["site-a", "site-b", "site-d"]  # slots 3838, 16029, 7771: one per master of a 3-master cluster


async def _state(client: Redis, stream: str) -> tuple[int, int] | None:
    try:
        groups = await client.xinfo_groups(stream)
    except Exception:
        return None
    for info in groups:
        if info["name"] in (INDEXER_GROUP, INDEXER_GROUP.encode()):
            return int(info.get("lag") or 0), int(info["pending"])
    return None


async def drain(url: str, count: int, *, related: bool, cluster: bool) -> dict[str, Any]:
    client = connect(url, cluster=cluster)
    envelopes = list(Corpus().envelopes(count))
    try:
        for site in SITES:
            await preload(client, f"{key_root(site)}:articles", envelopes)
        env = {**os.environ, "NEWSFEED_RELATED_ENABLED": str(related).lower()}
        commands = [
            [sys.executable, "-m", "newsfeed", "indexer", "--port", "0", "--redis-url", url, "--prefix", site]
            for site in SITES
        ]
        processes = [
            subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env) for c in commands
        ]
        first = None
        try:
            while True:
                states = [await _state(client, f"{key_root(site)}:articles") for site in SITES]
                now = time.perf_counter()
                if first is None and any(s is not None and s[0] < count for s in states):
                    first = now
                if first is not None and all(s is not None and s == (0, 0) for s in states):
                    seconds = now - first
                    return {
                        "events": count * len(SITES),
                        "seconds": round(seconds, 2),
                        "rate_per_s": round(count * len(SITES) / seconds),
                    }
                await asyncio.sleep(0.05)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
    finally:
        await client.aclose()


async def main_async(count: int, related: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder) / "single", appendfsync="everysec")
        server.start()
        try:
            single = await drain(server.url, count, related=related, cluster=False)
        finally:
            server.stop()
        with LocalCluster(Path(folder) / "cluster") as cluster:
            masters = {cluster.master_of_slot(key_slot(key_root(site).encode())).port for site in SITES}
            on_cluster = await drain(cluster.url, count, related=related, cluster=True)
    print(f"one Redis, 3 sites:                {single}")
    print(f"Redis Cluster, 3 sites on {len(masters)} masters: {on_cluster}")
    print(f"cluster / one Redis: {on_cluster['rate_per_s'] / single['rate_per_s']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000, help="articles per site")
    parser.add_argument("--related", action="store_true", help="keep related lists too")
    args = parser.parse_args()
    asyncio.run(main_async(args.count, args.related))


if __name__ == "__main__":
    main()
