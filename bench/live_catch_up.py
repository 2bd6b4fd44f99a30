"""Pages that reconnect to the live stream together: what their catch-up costs the API.

    python -m bench.live_catch_up                 # 150 pages, 1,000 missed changes (a few seconds)
    python -m bench.live_catch_up --pages 500
    python -m bench.live_catch_up --pages 300 --spread --tags 30   # each page from its own place

After an API restart every open page reconnects at once with the same `Last-Event-ID` and is
owed the changes it missed (up to 1,000). The feed-changes hub (`newsfeed_api.live`) is run
in-process against a private redis-server (never 127.0.0.1:6379) holding 1,000 announced
changes over 21 feeds; first one page resumes alone (the baseline), then all the pages at once.
With `--spread` each page resumes from its own place among those changes (pages opened at
different moments); with `--tags N` each change names N tag feeds besides `all` (an article
with N tags), which makes each change N times larger.
Printed: seconds of each, their ratio (the pages' cost in units of one page), the longest the
event loop went without serving anything else, and the changes delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis
from tests.redis_server import RedisServer
from tests.waiting import longest_pause

from newsfeed_api.live import FeedChangesHub
from newsfeed_schemas.streams import encode_fields

MISSED = 1_000


async def announce(redis: aioredis.Redis, stream: str, tags: int) -> list[str]:
    """1,000 changes, each to `all` and `tags` of 20 tag feeds; their ids, after the id before the first."""
    ids = [(await redis.xadd(stream, {"data": b"{}"})).decode()]
    for i in range(MISSED):
        delta = {"inserted": [f"a{i}"], "moved": [], "updated": [], "removed": []}
        feeds = [{"feed": "all", **delta}, *({"feed": f"tag:t{(i + j) % 20}", **delta} for j in range(tags))]
        payload = {"type": "feed.changed", "article_id": f"a{i}", "event_type": "article.published", "feeds": feeds}
        ids.append((await redis.xadd(stream, encode_fields(payload, type_="feed.changed", subject=f"a{i}"))).decode())
    return ids


async def resume(hub: FeedChangesHub, feed: str, place: str) -> int:
    """A page resuming from `place`: how many changes it was sent (its catch-up is one block)."""
    async for frames in hub.watch(feed, place):
        return frames.count(b"event: feed.changed")
    return 0


async def run(pages: int, spread: bool, tags: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder), appendonly=False)
        server.start()
        redis = aioredis.Redis.from_url(server.url)
        try:
            ids = await announce(redis, "changes", tags)
            place = ids[0]
            places = [ids[k * MISSED // pages] if spread else place for k in range(pages)]
            feeds = ["all" if k % 2 else f"tag:t{k % 20}" for k in range(pages)]
            hub = FeedChangesHub(redis, "changes")
            began = time.perf_counter()
            await resume(hub, "all", place)
            alone = time.perf_counter() - began
            await hub.stop()
            hub = FeedChangesHub(redis, "changes")  # a fresh hub, as after a restart
            began = time.perf_counter()
            pages_resuming = (resume(hub, feed, at) for feed, at in zip(feeds, places, strict=True))
            sent, pause = await longest_pause(asyncio.gather(*pages_resuming))
            together = time.perf_counter() - began
            await hub.stop()
            print(f"one page alone: {alone:.3f} s")
            print(f"{pages} pages together: {together:.3f} s ({together / alone:.1f}x one page)")
            print(f"longest event-loop pause: {pause * 1000:.0f} ms; changes sent: {sum(sent):,}")
        finally:
            await redis.aclose()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--spread", action="store_true", help="each page resumes from its own place")
    parser.add_argument("--tags", type=int, default=1, help="tag feeds each change names besides all")
    args = parser.parse_args()
    asyncio.run(run(args.pages, args.spread, args.tags))


if __name__ == "__main__":
    main()
