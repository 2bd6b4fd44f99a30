"""Scenario 3: time from the publisher's 202 to the article being visible.

The feed and its `feed-changes` announcement are written by one atomic script,
so the moment the announcement appears is the moment `GET /v1/feed` shows the
article; likewise `related-changes` for the neighbours' related lists. A
listener tails both streams while events are posted at a steady rate.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import redis.asyncio as aioredis

from bench.corpus import Corpus
from bench.http_load import open_loop, percentile, request_bytes
from bench.processes import caught_up, service
from newsfeed_schemas.streams import key_root

__all__ = ["run_freshness"]


class Listener:
    def __init__(self, url: str, prefix: str) -> None:
        self.client = aioredis.Redis.from_url(url)
        self.prefix = prefix
        self.in_feed: dict[str, float] = {}
        self.in_related: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.cursors = {
            f"{key_root(self.prefix)}:feed-changes": await self._last(f"{key_root(self.prefix)}:feed-changes"),
            f"{key_root(self.prefix)}:related-changes": await self._last(f"{key_root(self.prefix)}:related-changes"),
        }
        self._task = asyncio.create_task(self._run())

    async def _last(self, stream: str) -> str:
        last = await self.client.xrevrange(stream, count=1)
        return last[0][0].decode() if last else "0-0"

    async def _run(self) -> None:
        while True:
            reply = await self.client.xread(self.cursors, block=1000, count=500)
            now = time.perf_counter()
            for stream, rows in reply or []:
                name = stream.decode()
                self.cursors[name] = rows[-1][0].decode()
                for _, fields in rows:
                    payload = orjson.loads(fields[b"data"])
                    if name.endswith("feed-changes"):
                        self.in_feed.setdefault(payload["article_id"], now)
                    else:
                        for link in payload.get("related", []):
                            if link["id"] != payload["article_id"]:
                                self.in_related.setdefault(link["id"], now)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self.client.aclose()


async def run_freshness(
    url: str, *, backlog: int, seconds: float, rates: tuple[int, ...], related: bool = True, prefix: str = "fresh"
) -> dict[str, Any]:
    """Freshness at each rate; with `related=False` the indexer keeps the feeds only."""
    corpus = Corpus(seed=9)
    results: dict[str, Any] = {}
    indexer_env = {"NEWSFEED_RELATED_ENABLED": "true" if related else "false"}
    with service("publisher", url, prefix) as publisher, service("indexer", url, prefix, **indexer_env):
        backlog_events = list(corpus.envelopes(backlog))
        for start in range(0, backlog, 500):
            body = orjson.dumps(backlog_events[start : start + 500])
            await open_loop(
                publisher, lambda _i, b=body: request_bytes("POST", "/v1/events/batch", b), rate=50, seconds=0.02
            )
        await caught_up(url, prefix, related=related)  # the measured events find an idle pipeline
        offset = backlog
        for rate in rates:
            count = int(rate * seconds)
            envelopes = list(corpus.envelopes(count, start=offset))
            offset += count
            requests = [request_bytes("POST", "/v1/events", orjson.dumps(e)) for e in envelopes]
            answered: dict[str, float] = {}

            def on_response(index: int, status: int, _body: bytes, done: float, envs=envelopes, got=answered) -> None:
                if status == 202:
                    got[envs[index]["subject"]] = done

            listener = Listener(url, prefix)
            await listener.start()
            load = await open_loop(publisher, requests.__getitem__, rate=rate, seconds=seconds, on_response=on_response)
            await caught_up(url, prefix, related=related)
            await asyncio.sleep(0.5)  # let the listener read the last announcements (it blocks on XREAD)
            await listener.stop()
            feed = [(listener.in_feed[a] - t) * 1000 for a, t in answered.items() if a in listener.in_feed]
            related = [(listener.in_related[a] - t) * 1000 for a, t in answered.items() if a in listener.in_related]
            results[f"{rate}/s"] = {
                "posted": load.requests,
                "publisher p99 ms": round(percentile(load.latencies_ms, 0.99), 2),
                "feed p50 ms": round(percentile(feed, 0.5), 1),
                "feed p99 ms": round(percentile(feed, 0.99), 1),
                "feed seen": len(feed),
                "related p50 ms": round(percentile(related, 0.5), 1),
                "related p99 ms": round(percentile(related, 0.99), 1),
                "related seen": len(related),
            }
    return results
