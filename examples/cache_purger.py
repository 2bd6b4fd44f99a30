"""Purge a CDN from newsfeed's change streams: what changed becomes the surrogate keys to purge.

    python examples/cache_purger.py [--redis-url URL] [--prefix P] [--purge-url URL] [--header "Name: value"]

Every read answer of newsfeed carries a `Surrogate-Key` header naming what it shows:
`feed:{name}` (`feed:all`, `feed:tag:world`, `feed:author:anna`), `article:{id}` and
`related:{id}` (ids percent-encoded like a URL path segment; a key of more than 100
characters is its kind, `!` and a digest of the name). This subscriber reads
`{prefix}:feed-changes` and `{prefix}:related-changes` (the prefix in braces, e.g.
`{newsfeed}:feed-changes`) in its own consumer group
(`cache-purger`) with a plain XREADGROUP (no FastStream; of newsfeed only its schemas package,
`pip install ./schemas`, whose `surrogate_keys` names the keys as the read API does) and, for
each change, purges:

* a `FeedChange`: `article:{id}` and `feed:{name}` of every feed it touched;
* a `RelatedChange`: `related:{id}` (the article's page and related list).

Without `--purge-url` it prints the keys. With it, it POSTs them, space-separated, in a
`Surrogate-Key` header (the form Fastly's batch purge takes; `--header "Fastly-Key: ..."`
adds your credential; other CDNs take the same keys in their own API). Delivery is
at-least-once and purging is idempotent; an entry is acknowledged only once purged, and
entries left pending by a crash are read again at start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from newsfeed_schemas.surrogate_keys import article_key, feed_key, related_key  # pip install ./schemas

GROUP = "cache-purger"
Purge = Callable[[str, list[str]], Awaitable[None]]


def surrogate_keys(entry_type: bytes, change: dict[str, Any]) -> list[str]:
    """The surrogate keys one announced change makes stale."""
    if entry_type == b"feed.changed":
        return [article_key(change["article_id"]), *(feed_key(delta["feed"]) for delta in change.get("feeds", []))]
    if entry_type == b"related.changed":
        return [related_key(change["article_id"])]
    return []


async def _ensure_group(redis: aioredis.Redis, stream: str) -> None:
    try:
        await redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def run(
    redis: aioredis.Redis,
    prefix: str,
    purge: Purge,
    *,
    consumer: str | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Read both change streams until `stop` is set, calling `purge(event_id, keys)` for each change."""
    streams = [f"{{{prefix}}}:feed-changes", f"{{{prefix}}}:related-changes"]  # the prefix is a hash tag
    consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
    for stream in streams:
        await _ensure_group(redis, stream)
    positions = dict.fromkeys(streams, "0")  # first our own pending entries (after a crash), then new ones
    while stop is None or not stop.is_set():
        replies = await redis.xreadgroup(GROUP, consumer, positions, count=100, block=200)
        returned = {name.decode(): entries for name, entries in replies or []}
        for stream in streams:
            entries = returned.get(stream, [])
            if positions[stream] == "0" and not entries:
                positions[stream] = ">"
            for entry_id, fields in entries:
                change = json.loads(fields[b"data"])
                keys = surrogate_keys(fields.get(b"type", b""), change)
                if keys:
                    await purge(change.get("event_id", ""), keys)
                await redis.xack(stream, GROUP, entry_id)


def _purger(purge_url: str | None, headers: dict[str, str]) -> Purge:
    if purge_url is None:

        async def show(event_id: str, keys: list[str]) -> None:
            print(f"PURGE {' '.join(keys)}  ({event_id})", flush=True)

        return show
    http = httpx.AsyncClient(timeout=10, headers=headers)

    async def post(event_id: str, keys: list[str]) -> None:
        response = await http.post(purge_url, headers={"Surrogate-Key": " ".join(keys)})
        response.raise_for_status()  # not acknowledged: the entry is read again after a restart

    return post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--prefix", default=os.environ.get("NEWSFEED_PREFIX", "newsfeed"))
    parser.add_argument("--purge-url", help="POST the keys here (Surrogate-Key header); default: print them")
    parser.add_argument("--header", action="append", default=[], help='Extra header, e.g. "Fastly-Key: ..."')
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    purge = _purger(args.purge_url, {k.strip(): v.strip() for k, v in headers.items()})
    asyncio.run(run(aioredis.Redis.from_url(args.redis_url), args.prefix, purge))


if __name__ == "__main__":
    main()
