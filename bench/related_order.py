"""Order test at full size: the same events in two shuffled orders give the same related lists.

    python -m bench.related_order                  # 2,125 articles (about 2 minutes)
    python -m bench.related_order --articles 500

The events of `tests/related_corpus.history` (every article published; about one in eight then
edited onto another topic, one in twenty unpublished, one in thirty deleted) are shuffled twice
and posted, 100 to a batch, through the publisher of a whole newsfeed system (`newsfeed up`'s
app) into two fresh private redis-servers (never 127.0.0.1:6379). Once each has caught up, its
related lists are read, then `newsfeed reindex --related` recomputes them from scratch.

Printed: mean top-5 Jaccard of the two orders (1.000 when the sets agree everywhere), the share
of articles whose top-5 set or first link differ, whether the whole lists are identical, and
whether each live result equals its reindex. The CI test of the same guarantee
(`tests/integration/test_related_order.py`) runs 240 articles.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.conftest import running_system
from tests.integration.test_related_order import publish_in_order, top5_jaccard
from tests.integration.test_related_reindex import store_for, stored_lists
from tests.redis_server import RedisServer
from tests.related_corpus import history

from newsfeed_readmodel.related.maintainer import reindex_related

Lists = dict[str, list[tuple[str, float]]]


async def lists_after(folder: Path, events: list[dict[str, Any]]) -> tuple[Lists, Lists, float]:
    """(lists kept by the live path, lists after a reindex, seconds to publish and catch up)."""
    server = RedisServer(folder, appendonly=False)
    server.start()
    try:
        async with running_system(server.url, "order") as system:
            began = time.perf_counter()
            await publish_in_order(system, events)
            seconds = time.perf_counter() - began
            live = await stored_lists(system)
            await reindex_related(store_for(system), lambda _: None)
            return live, await stored_lists(system), seconds
    finally:
        server.stop()


def differing(a: Lists, b: Lists, *, first_only: bool) -> float:
    """Share of articles (with a list in either) whose top-5 set, or first link, differs."""
    keys = a.keys() | b.keys()
    if first_only:
        return sum(a.get(k, [("", 0.0)])[:1] != b.get(k, [("", 0.0)])[:1] for k in keys) / max(1, len(keys))
    return sum({m for m, _ in a.get(k, [])[:5]} != {m for m, _ in b.get(k, [])[:5]} for k in keys) / max(1, len(keys))


async def main(articles: int) -> None:
    events = history(articles, topics=max(10, min(articles // 6, 300)))  # 40 words a topic: 300 at most
    one, two = events[:], events[:]
    random.Random(1).shuffle(one)
    random.Random(2).shuffle(two)
    with tempfile.TemporaryDirectory() as folder:
        first, first_reindexed, first_s = await lists_after(Path(folder) / "one", one)
        second, second_reindexed, second_s = await lists_after(Path(folder) / "two", two)
    print(f"{articles:,} articles, {len(events):,} events; {len(first):,} related lists in the first order")
    print(f"published and caught up in {first_s:.0f} s and {second_s:.0f} s")
    print(f"mean top-5 Jaccard, order one vs order two: {top5_jaccard(first, second):.3f}")
    print(f"top-5 set differs: {differing(first, second, first_only=False):.1%}")
    print(f"first link differs: {differing(first, second, first_only=True):.1%}")
    print(f"whole lists identical: {first == second}")
    print(f"live equals reindex: {first == first_reindexed} (order one), {second == second_reindexed} (order two)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2125, help="articles in the history (default: %(default)s)")
    asyncio.run(main(parser.parse_args().articles))
