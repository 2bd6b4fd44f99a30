"""A downstream subscriber: purge the CDN cache of every article whose feed entry changed.

    python examples/cache_purger.py [REDIS_URL] [PREFIX]

It reads `{prefix}:feed-changes` in its own consumer group (`cache-purger`) with a
plain XREADGROUP: no FastStream, no newsfeed code, only the documented entry layout
(`data` = the FeedChange JSON, `type`, `subject` = the article id). Delivery is
at-least-once, so purging is idempotent; an entry is acknowledged only after it
was handled, and entries left pending by a crash are read again at start ("0").
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

GROUP = "cache-purger"


def urls_to_purge(change: dict[str, Any]) -> list[str]:
    """The article URL, plus the feed pages it touched (the feed names map to your site's URLs)."""
    urls = [change["url"]] if change.get("url") else []
    return urls + [f"/feed/{delta['feed']}" for delta in change.get("feeds", [])]


async def run(
    redis: aioredis.Redis,
    prefix: str,
    purge: Callable[[str, list[str]], None],
    *,
    consumer: str | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Read feed changes until `stop` is set, calling `purge(event_id, urls)` for each."""
    stream = f"{prefix}:feed-changes"
    consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
    try:
        await redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
    last_id = "0"  # first our own pending entries (after a crash), then new ones (">")
    while stop is None or not stop.is_set():
        replies = await redis.xreadgroup(GROUP, consumer, {stream: last_id}, count=100, block=200)
        entries = replies[0][1] if replies else []
        if last_id == "0" and not entries:
            last_id = ">"
            continue
        for entry_id, fields in entries:
            if fields.get(b"type") == b"feed.changed":
                change = json.loads(fields[b"data"])
                purge(change["event_id"], urls_to_purge(change))
            await redis.xack(stream, GROUP, entry_id)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("NEWSFEED_PREFIX", "newsfeed")

    def purge(event_id: str, urls: list[str]) -> None:
        for purged in urls:
            print(f"PURGE {purged}  ({event_id})", flush=True)

    asyncio.run(run(aioredis.Redis.from_url(url), prefix, purge))


if __name__ == "__main__":
    main()
