"""The related maintainer runs in a child process of `newsfeed indexer` (from its fork server): it
goes when its indexer goes (even by kill -9, releasing its lease on the way out), and it is started
again if it dies."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import redis.asyncio as aioredis

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.reader import ReadModelReader
from newsfeed_schemas.streams import encode_fields
from tests.factories import published
from tests.processes import NewsfeedProcess
from tests.redis_server import RedisServer
from tests.waiting import eventually

STORY = "Lavrov rules out territorial concessions in Ukraine peace talks with Russia and the Kremlin. " * 3


def indexer(redis_server: RedisServer, prefix: str, log: Path, *, lease_ms: int) -> NewsfeedProcess:
    return NewsfeedProcess(
        ["indexer", "--port", "0", "--redis-url", redis_server.url, "--prefix", prefix, "--consumer", "solo"],
        log,
        env={"NEWSFEED_RELATED_LEASE_MS": str(lease_ms)},
    )


async def maintainer_processes(process: NewsfeedProcess) -> list[int]:
    """The live maintainer child of `process`: the last one its log says it started, if it runs."""
    started = re.findall(r"related maintainer process (\d+) started", process.log())
    return [int(started[-1])] if started and await alive(int(started[-1])) else []


async def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def publish(client: aioredis.Redis, keys: Keys, article_id: str, minutes: int) -> None:
    env = published(article_id, minutes=minutes, title="Lavrov and the Ukraine talks", text=STORY)
    await client.xadd(keys.streams.articles, encode_fields(env, type_=env["type"], subject=env["subject"]))  # type: ignore[arg-type]


async def related_ids(reader: ReadModelReader, article_id: str) -> list[str]:
    return [card["id"] for card in await reader.related_cards(article_id) or []]


async def test_kill_9_of_the_indexer_takes_its_maintainer_with_it_and_frees_the_lease(
    redis_server: RedisServer, redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    keys = Keys(prefix)
    # a lease far longer than the test waits: its key going away is a release, not a lapse
    process = indexer(redis_server, prefix, tmp_path / "indexer.log", lease_ms=60_000).start()
    try:
        children = await eventually(lambda: maintainer_processes(process), timeout=30)
        await eventually(lambda: redis_client.exists(keys.related_lease), timeout=30)
        process.kill()
        await eventually(lambda: alive(children[0]), until=lambda up: not up, timeout=15)
        assert not await redis_client.exists(keys.related_lease)
    finally:
        process.kill()


async def test_a_maintainer_that_dies_is_started_again_and_keeps_the_lists(
    redis_server: RedisServer, redis_client: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    keys = Keys(prefix)
    reader = ReadModelReader(redis_client, keys)
    process = indexer(redis_server, prefix, tmp_path / "indexer.log", lease_ms=2_000).start()
    try:
        await publish(redis_client, keys, "first", 0)
        await publish(redis_client, keys, "second", 1)
        await eventually(lambda: related_ids(reader, "first"), until=lambda ids: ids == ["second"], timeout=60)
        (child,) = await maintainer_processes(process)
        os.kill(child, signal.SIGKILL)
        replaced = await eventually(
            lambda: maintainer_processes(process), until=lambda pids: bool(pids) and child not in pids
        )
        assert replaced != [child]
        assert "the related maintainer process exited (-9); starting it again" in process.log()
        await publish(redis_client, keys, "third", 2)  # taken in once the dead child's lease lapses (2 s)
        await eventually(lambda: related_ids(reader, "third"), until=lambda ids: set(ids) == {"first", "second"})
    finally:
        process.stop()
