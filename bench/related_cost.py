"""Cost of related links for one new article at 1k, 10k and 100k articles already indexed.

    python -m bench.related_cost            # 1,000 / 10,000 / 100,000 (a few minutes)
    python -m bench.related_cost --quick    # 1,000 / 10,000 (about a minute)

On a private redis-server (never 127.0.0.1:6379). The corpus (`bench/corpus.py`: Zipf
vocabulary, 500-word bodies, 1-3 of 60 tags) is populated in batches of `--batch` articles
through `RelatedIndex.index_many`, the indexer's own index write (profiles, postings,
document frequencies), plus a related list of 20 and holder entries of the shape the
projector writes, so memory per article is representative. Then at each size, through the
full projector (`prepare`, then `write` run by the store's atomic script):

* `single`: `samples` new articles indexed one per batch (prepare + atomic write), the
  latency of one article on an idle replica; median and p90;
* `batched`: `samples` more new articles in batches of `--batch`, the throughput of one
  replica catching up, as ms per article and events/s.

Reported: the above, the 100k/1k ratio of the single-article median, and INFO used_memory
delta / articles. Numbers on a shared machine are noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis
from tests.redis_server import RedisServer

from bench.corpus import Corpus
from newsfeed_readmodel.batch import OpBatch
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.projection import Transition, transition
from newsfeed_readmodel.related.index import RelatedConfig, RelatedIndex, RelatedProjector
from newsfeed_readmodel.scripts import APPLY
from newsfeed_schemas.events import parse_event


class Indexer:
    """The related part of the indexer: prepare, then the writes in one atomic script."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self.projector = RelatedProjector(RelatedIndex(client, Keys(prefix), RelatedConfig()))
        self.apply = client.register_script(APPLY)

    async def run(self, transitions: list[Transition]) -> None:
        plan = await self.projector.prepare(transitions)
        ops = OpBatch()
        self.projector.write(ops, plan)
        await self.apply(args=ops.argv())


def transitions(corpus: Corpus, start: int, stop: int) -> list[Transition]:
    found = [transition(None, parse_event(corpus.envelope(i))) for i in range(start, stop)]
    return [t for t in found if t is not None]


async def populate(indexer: Indexer, corpus: Corpus, size: int, batch: int, seed: int = 5) -> None:
    """Index entries through `RelatedIndex.index_many` (the indexer's own first step), and a
    related list of 20 recent articles per article with holder sets, as the projector writes
    them: ranking every article during population would only make the setup slow."""
    rng = random.Random(seed)
    index = indexer.projector.index
    keys = index.keys
    for start in range(0, size, batch):
        stop = min(start + batch, size)
        documents = {t.article_id: t.document for t in transitions(corpus, start, stop) if t.document}
        await index.index_many(documents, [])
        ops = OpBatch()
        for i in range(start, stop):
            owner = f"art-{i:07d}"
            links = {f"art-{rng.randrange(max(0, i - 2_000), i):07d}": rng.uniform(0.02, 0.3) for _ in range(20) if i}
            if links:
                ops.zadd(keys.related(owner), links)
            for member in links:
                ops.sadd(keys.rel_holders(member), owner)
        if ops.count:
            await indexer.apply(args=ops.argv())


async def measure(url: str, size: int, samples: int, batch: int) -> dict[str, float]:
    client = aioredis.Redis.from_url(url)
    await client.flushdb()
    base = (await client.info("memory"))["used_memory"]
    indexer = Indexer(client, f"cost{size}")
    corpus = Corpus(seed=11)
    began = time.perf_counter()
    await populate(indexer, corpus, size, batch)
    populated_s = time.perf_counter() - began
    used = (await client.info("memory"))["used_memory"] - base
    single = []
    for i in range(size, size + samples):
        pending = transitions(corpus, i, i + 1)
        began = time.perf_counter()
        await indexer.run(pending)
        single.append(time.perf_counter() - began)
    first = size + samples
    batches = [transitions(corpus, s, s + batch) for s in range(first, first + samples, batch)]
    began = time.perf_counter()
    for pending in batches:
        await indexer.run(pending)
    batched_s = (time.perf_counter() - began) / sum(len(b) for b in batches)
    await client.flushdb()
    await client.aclose()
    return {
        "articles": size,
        "median_ms": statistics.median(single) * 1000,
        "p90_ms": sorted(single)[int(0.9 * len(single))] * 1000,
        "batched_ms": batched_s * 1000,
        "bytes_per_article": used / size,
        "populate_s": populated_s,
    }


async def main(quick: bool, samples: int, batch: int) -> None:
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp), appendonly=False)
        server.start()
        try:
            rows = [await measure(server.url, size, samples, batch) for size in sizes]
        finally:
            server.stop()
    print("| articles | single median ms | p90 ms | batched ms/article | events/s | bytes/article | populate s |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['articles']:,} | {row['median_ms']:.2f} | {row['p90_ms']:.2f} | {row['batched_ms']:.3f}"
            f" | {1000 / row['batched_ms']:,.0f} | {row['bytes_per_article']:,.0f} | {row['populate_s']:.1f} |"
        )
    ratio = rows[-1]["median_ms"] / rows[0]["median_ms"]
    batched_ratio = rows[-1]["batched_ms"] / rows[0]["batched_ms"]
    print(
        f"ratio {rows[-1]['articles']:,} / {rows[0]['articles']:,}: single median {ratio:.2f},"
        f" batched {batched_ratio:.2f} (must be <= 2)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only (about a minute)")
    parser.add_argument("--samples", type=int, default=200, help="new articles timed per size and mode")
    parser.add_argument("--batch", type=int, default=200, help="articles per batch (XREADGROUP COUNT)")
    args = parser.parse_args()
    asyncio.run(main(args.quick, args.samples, args.batch))
