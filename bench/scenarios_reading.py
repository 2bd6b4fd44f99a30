"""Scenario 5: reading the feed (first page, deep cursor) and related lists, 32 clients."""

from __future__ import annotations

from typing import Any

import httpx

from bench.http_load import closed_loop, request_bytes
from bench.processes import service

__all__ = ["run_reading"]


async def run_reading(url: str, prefix: str, *, requests: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with service("api", url, prefix) as port:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as http:
            cursor = None
            for _ in range(50):
                page = (
                    await http.get("/v1/feed", params={"limit": 20, **({"cursor": cursor} if cursor else {})})
                ).json()
                cursor = page["next_cursor"] or cursor
            ids = [c["id"] for c in (await http.get("/v1/feed", params={"limit": 100})).json()["items"]]
        paths = {
            "feed, first page": lambda i: "/v1/feed?limit=20",
            "feed, page 51 (deep cursor)": lambda i: f"/v1/feed?limit=20&cursor={cursor}",
            "related, limit 5": lambda i: f"/v1/articles/{ids[i % len(ids)]}/related?limit=5",
        }
        for label, path in paths.items():
            result = await closed_loop(port, lambda i, p=path: request_bytes("GET", p(i)), total=requests)
            results[label] = result.summary()
    return results
