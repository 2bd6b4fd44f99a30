"""`newsfeed up` as a newcomer runs it: embedded Redis, the sample articles, then Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from newsfeed.embedded import EmbeddedRedis, find_redis_server, free_port
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-articles.ndjson"


async def test_up_serves_the_sample_feed_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "up", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await eventually(lambda: _ready(http), timeout=30)
            response = await http.post(
                "/v1/events/batch", content=SAMPLE.read_bytes(), headers={"content-type": "application/x-ndjson"}
            )
            assert response.json()["accepted"] == 6

            async def feed() -> list[str]:
                return [c["id"] for c in (await http.get("/v1/feed")).json()["items"]]

            ids = await eventually(feed, until=lambda got: len(got) == 6)
            assert ids[0] == "us-russia-talks-putin-very-happy"
            assert ids[-1] == "storm-eowyn-power-cuts"
        assert (tmp_path / "data" / "redis").is_dir()
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode in (0, 130), output  # 130: the conventional exit status after Ctrl-C
    assert "Traceback" not in output
    assert "Application shutdown complete" in output
    assert "POST http://127.0.0.1" in output
    assert not _redis_children_alive(tmp_path / "data" / "redis")


def _redis_children_alive(data_dir: Path) -> bool:
    """True when a redis-server still runs in this data folder (it works in its `--dir`; its
    command line shows only its address, as Redis rewrites it)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name = Path(f"/proc/{pid}/comm").read_text()
            folder = Path(os.readlink(f"/proc/{pid}/cwd"))
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if name.startswith("redis-server") and folder == data_dir.resolve() and state != "Z":
            return True
    return False


async def test_a_killed_up_leaves_no_redis_behind_and_the_next_keeps_what_was_accepted(tmp_path: Path) -> None:
    # kill -9 of `up` used to leave its Redis running on the folder; the next `up` started a
    # second one there, and the first one's rewrite of the append-only file lost accepted events
    data = tmp_path / "data"
    first, port = _up(data)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await eventually(lambda: _ready(http), timeout=30)
            posted = await http.post(
                "/v1/events/batch", content=SAMPLE.read_bytes(), headers={"content-type": "application/x-ndjson"}
            )
            assert posted.json()["accepted"] == 6
    finally:
        first.kill()
        first.communicate(timeout=30)
    await eventually(
        lambda: asyncio.sleep(0, result=_redis_children_alive(data / "redis")), until=lambda alive: not alive
    )
    second, port = _up(data)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await eventually(lambda: _ready(http), timeout=30)
            stats = await eventually(lambda: _stats(http), until=lambda s: s["articles"] == 6)
            assert stats["stream_length"] == 6
    finally:
        second.send_signal(signal.SIGINT)
        second.communicate(timeout=30)
    assert not _redis_children_alive(data / "redis")


def _up(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    command = [sys.executable, "-m", "newsfeed", "up", "--port", str(port), "--data-dir", str(data)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT), port


async def _ready(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _stats(http: httpx.AsyncClient) -> dict[str, int]:
    stats: dict[str, int] = (await http.get("/v1/stats")).json()
    return stats


def test_a_redis_left_running_on_the_folder_is_stopped_before_another_starts(tmp_path: Path) -> None:
    # one that no parent-death signal reached (an `up` of an earlier version, another system)
    data = tmp_path / "redis"
    data.mkdir()
    command = [find_redis_server(), "--port", str(free_port()), "--dir", str(data), "--save", "", "--appendonly", "yes"]
    left = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    (data / "redis-server.pid").write_text(str(left.pid))
    embedded = EmbeddedRedis(data)
    try:
        deadline = time.monotonic() + 10
        while not _redis_children_alive(data):  # running in its folder, as one left by an earlier run is
            assert time.monotonic() < deadline, "the left-over redis-server did not start"
            time.sleep(0.02)
        embedded.start()
        assert left.wait(timeout=10) == 0  # stopped by a SIGTERM, its file finished
    finally:
        embedded.stop()
        if left.poll() is None:
            left.kill()
            left.wait()
    assert not _redis_children_alive(data)


async def test_up_on_an_ipv6_address_tells_import_where_it_listens(tmp_path: Path) -> None:
    # `newsfeed import` run in the same folder posts to the address `up` recorded
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    command = [sys.executable, "-m", "newsfeed"]
    articles = tmp_path / "articles.ndjson"  # import keeps its resume state beside the file
    articles.write_bytes(SAMPLE.read_bytes())
    process = subprocess.Popen(
        [*command, "up", "--host", "::1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://[::1]:{port}", timeout=5) as http:
            await eventually(lambda: _ready(http), timeout=30)
            imported = subprocess.run(
                [*command, "import", str(articles)],
                check=False,
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            said = imported.stdout + imported.stderr
            assert imported.returncode == 0, said
            assert "accepted 6" in said

            async def feed() -> int:
                return len((await http.get("/v1/feed")).json()["items"])

            await eventually(feed, until=lambda count: count == 6)
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0].decode()
    assert f"POST http://[::1]:{port}/v1/events" in output
