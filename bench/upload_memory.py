"""Peak memory of the publisher while it refuses oversized uploads.

    python -m bench.upload_memory

Starts `newsfeed publisher` (with a bearer token) on a private Redis and reads its peak
resident memory (VmHWM) after it has started, then after each of: a 200 MB chunked upload
with a valid token, a 100 MB upload without credentials, a 200 MB upload declaring its
length, a 200 MB upload to the batch route (whose cap is 16 MB). Bodies are streamed with
a cap, so the peak stays near the idle process (the ratio printed), whatever the size.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from tests.redis_server import RedisServer

from bench.processes import service_process

MB = 1024 * 1024
TOKEN = "bench-token"


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def _chunks(total: int) -> Iterator[bytes]:
    block = b" " * MB
    for _ in range(total // MB):
        yield block


def _upload(port: int, size: int, headers: dict[str, str], path: str = "/v1/events") -> str:
    started = time.monotonic()
    try:
        response = httpx.post(f"http://127.0.0.1:{port}{path}", content=_chunks(size), headers=headers, timeout=120)
        outcome = str(response.status_code)
    except httpx.HTTPError as exc:  # the publisher closes the connection once it has answered
        outcome = f"connection closed by the publisher ({type(exc).__name__})"
    return f"{outcome} after {time.monotonic() - started:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        redis = RedisServer(Path(folder) / "redis")
        redis.start()
        try:
            with service_process(
                "publisher", redis.url, "bench", NEWSFEED_PUBLISHER_TOKEN=TOKEN, NEWSFEED_DEV="false"
            ) as (
                port,
                pid,
            ):
                json_type = {"content-type": "application/json"}
                idle = _peak_mb(pid)
                rows = [("idle, after start", "-", idle)]
                authorised = {**json_type, "authorization": f"Bearer {TOKEN}"}
                outcome = _upload(port, 200 * MB, authorised)
                rows.append(("200 MB chunked, valid token", outcome, _peak_mb(pid)))
                outcome = _upload(port, 100 * MB, json_type)
                rows.append(("100 MB chunked, no credential", outcome, _peak_mb(pid)))
                declared = {**authorised, "content-length": str(200 * MB)}
                outcome = _upload(port, 200 * MB, declared)
                rows.append(("200 MB with Content-Length", outcome, _peak_mb(pid)))
                ndjson = {**authorised, "content-type": "application/x-ndjson"}
                outcome = _upload(port, 200 * MB, ndjson, "/v1/events/batch")
                rows.append(("200 MB chunked to the batch route", outcome, _peak_mb(pid)))
        finally:
            redis.stop()
    print(f"{'upload':34} {'answer':58} {'peak RSS':>9} {'x idle':>7}")
    for name, outcome, peak in rows:
        print(f"{name:34} {outcome:58} {peak:7.1f} MB {peak / idle:6.2f}x")
    if args.json:
        args.json.write_text(json.dumps([{"upload": n, "answer": o, "peak_mb": p} for n, o, p in rows], indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
