"""Reaching Redis as production does (a password, TLS), and a read API whose Redis is down, slow or
refuses its password: always 503 with Retry-After, never a 500."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from newsfeed_api.app import build_app as build_api_app
from newsfeed_api.settings import ApiSettings
from tests.conftest import RunningApp, running_system
from tests.factories import published
from tests.redis_server import RedisServer

PASSWORD = "s3cret-pass"


@pytest.fixture
async def locked_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", extra=("--requirepass", PASSWORD))
    server.start(password=PASSWORD)
    yield server
    server.stop()


async def test_a_password_in_the_url_works_end_to_end(locked_redis: RedisServer, prefix: str) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{locked_redis.port}/0"
    async with running_system(url, prefix) as system:
        assert (await system.publish(published("locked"))).status_code == 202
        await system.caught_up()
        assert await system.feed_ids() == ["locked"]


async def _read_api(url: str, prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        RunningApp(build_api_app(ApiSettings(redis_url=url, prefix=prefix))) as running,
        httpx.AsyncClient(base_url=running.base_url, timeout=30) as http,
    ):
        yield http


async def _assert_unavailable(http: httpx.AsyncClient) -> None:
    for path in ("/v1/feed", "/v1/articles/x", "/v1/stats", "/", "/articles/x", "/readyz"):
        response = await http.get(path)
        assert response.status_code == 503, (path, response.status_code, response.text[:200])
        if path != "/readyz":
            assert int(response.headers["retry-after"]) > 0


async def test_read_api_with_a_wrong_password_answers_503(locked_redis: RedisServer, prefix: str) -> None:
    async for http in _read_api(f"redis://:wrong@127.0.0.1:{locked_redis.port}/0", prefix):
        await _assert_unavailable(http)


async def test_read_api_with_redis_down_answers_503_then_recovers(tmp_path: Path, prefix: str) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    async for http in _read_api(server.url, prefix):
        assert (await http.get("/v1/feed")).status_code == 200
        server.kill()
        await _assert_unavailable(http)
        server.start()
        assert (await http.get("/v1/feed")).status_code == 200
    server.stop()


async def test_read_api_with_a_frozen_redis_answers_503_in_bounded_time(tmp_path: Path, prefix: str) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    async for http in _read_api(server.url, prefix):
        assert (await http.get("/v1/feed")).status_code == 200
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            # One command's read timeout (5 s), not one per retry or per command of a page (15-46 s).
            for path in ("/v1/feed", "/", "/articles/nope"):
                response = await http.get(path, timeout=12)
                assert response.status_code == 503, path
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


def _certificates(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    cert, key = folder / "redis.crt", folder / "redis.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed (.ci/run installs it)")
async def test_tls_with_a_certificate_the_test_makes(tmp_path: Path, prefix: str) -> None:
    cert, key = _certificates(tmp_path)
    server = RedisServer(
        tmp_path / "redis",
        extra=("--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert)),
        tls=True,
    )
    server.start()
    url = f"rediss://127.0.0.1:{server.tls_port}/0?ssl_cert_reqs=required&ssl_ca_certs={cert}"
    try:
        async with running_system(url, prefix) as system:
            assert (await system.publish(published("secure"))).status_code == 202
            await system.caught_up()
            assert await system.feed_ids() == ["secure"]
    finally:
        server.stop()
