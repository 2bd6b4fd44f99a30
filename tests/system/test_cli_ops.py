"""Operator commands run as an operator would: dead list / replay, reindex."""

from __future__ import annotations

import json
import subprocess
import sys

from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import published


def _newsfeed(*args: str, redis_url: str, prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsfeed", *args, "--redis-url", redis_url, "--prefix", prefix],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


async def test_dead_letters_are_listed_and_replayed(system: System, redis_server) -> None:
    await system.publish(published("fine"))
    await system.redis.xadd(f"{key_root(system.prefix)}:articles", {"data": b"{broken", "type": b"x", "subject": b"y"})
    stats = await system.caught_up()
    assert stats["dead"] == 1

    listed = _newsfeed("dead", "list", redis_url=redis_server.url, prefix=system.prefix)
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.strip().splitlines()
    letter = json.loads(line)
    assert letter["subject"] == "y" and letter["error"]

    replayed = _newsfeed("dead", "replay", redis_url=redis_server.url, prefix=system.prefix)
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1" in replayed.stderr
    assert (await system.redis.xlen(f"{key_root(system.prefix)}:articles")) == 3


async def test_replaying_an_id_that_is_no_dead_letter_says_so(system: System, redis_server) -> None:
    for args in (("9999999999999-0",), ("9999999999999-0", "9999999999999-0")):
        done = _newsfeed("dead", "replay", *args, redis_url=redis_server.url, prefix=system.prefix)
        assert done.returncode == 1
        assert "1 of the 1 ids given are no dead letters" in done.stdout + done.stderr


async def test_reindex_rebuilds_feeds_and_related_lists(system: System, redis_server) -> None:
    for minutes, article_id in enumerate(["a", "b", "c"]):
        await system.publish(published(article_id, minutes=minutes, title=f"Storm warning {article_id}"))
    await system.caught_up()
    before = await system.feed_ids()
    await system.redis.delete(f"{key_root(system.prefix)}:feed:all")  # as a model an older version left
    damaged = await system.http.get("/v1/feed")
    assert damaged.json()["items"] == []

    done = _newsfeed("reindex", "--related", redis_url=redis_server.url, prefix=system.prefix)
    assert done.returncode == 0, done.stderr
    assert "rebuilt the feeds of 3" in done.stderr
    assert await system.feed_ids() == before == ["c", "b", "a"]
    # a client or CDN holding the answer from before revalidates into the rebuilt feed, not a 304
    again = await system.http.get("/v1/feed", headers={"if-none-match": damaged.headers["etag"]})
    assert again.status_code == 200 and [card["id"] for card in again.json()["items"]] == before
    related = (await system.http.get("/v1/articles/a/related")).json()["items"]
    assert {card["id"] for card in related} <= {"b", "c"}
