"""What a careless integrator or an attacker sends to the publisher: refused with a clear 4xx, nothing
written, never a 5xx, and the connection still usable afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from newsfeed_publisher.ghost import sign as ghost_sign
from newsfeed_schemas.events import check_event
from newsfeed_schemas.limits import CEILINGS
from newsfeed_schemas.streams import key_root
from tests.conftest import System, running_system
from tests.factories import published
from tests.redis_server import RedisServer
from tests.waiting import longest_pause

JSON = {"content-type": "application/json"}


async def _written(system: System) -> int:
    """Entries in the stream plus dedupe keys: what any refused request must leave at 0."""
    entries = int(await system.redis.xlen(f"{key_root(system.prefix)}:articles"))
    dedupe = [k async for k in system.redis.scan_iter(match=f"{key_root(system.prefix)}:dedupe:*")]
    return entries + len(dedupe)


def _locations(response: httpx.Response) -> set[tuple[Any, ...]]:
    return {tuple(error["loc"]) for error in response.json()["errors"]}


def _mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    event = published("hostile")
    target: Any = event
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return event


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("data", "tags"), [{"slug": "breaking news"}], ("data", "tags", 0, "slug")),
        (("data", "tags"), [{"slug": "Breaking"}], ("data", "tags", 0, "slug")),
        (("data", "authors"), [{"slug": "a/b"}], ("data", "authors", 0, "slug")),
        (("data", "slug"), "a?b", ("data", "slug")),
        (("data", "revision"), 2**64, ("data", "revision")),
        (("data", "revision"), -1, ("data", "revision")),
        (("data", "title"), "T" * 1_000_000, ("data", "title")),
        (("data", "tags"), [{"slug": f"t{i}"} for i in range(50_000)], ("data", "tags")),
        (("data", "url"), "javascript:alert(1)", ("data", "url")),
        (
            ("data", "feature_image"),
            {"url": "data:text/html,<script>alert(1)</script>"},
            ("data", "feature_image", "url"),
        ),
        (("data", "language"), "en_US;DROP", ("data", "language")),
        (("data", "html"), "<div>" * 5_000, ("data", "html")),
        # in the year 10000 (or 0) once in UTC: no page, feed or sort key could show it
        (("data", "published_at"), "9999-12-31T23:00:00-05:00", ("data", "published_at")),
        (("data", "updated_at"), "0001-01-01T00:30:00+05:00", ("data", "updated_at")),
    ],
)
async def test_what_could_not_be_applied_is_refused_naming_the_field(
    system: System, path: tuple[Any, ...], value: Any, where: tuple[Any, ...]
) -> None:
    response = await system.publish(_mutated(path, value))
    assert response.status_code == 422, response.text[:300]
    assert where in _locations(response)
    assert await _written(system) == 0


@pytest.mark.parametrize("article_id", ["a/b", "a b", "a?b", "a#b", "a%2Fb", "tab\there", "x" * 201, ".", ".."])
async def test_ids_that_cannot_live_in_a_url_are_refused(system: System, article_id: str) -> None:
    event = published("ok")
    event["subject"] = event["data"]["id"] = article_id
    response = await system.publish(event)
    assert response.status_code == 422
    assert ("data", "id") in _locations(response) or ("subject",) in _locations(response)
    assert await _written(system) == 0


@pytest.mark.parametrize("type_", [None, "article.archived", 7, "ARTICLE.PUBLISHED"])
async def test_a_wrong_or_missing_type_names_the_types_and_every_other_bad_field(system: System, type_: Any) -> None:
    event = published("a")
    if type_ is None:
        del event["type"]
    else:
        event["type"] = type_
    event["id"] = ""
    response = await system.publish(event)
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert "article.published, article.updated, article.unpublished, article.deleted" in errors[("type",)]
    assert ("id",) in errors
    assert "EventType" not in response.text


async def test_a_huge_revision_leaves_the_connection_usable(system: System) -> None:
    assert (await system.publish(_mutated(("data", "revision"), 2**64))).status_code == 422
    assert (await system.publish(published("next"))).status_code == 202


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
async def test_cross_site_simple_requests_are_refused(system: System, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await system.http.post("/v1/events", content=orjson.dumps(published("csrf")), headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert await _written(system) == 0


@pytest.fixture
async def guarded(redis_server: RedisServer, prefix: str) -> AsyncIterator[System]:
    """A publisher with credentials, small limits and a short body deadline."""
    publisher = {
        "dev": False,
        "publisher_token": "old-token, new-token",
        "webhook_secret": "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        "ghost_secret": "ghost-secret",
        "max_event_bytes": 64 * 1024,
        "max_batch_bytes": 256 * 1024,
        "body_timeout_s": 1.0,
    }
    async with running_system(redis_server.url, prefix, publisher) as system:
        yield system


@pytest.mark.parametrize("token", ["old-token", "new-token"])
async def test_several_tokens_are_valid_at_once_for_rotation(guarded: System, token: str) -> None:
    headers = {**JSON, "authorization": f"Bearer {token}"}
    response = await guarded.http.post("/v1/events", content=orjson.dumps(published(token)), headers=headers)
    assert response.status_code == 202


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-id": "m", "webhook-timestamp": "²", "webhook-signature": "v1,abc"},
        {"webhook-id": "m", "webhook-timestamp": "9" * 5000, "webhook-signature": "v1,abc"},
        {"webhook-id": "m", "webhook-timestamp": "-1", "webhook-signature": "v1," + "A" * 10_000},
        {"authorization": "Bearer " + "x" * 5000},
        {"authorization": "Basic b2xkLXRva2VuOg=="},
    ],
)
async def test_odd_credentials_are_401_not_500(guarded: System, headers: dict[str, str]) -> None:
    raw = {name: value.encode() for name, value in {**JSON, **headers}.items()}  # UTF-8 on the wire
    response = await guarded.http.post("/v1/events", content=b"{}", headers=raw)
    assert response.status_code == 401
    assert await _written(guarded) == 0


@pytest.mark.parametrize("stamp", ["²", "9" * 5000, "", "12x"])
async def test_odd_ghost_timestamps_are_401_not_500(guarded: System, stamp: str) -> None:
    body = b'{"post": {"current": {}}}'
    signature = ghost_sign("ghost-secret", body, int(time.time() * 1000)).partition(",")[0] + f", t={stamp}"
    headers = {"content-type": b"application/json", "x-ghost-signature": signature.encode()}
    response = await guarded.http.post("/v1/webhooks/ghost/post.published", content=body, headers=headers)
    assert response.status_code == 401


async def test_an_oversized_body_is_refused_by_its_declared_length(guarded: System) -> None:
    headers = {**JSON, "authorization": "Bearer new-token", "content-length": str(200 * 1024 * 1024)}
    reader, writer = await asyncio.open_connection(guarded.http.base_url.host, guarded.http.base_url.port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"POST /v1/events HTTP/1.1\r\nhost: x\r\n{head}\r\n".encode())
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)  # answered before a byte of the body was sent
    assert status.split()[1] == b"413"
    writer.close()


async def test_a_chunked_body_is_cut_off_at_the_limit(guarded: System) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(10_000):  # 640 MB if it were all read
            sent += 64 * 1024
            yield b" " * 64 * 1024

    headers = {**JSON, "authorization": "Bearer new-token"}
    try:
        response = await guarded.http.post("/v1/events", content=chunks(), headers=headers)
        assert response.status_code == 413
    except httpx.HTTPError:
        pass  # the server may close the connection while the client still sends: also a refusal
    assert sent < 100 * 64 * 1024
    assert await _written(guarded) == 0


async def test_without_credentials_the_body_is_not_read(guarded: System) -> None:
    reader, writer = await asyncio.open_connection(guarded.http.base_url.host, guarded.http.base_url.port)
    writer.write(
        b"POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n"
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    assert status.split()[1] == b"401"
    writer.close()


async def test_a_stalled_body_is_dropped_after_the_deadline(guarded: System) -> None:
    reader, writer = await asyncio.open_connection(guarded.http.base_url.host, guarded.http.base_url.port)
    writer.write(
        b"POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b'authorization: Bearer new-token\r\ncontent-length: 1000\r\n\r\n{"half": '
    )
    await writer.drain()
    started = time.monotonic()
    status = await asyncio.wait_for(reader.readline(), 10)
    assert status.split()[1] == b"408"
    assert time.monotonic() - started < 5
    writer.close()
    assert await _written(guarded) == 0


async def test_a_batch_item_over_the_event_limit_is_refused_on_its_own(guarded: System) -> None:
    big = published("big", html="<p>" + "x" * 100_000 + "</p>")
    body = orjson.dumps(published("small")) + b"\n" + orjson.dumps(big)
    headers = {"content-type": "application/x-ndjson", "authorization": "Bearer old-token"}
    response = await guarded.http.post("/v1/events/batch", content=body, headers=headers)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [202, 413]


async def test_a_malformed_ghost_body_is_answered_in_ghost_terms(guarded: System) -> None:
    for body, where in [
        (b'{"posts": []}', ["post"]),
        (b'{"post": {"current": {"id": "p1", "status": "published", "visibility": "public"}}}', None),
    ]:
        stamp = int(time.time() * 1000)
        headers = {**JSON, "x-ghost-signature": ghost_sign("ghost-secret", body, stamp)}
        response = await guarded.http.post("/v1/webhooks/ghost/post.published", content=body, headers=headers)
        assert response.status_code == 422
        locations = [error["loc"] for error in response.json()["errors"]]
        if where is not None:
            assert where in locations
        assert all(loc[:1] == ["post"] for loc in locations), locations
        assert all("article.published" not in str(loc) for loc in locations)


async def test_a_ghost_post_dated_beyond_the_year_9999_in_utc_is_refused(guarded: System) -> None:
    post = {
        "id": "g1",
        "status": "published",
        "visibility": "public",
        "title": "t",
        "published_at": "9999-12-31T23:00:00-05:00",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    body = orjson.dumps({"post": {"current": post}})
    headers = {**JSON, "x-ghost-signature": ghost_sign("ghost-secret", body, int(time.time() * 1000))}
    response = await guarded.http.post("/v1/webhooks/ghost/post.published", content=body, headers=headers)
    assert response.status_code == 422, response.text[:300]
    assert ["post", "current", "published_at"] in [error["loc"] for error in response.json()["errors"]]
    assert await _written(guarded) == 0


_CEILING_SIZES = {"max_event_bytes": CEILINGS.max_event_bytes, "max_body_chars": CEILINGS.max_body_chars}


@pytest.fixture
async def roomy(redis_server: RedisServer, prefix: str) -> AsyncIterator[System]:
    """A publisher taking events up to the ceiling of 8 MB, and a replica with time to prepare them."""
    async with running_system(redis_server.url, prefix, publisher=_CEILING_SIZES, content_budget_s=60) as system:
        yield system


async def test_a_large_body_does_not_hold_the_process_while_it_is_validated(roomy: System) -> None:
    # Some 5 MB of shallow markup: about a second of validation (the nesting scan reads every tag),
    # which publisher and indexer do beside the requests and stream reads of the process. On the
    # event loop, the loop would pause at least that long.
    event = published("large", html="<div><p>x</p></div>" * 250_000)
    started = time.perf_counter()
    check_event(orjson.loads(orjson.dumps(event)), CEILINGS)
    validation_s = time.perf_counter() - started

    response, publisher_pause = await longest_pause(roomy.publish(event))
    assert response.status_code == 202, response.text[:300]
    _, indexer_pause = await longest_pause(roomy.caught_up(timeout=120))
    assert await roomy.feed_ids() == ["large"]
    assert publisher_pause < validation_s / 2, (publisher_pause, validation_s)
    assert indexer_pause < validation_s / 2, (indexer_pause, validation_s)
