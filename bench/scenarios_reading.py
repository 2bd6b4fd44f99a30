"""Scenario 5: reading the feed (first page, deep cursor) and related lists: 32 clients, then one.

One client sends each request once the last is answered, over a kept-alive loopback
connection: its latency is what one request costs the API and Redis plus a loopback round
trip, with no queueing behind other clients. The server side alone comes from the API's own
`newsfeed_http_request_duration_seconds` histogram, read before and after each pass: the mean,
and the bucket bound that holds 99% of the pass's requests."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.http_load import closed_loop, request_bytes
from bench.processes import service

__all__ = ["run_reading"]

_ROUTES = {"feed": "/v1/feed", "related": "/v1/articles/{article_id}/related"}


Histogram = tuple[float, float, dict[float, float]]  # requests, seconds, cumulative count per bucket bound


async def server_side(http: httpx.AsyncClient, route: str) -> Histogram:
    """(requests, seconds, cumulative count per bucket bound) of the route's GET 200s, from /metrics."""
    count, total, buckets = 0.0, 0.0, {}
    for family in text_string_to_metric_families((await http.get("/metrics")).text):
        if family.name != "newsfeed_http_request_duration_seconds":
            continue
        for sample in family.samples:
            if sample.labels.get("route") != route or sample.labels.get("status") != "200":
                continue
            if sample.name.endswith("_count"):
                count += sample.value
            elif sample.name.endswith("_sum"):
                total += sample.value
            elif sample.name.endswith("_bucket"):
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return count, total, buckets


def server_summary(before: Histogram, after: Histogram) -> dict[str, Any]:
    requests = after[0] - before[0]
    if not requests:
        return {"server requests": 0}
    p99 = min(bound for bound, n in after[2].items() if n - before[2].get(bound, 0.0) >= 0.99 * requests)
    return {"server mean ms": round((after[1] - before[1]) / requests * 1000, 3), "server p99 ms at most": p99 * 1000}


async def with_full_lists(http: httpx.AsyncClient, wanted: int) -> list[str]:
    """Up to `wanted` articles, newest first, whose related list has 5 cards: reads of whole lists
    (the freshness run that wrote these articles may have stopped before the newest had theirs)."""
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 100}
    for _ in range(50):
        page = (await http.get("/v1/feed", params=params)).json()
        for card in page["items"]:
            related = (await http.get(f"/v1/articles/{card['id']}/related", params={"limit": 5})).json()["items"]
            if len(related) == 5:
                ids.append(card["id"])
        if len(ids) >= wanted or not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    if not ids:
        raise RuntimeError("no article has a full related list: nothing to read")
    return ids[:wanted]


async def run_reading(url: str, prefix: str, *, requests: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with service("api", url, prefix) as port:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            cursor = None
            for _ in range(50):
                page = (
                    await http.get("/v1/feed", params={"limit": 20, **({"cursor": cursor} if cursor else {})})
                ).json()
                cursor = page["next_cursor"] or cursor
            ids = await with_full_lists(http, wanted=100)
            paths = {
                "feed, first page": ("feed", lambda i: "/v1/feed?limit=20"),
                "feed, page 51 (deep cursor)": ("feed", lambda i: f"/v1/feed?limit=20&cursor={cursor}"),
                "related, limit 5": ("related", lambda i: f"/v1/articles/{ids[i % len(ids)]}/related?limit=5"),
            }
            for label, (_, path) in paths.items():
                result = await closed_loop(port, lambda i, p=path: request_bytes("GET", p(i)), total=requests)
                results[label] = result.summary()
            for label, (route, path) in paths.items():
                before = await server_side(http, _ROUTES[route])
                one = await closed_loop(
                    port, lambda i, p=path: request_bytes("GET", p(i)), total=requests, concurrency=1
                )
                after = await server_side(http, _ROUTES[route])
                results[f"{label}, one client"] = {**one.summary(), **server_summary(before, after)}
    return results
