"""`newsfeed up` as a newcomer runs it: embedded Redis, the sample articles, then Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from newsfeed.embedded import free_port
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

            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=30)
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
    """True when a redis-server still runs with this data folder."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "redis-server" in cmdline and str(data_dir.resolve()) in cmdline:
            return True
    return False
