"""The operator's side of `newsfeed up`: one per data folder, operator commands find its Redis, `import`
reports every refused item in one line and exits non-zero, nothing prints a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from newsfeed.embedded import free_port
from tests.factories import published
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "NEWSFEED_PREFIX", "NEWSFEED_PUBLISHER_TOKEN"}
    }


def _newsfeed(
    *args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "newsfeed", *args]
    environment = {**_env(), **(env or {})}
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "up", "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    running = Up(process, port, tmp_path)
    yield running
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)


async def _ready(up: Up) -> None:
    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(base_url=up.base_url, timeout=2) as http:
                return (await http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(ready, timeout=30)


async def test_a_second_up_on_the_same_folder_is_refused(up: Up) -> None:
    await _ready(up)
    second = _newsfeed("up", "--port", str(free_port()), cwd=up.folder, timeout=30)
    assert second.returncode == 2
    assert f"pid {up.process.pid}" in second.stderr and "--data-dir" in second.stderr
    assert "Traceback" not in second.stdout + second.stderr


async def test_operator_commands_find_the_redis_of_up_in_the_folder(up: Up) -> None:
    await _ready(up)
    async with httpx.AsyncClient(base_url=up.base_url) as http:
        await http.post("/v1/events", json=published("one"))
        listed = _newsfeed("dead", "list", cwd=up.folder)
        assert listed.returncode == 0, listed.stderr
        assert "using the Redis of `newsfeed up`" in listed.stderr
        stats = _newsfeed("stats", cwd=up.folder)
        assert stats.returncode == 0
        assert orjson.loads(stats.stdout)["stream_length"] == 1
        reindex = _newsfeed("reindex", cwd=up.folder)
        assert "rebuilt the feeds of 1 live article" in reindex.stderr


async def test_import_reports_each_refused_item_and_exits_non_zero(up: Up) -> None:
    await _ready(up)
    lines = [
        orjson.dumps(published("good-1")),
        b"{not json",
        orjson.dumps(published("bad-slug", tags=[{"slug": "Breaking News"}])),
        orjson.dumps(published("good-2", minutes=1)),
    ]
    source = up.folder / "backfill.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    done = _newsfeed("import", str(source), cwd=up.folder)
    assert done.returncode == 1, done.stderr
    refused = done.stdout.strip().splitlines()
    assert refused[0].startswith("line 2: refused (422):") and "not valid JSON" in refused[0]
    assert refused[1].startswith("line 3: refused (422): data.tags.0.slug:")
    assert "accepted 2, duplicate 0, refused 2" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_import_against_an_unreachable_publisher_fails_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "events.ndjson"
    source.write_bytes(orjson.dumps(published("x")))
    done = _newsfeed("import", str(source), "--url", f"http://127.0.0.1:{free_port()}", cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot reach the publisher" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_publisher_refuses_to_start_without_a_credential(tmp_path: Path) -> None:
    done = _newsfeed("publisher", "--port", str(free_port()), "--redis-url", "redis://127.0.0.1:1/0", cwd=tmp_path)
    assert done.returncode == 2
    assert "NEWSFEED_PUBLISHER_TOKEN" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_webhook_secret_that_cannot_be_one_stops_the_publisher_in_one_line(tmp_path: Path) -> None:
    args = ("publisher", "--port", str(free_port()), "--redis-url", "redis://127.0.0.1:1/0")
    done = _newsfeed(*args, "--webhook-secret", "whsec_not*base64!", cwd=tmp_path)
    assert done.returncode == 2
    assert "NEWSFEED_WEBHOOK_SECRET: a whsec_ secret must be base64" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_operator_commands_say_when_redis_is_unreachable(tmp_path: Path) -> None:
    done = _newsfeed("dead", "list", "--redis-url", f"redis://127.0.0.1:{free_port()}/0", cwd=tmp_path)
    assert done.returncode == 2
    assert "unavailable" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("stats", "--redis-url", "http://x"), "REDIS_URL: Redis URL must specify one of the following"),
        (("dead", "replay", "garbage", "--redis-url", "redis://127.0.0.1:1/0"), "not dead-letter ids"),
    ],
)
def test_operator_mistakes_are_one_line_not_a_traceback(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    done = _newsfeed(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert says in " ".join((done.stdout + done.stderr).split())
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("--prefix", "bad prefix!", "NEWSFEED_PREFIX: String should match"),
        ("--redis-url", "redis://127.0.0.1:nope/0", "REDIS_URL: Port"),
    ],
)
@pytest.mark.parametrize(
    "command", [("stats",), ("dead", "list"), ("reindex",), ("migrate-keys",), ("indexer",), ("api",)]
)
def test_a_setting_that_cannot_be_used_stops_every_command_in_one_line(
    tmp_path: Path, command: tuple[str, ...], setting: str, value: str, said: str
) -> None:
    done = _newsfeed(*command, setting, value, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in " ".join((done.stdout + done.stderr).split())
    assert "Traceback" not in done.stdout + done.stderr


def test_no_command_says_the_redis_password(tmp_path: Path) -> None:
    # every message that names the Redis (the cluster question, the outage line) hides its password
    from newsfeed.embedded import free_port

    said = _newsfeed("stats", "--redis-url", f"redis://:Sup3rSecret@127.0.0.1:{free_port()}/0", cwd=tmp_path)
    assert said.returncode == 2, said.stdout + said.stderr
    assert "127.0.0.1" in said.stdout + said.stderr
    assert "Sup3rSecret" not in said.stdout + said.stderr
    assert len((said.stdout + said.stderr).splitlines()) == 1, said.stderr  # one line, as the contract says


@pytest.mark.parametrize(
    ("command", "variable", "value", "said"),
    [
        ("api", "REDIS_READ_URL", "http://x", "REDIS_READ_URL: Redis URL must specify one of the following schemes"),
        ("api", "NEWSFEED_SITE_URL", "not a url", "NEWSFEED_SITE_URL: the site's public address"),
        ("api", "NEWSFEED_SITE_URL", "javascript:alert(1)", "NEWSFEED_SITE_URL: the site's public address"),
        ("api", "NEWSFEED_SITE_LANGUAGE", "<b>", "NEWSFEED_SITE_LANGUAGE: String should match"),
        ("indexer", "NEWSFEED_CONSUMER", "", "NEWSFEED_CONSUMER: String should have at least 1 character"),
        ("api", "NEWSFEED_SITE_URL", "https://news.example.com:99999", "NEWSFEED_SITE_URL: the site's public address"),
        (
            "api",
            "NEWSFEED_SITE_URL",
            "https://user:pw@news.example.com",
            "NEWSFEED_SITE_URL: the site's public address",
        ),
        ("up", "NEWSFEED_SITE_URL", "ftp://x", "NEWSFEED_SITE_URL: the site's public address"),
        ("indexer", "NEWSFEED_SITES", "a,b c", "NEWSFEED_SITES: not a prefix: 'b c'"),
        ("up", "REDIS_READ_URL", "http://x", "REDIS_READ_URL: Redis URL must specify one of the following schemes"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_its_variable(
    tmp_path: Path, command: str, variable: str, value: str, said: str
) -> None:
    done = _newsfeed(command, "--port", "0", cwd=tmp_path, env={variable: value})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    assert any(said in line for line in lines), lines  # on one line, however narrow the terminal
    assert "Traceback" not in done.stdout + done.stderr


def test_an_empty_read_replica_setting_means_none() -> None:
    from newsfeed_api.settings import ApiSettings

    assert ApiSettings(redis_read_url="", redis_url="redis://127.0.0.1:7401/0").redis_read_url is None
    assert ApiSettings(redis_read_url="  ").redis_read_url is None
