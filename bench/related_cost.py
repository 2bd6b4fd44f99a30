"""What related links cost: per new article at 1k, 10k and 100k live articles, and in memory.

    python -m bench.related_cost            # 1,000 / 10,000 / 100,000 (about 15 minutes)
    python -m bench.related_cost --quick    # 1,000 / 10,000 (about 2 minutes)

Articles are English-like (`tests/related_corpus.py`): words drawn by their real frequency,
plus the words of one of 300 topics (so related lists are not noise), 300-700 words, 1-3 tags.
`--words made-up` takes the articles `bench.run` indexes instead (`bench/corpus.py`: made-up
words the frequency table does not know, as text in a language without a table would be).
`--sections N` puts N tags on every article first, as a site's section tags ("news") are.
Measured, in one process, on the engine the related maintainer runs (`RelatedEngine`):

* features: articles/s through `extract` (done once per article, in the content worker);
* rebuild: `apply` of every article at once, what `newsfeed reindex --related` computes;
* one article: `samples` new articles applied one at a time (a replica keeping up), median
  and p90 ms, and how many lists each one changes; then each taken down again;
* batch: 200 new articles in one `apply` (a replica catching up), ms per article;
* memory: the engine's embedding rows and process RSS per article; and, on a private
  redis-server (never 127.0.0.1:6379), Redis `used_memory` per article for the related list
  (a zset of up to 20) and the stored features, written the way the store writes them.

The baseline in the same run is the smallest size: the ratios say how the cost grows with
the number of live articles. A shared machine is noisy; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import redis.asyncio as aioredis
from tests.redis_server import RedisServer
from tests.related_corpus import EnglishLike

from bench.corpus import Corpus
from newsfeed_readmodel.content import prepare
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.engine import RelatedEngine
from newsfeed_readmodel.related.features import Features, FeatureSettings, Input, encode_features, extract
from newsfeed_readmodel.related.scoring import ScoreSettings
from newsfeed_readmodel.related.settings import RelatedSettings

BATCH = 200


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class MadeUpWords:
    """The articles of `bench/corpus.py` (what `bench.run` indexes): 500 made-up words drawn from a
    Zipf vocabulary that the English frequency table does not know, as in a language without one."""

    def __init__(self) -> None:
        self.corpus = Corpus(seed=11)

    def parts(self, index: int) -> tuple[str, str, list[str], datetime]:
        data = self.corpus.article(index)
        published = datetime.fromisoformat(data["published_at"].replace("Z", "+00:00"))
        return data["title"], prepare(data["html"], None).text, [t["slug"] for t in data["tags"]], published


def article(source: EnglishLike | MadeUpWords, index: int, sections: int) -> Input:
    title, text, tags, published = source.parts(index)
    return (title, text, [f"section-{i}" for i in range(sections)] + tags, "en", published)


def featurise(source: EnglishLike | MadeUpWords, count: int, sections: int) -> tuple[list[Features], float]:
    settings = FeatureSettings()
    out: list[Features] = []
    began = time.perf_counter()
    for start in range(0, count, 500):
        out.extend(extract([article(source, i, sections) for i in range(start, min(count, start + 500))], settings))
    return out, count / (time.perf_counter() - began)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def at_size(features: list[Features], size: int, samples: int) -> dict[str, float]:
    """Rebuild `size` articles, then time new articles one at a time and in one batch."""
    ids = [f"a{i:07d}" for i in range(len(features))]
    engine = RelatedEngine(ScoreSettings())
    rss = rss_bytes()
    began = time.perf_counter()
    engine.apply(dict(zip(ids[:size], features[:size], strict=True)))
    rebuild_s = time.perf_counter() - began
    rss_per_article = (rss_bytes() - rss) / size

    single_ms, lists_changed, removal_ms = [], [], []
    for i in range(size, size + samples):
        began = time.perf_counter()
        changed = engine.apply({ids[i]: features[i]})
        single_ms.append((time.perf_counter() - began) * 1000)
        lists_changed.append(len(changed))
        began = time.perf_counter()
        engine.apply({ids[i]: None})
        removal_ms.append((time.perf_counter() - began) * 1000)

    batch = range(size + samples, size + samples + BATCH)
    began = time.perf_counter()
    engine.apply({ids[i]: features[i] for i in batch})
    batch_ms = (time.perf_counter() - began) * 1000 / BATCH
    return {
        "rebuild s": round(rebuild_s, 2),
        "one article median ms": round(statistics.median(single_ms), 2),
        "one article p90 ms": round(percentile(single_ms, 0.9), 2),
        "take-down median ms": round(statistics.median(removal_ms), 2),
        "lists changed per article": round(statistics.mean(lists_changed), 1),
        f"batch of {BATCH}, ms per article": round(batch_ms, 2),
        "engine rows bytes/article": round(engine.rows_bytes() / len(engine)),
        "process RSS bytes/article": round(rss_per_article),
    }


async def redis_bytes(features: list[Features], size: int) -> float:
    """Redis used_memory per article of related lists and stored features, as the store writes them."""
    engine = RelatedEngine(ScoreSettings())
    ids = [f"a{i:07d}" for i in range(size)]
    lists = engine.apply(dict(zip(ids, features[:size], strict=True)))
    keys = Keys("cost")
    made_with = RelatedSettings().features_fingerprint()
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder), appendonly=False)
        server.start()
        client = aioredis.from_url(server.url)
        try:
            before = int((await client.info("memory"))["used_memory"])
            for start in range(0, size, 1000):
                pipe = client.pipeline(transaction=False)
                for aid, feature in zip(ids[start : start + 1000], features[start : start + 1000], strict=True):
                    pipe.hset(keys.article(aid), "features", encode_features(feature, made_with))
                    entries = lists.get(aid, ([], []))[1]
                    if entries:
                        pipe.zadd(keys.related(aid), {other: -score for score, other in entries})
                await pipe.execute()
            after = int((await client.info("memory"))["used_memory"])
        finally:
            await client.aclose()
            server.stop()
    return (after - before) / size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 articles only")
    parser.add_argument("--samples", type=int, default=30, help="single new articles timed at each size")
    parser.add_argument(
        "--words",
        choices=("english", "made-up"),
        default="english",
        help="English-like articles, or bench/corpus.py's made-up words (default: %(default)s)",
    )
    parser.add_argument(
        "--sections",
        type=int,
        default=0,
        help="tags every article carries first (a site's section tags, such as 'news'; default: %(default)s)",
    )
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    source = EnglishLike() if args.words == "english" else MadeUpWords()
    features, per_second = featurise(source, max(sizes) + args.samples + BATCH, args.sections)
    print(f"features: {per_second:,.0f} articles/s (extract, one process)")
    results = {size: at_size(features, size, args.samples) for size in sizes}
    for size, figures in results.items():
        print(f"\n{size:,} live articles")
        for name, value in figures.items():
            print(f"  {name:34} {value:>10}")
    base, top = results[sizes[0]], results[sizes[-1]]
    batch = f"batch of {BATCH}, ms per article"
    one = "one article median ms"
    print(
        f"\n{sizes[-1]:,} / {sizes[0]:,}: one article x{top[one] / base[one]:.1f}, "
        f"batch x{top[batch] / base[batch]:.1f}, "
        f"rebuild x{top['rebuild s'] / max(base['rebuild s'], 1e-3):.0f} (articles x{sizes[-1] // sizes[0]})"
    )
    size = sizes[1]
    print(f"Redis per article at {size:,}: {asyncio.run(redis_bytes(features, size)):,.0f} bytes (list + features)")


if __name__ == "__main__":
    main()
