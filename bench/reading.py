"""Reading speed: newsfeed's read API against a minimal ASGI + redis-py endpoint, same data, same run.

    python -m bench.reading [--articles 2000] [--requests 5000]

Publishes `--articles` articles through the publisher and one indexer replica (related links
on), then serves reads with `newsfeed api` and with `bench.baseline_reader` in turn, each
loaded by 32 keep-alive clients (`bench.http_load`), and prints requests/s, p50 and p99 for
the first feed page, a deep cursor, an article, a related list, the feed page (HTML) and
`/rss.xml`, plus a `304` revalidation of the first feed page. Ratios compare with the
baseline measured in the same run (the load generator shares the machine's cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.corpus import Corpus
from bench.http_load import closed_loop, request_bytes
from bench.processes import caught_up, service
from newsfeed.embedded import EmbeddedRedis, free_port

PREFIX = "reading"


async def _publish(redis_url: str, count: int) -> None:
    corpus = Corpus(seed=11)
    with service("publisher", redis_url, PREFIX) as port, service("indexer", redis_url, PREFIX):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            envelopes = list(corpus.envelopes(count))
            for start in range(0, count, 500):
                chunk = b"\n".join(json.dumps(e).encode() for e in envelopes[start : start + 500])
                response = await http.post(
                    "/v1/events/batch", content=chunk, headers={"content-type": "application/x-ndjson"}
                )
                response.raise_for_status()
        await caught_up(redis_url, PREFIX)


async def _targets(port: int) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        cursor = None
        for _ in range(50):
            params = {"limit": "20", **({"cursor": cursor} if cursor else {})}
            cursor = (await http.get("/v1/feed", params=params)).json()["next_cursor"] or cursor
        first = (await http.get("/v1/feed", params={"limit": "20"})).json()["items"][3]["id"]
    return {
        "feed, first page": "/v1/feed?limit=20",
        "feed, page 51 (deep cursor)": f"/v1/feed?limit=20&cursor={cursor}",
        "article": f"/v1/articles/{first}",
        "related, limit 5": f"/v1/articles/{first}/related?limit=5",
    }


async def _load(port: int, path: str, requests: int, headers: str = "") -> dict[str, Any]:
    raw = request_bytes("GET", path)
    if headers:
        raw = raw[:-2] + headers.encode() + b"\r\n"
    result = await closed_loop(port, lambda i: raw, total=requests)
    summary = result.summary()
    summary["statuses"] = result.statuses
    return summary


async def main(articles: int, requests: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        redis = EmbeddedRedis(Path(folder), appendfsync="everysec")
        redis.start()
        try:
            await _publish(redis.url, articles)
            with service("api", redis.url, PREFIX) as port:
                targets = await _targets(port)
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                    etag = (await http.get(targets["feed, first page"])).headers["etag"]
                for label, path in [*targets.items(), ("feed page (HTML)", "/"), ("rss.xml", "/rss.xml")]:
                    results[f"newsfeed: {label}"] = await _load(port, path, requests)
                results["newsfeed: feed, first page, 304"] = await _load(
                    port, targets["feed, first page"], requests, f"If-None-Match: {etag}\r\n"
                )
            baseline_port = free_port()
            command = [sys.executable, "-m", "bench.baseline_reader", "--redis-url", redis.url]
            command += ["--prefix", PREFIX, "--port", str(baseline_port)]
            baseline = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
            try:
                _wait_ready_plain(baseline_port, baseline)
                for label, path in targets.items():
                    results[f"baseline: {label}"] = await _load(baseline_port, path, requests)
            finally:
                baseline.terminate()
                baseline.wait(10)
        finally:
            redis.stop()
    ratios = {label: round(results[f"newsfeed: {label}"]["rate_per_s"] / results[f"baseline: {label}"]["rate_per_s"], 2)
              for label in targets}  # fmt: skip
    ratios["304 / 200, feed first page"] = round(
        results["newsfeed: feed, first page, 304"]["rate_per_s"] / results["newsfeed: feed, first page"]["rate_per_s"],
        2,
    )
    results["ratios (newsfeed / baseline)"] = ratios
    return results


def _wait_ready_plain(port: int, process: subprocess.Popen[bytes]) -> None:
    """The baseline has no /readyz: any answer will do."""
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the baseline exited")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError("the baseline did not start")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = asyncio.run(main(args.articles, args.requests))
    for label, values in figures.items():
        print(f"- {label}: {json.dumps(values)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
